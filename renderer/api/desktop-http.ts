// The desktop API over HTTP, for the page in a browser (headless mode serves `/desktop/…` on the
// same origin; see desktop/routes.ts). Remote masters are reached through `/fleet/<id>`.

import type { DesktopApi } from '../../engine/api/desktop';
import { callJson } from '../../engine/api/request';

export function desktopOverHttp(apiKey: string): DesktopApi {
  const call = <T>(method: string, path: string, body?: unknown) =>
    callJson<T>(fetch, path, { method, headers: { 'X-API-Key': apiKey }, body, credentials: 'same-origin', cache: 'no-store' });
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
