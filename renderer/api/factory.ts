// Which clients the page talks through, made once per session: inside Electron the preload bridge
// (one NodePassApi adapter per master); in a browser HTTP — to the local master on the page's
// origin, to remote masters through the same origin's /fleet/<id> pass-through (the strict CSP
// allows no other origin).

import type { NodePassApi } from '../../engine/api/contract';
import { LOCAL_MASTER, type DesktopApi, type MasterEntry } from '../../engine/api/desktop';
import { HttpApi } from '../../engine/api/http-client';
import type { NodePassBridge } from '../../engine/api/bridge';
import { desktopOverHttp } from './desktop-http-client';
import { apiFromBridge } from './ipc-client';
import type { SessionInfo } from './session';

export interface ApiFactory {
  /** 'ipc' in the Electron window, 'http' in a browser against headless mode. */
  readonly transport: 'ipc' | 'http';
  /** The fleet, the app settings and OS notifications. */
  readonly desktop: DesktopApi;
  /** The client of one master of the fleet. */
  master(m: MasterEntry): NodePassApi;
  /** The local master, for a host without the desktop API (the fleet is then this one alone). */
  local(): NodePassApi;
}

export function bridgeApis(bridge: NodePassBridge): ApiFactory {
  return {
    transport: 'ipc',
    desktop: bridge.desktop,
    master: (m) => apiFromBridge(bridge, m.id),
    local: () => apiFromBridge(bridge, LOCAL_MASTER),
  };
}

/** `page`: the page's URL (the session's API base is relative to it). */
export function httpApis(session: SessionInfo, page: string): ApiFactory {
  const origin = new URL(page).origin;
  const local = () => new HttpApi({ baseUrl: new URL(session.base, page).href, apiKey: session.key });
  return {
    transport: 'http',
    desktop: desktopOverHttp(session.key),
    master: (m) => (m.local ? local() : new HttpApi({ baseUrl: `${origin}/fleet/${encodeURIComponent(m.id)}`, apiKey: session.key })),
    local,
  };
}
