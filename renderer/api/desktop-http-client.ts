// The desktop API (fleet, settings, notifications) as an HTTP client, for the page in a browser:
// headless mode serves `/desktop/…` on the page's own origin. In the Electron window the preload
// bridge carries the same interface instead.

import type { ApiResult } from '../../engine/api/contract';
import type { DesktopApi } from '../../engine/api/desktop';

/** `origin`: where headless mode serves the page ('' = the page's own origin). */
export function desktopOverHttp(apiKey: string, origin = ''): DesktopApi {
  async function call<T>(method: string, path: string, body?: unknown): Promise<ApiResult<T>> {
    try {
      const r = await fetch(origin + path, {
        method,
        credentials: 'same-origin',
        cache: 'no-store',
        headers: { 'X-API-Key': apiKey, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await r.text();
      if (!r.ok) {
        let error = text || `HTTP ${r.status}`;
        try {
          error = (JSON.parse(text) as { error?: string }).error ?? error;
        } catch {
          // plain text
        }
        return { ok: false, status: r.status, error };
      }
      return { ok: true, value: (text ? JSON.parse(text) : null) as T };
    } catch (e) {
      return { ok: false, status: 0, error: (e as Error).message };
    }
  }
  return {
    listMasters: () => call('GET', '/desktop/masters'),
    addMaster: (req) => call('POST', '/desktop/masters', req),
    updateMaster: (id, req) => call('PATCH', `/desktop/masters/${encodeURIComponent(id)}`, req),
    removeMaster: (id) => call('DELETE', `/desktop/masters/${encodeURIComponent(id)}`),
    getSettings: () => call('GET', '/desktop/settings'),
    setSettings: (patch) => call('PATCH', '/desktop/settings', patch),
    notify: (n) => call('POST', '/desktop/notify', n),
  };
}
