// The desktop API (fleet, settings, notifications) as an HTTP client, for the page in a browser:
// headless mode serves `/desktop/…` on the page's own origin. In the Electron window the preload
// bridge carries the same interface instead.

import type { DesktopApi } from '../../engine/api/desktop';
import { callJson } from '../../engine/api/request';

/** `origin`: where headless mode serves the page ('' = the page's own origin). */
export function desktopOverHttp(apiKey: string, origin = ''): DesktopApi {
  const call = <T>(method: string, path: string, body?: unknown) =>
    callJson<T>(fetch, origin + path, { method, headers: { 'X-API-Key': apiKey }, body, credentials: 'same-origin', cache: 'no-store' });
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
