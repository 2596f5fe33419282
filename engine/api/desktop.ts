// The desktop app's own API, next to each master's NodePassApi: the fleet of masters (the local
// one plus remote NodePass-compatible masters), app settings that live outside the page (autostart,
// who may reach the local API) and OS notifications. Served by the Electron main process over IPC
// and by headless mode over HTTP (`/desktop/…`); keys of remote masters never leave that side.
// Browser-safe types only.

import type { ApiResult } from './contract';

/** The ID of the master that runs on this computer. */
export const LOCAL_MASTER = 'local';

export interface MasterEntry {
  /** `local`, or an ID chosen when the master was added. */
  id: string;
  /** What the user called it (`''` = use the master's alias or address). */
  name: string;
  /** The API base including `/v1`. */
  url: string;
  /** SHA-256 fingerprint of a certificate the user chose to trust (self-signed `tls=1`), else `''`. */
  fingerprint: string;
  local: boolean;
}

export interface AddMasterRequest {
  name?: string;
  url: string;
  key: string;
  /** Trust this self-signed certificate (as shown by a previous attempt's error). */
  fingerprint?: string;
}

export interface UpdateMasterRequest {
  name?: string;
  url?: string;
  key?: string;
  fingerprint?: string;
}

/** Status of addMaster/updateMaster when the master's certificate is not trusted yet. */
export const UNTRUSTED_CERT = 495;

export type ApiAccessMode = 'loopback' | 'network';

export interface ApiAccess {
  /** loopback: 127.0.0.1 only; network: every interface (requires TLS). */
  mode: ApiAccessMode;
  port: number;
  /** 1: a self-signed certificate; 2: the certificate files below. Ignored for loopback. */
  tls: 0 | 1 | 2;
  crt: string;
  key: string;
}

export interface AppSettings {
  /** null where the platform or mode has no login items (headless, browser). */
  autostart: boolean | null;
  apiAccess: ApiAccess;
  /** Where the local master's API is reachable now. */
  localApi: string;
  /** The settings saved but not yet in effect (a restart of the app applies them). */
  pendingRestart: boolean;
  /** UI language last chosen ('' = not chosen: follow the system). */
  locale: string;
}

export interface SettingsPatch {
  autostart?: boolean;
  apiAccess?: Partial<ApiAccess>;
  /** UI language, so that the tray speaks it too. */
  locale?: string;
}

export interface DesktopNotification {
  title: string;
  body: string;
}

export interface DesktopApi {
  listMasters(): Promise<ApiResult<MasterEntry[]>>;
  addMaster(req: AddMasterRequest): Promise<ApiResult<MasterEntry>>;
  updateMaster(id: string, req: UpdateMasterRequest): Promise<ApiResult<MasterEntry>>;
  removeMaster(id: string): Promise<ApiResult<null>>;
  getSettings(): Promise<ApiResult<AppSettings>>;
  setSettings(patch: SettingsPatch): Promise<ApiResult<AppSettings>>;
  /** Shows an OS notification (the Electron app; a browser uses its own Notification API). */
  notify(n: DesktopNotification): Promise<ApiResult<null>>;
}

export const DESKTOP_METHODS = ['listMasters', 'addMaster', 'updateMaster', 'removeMaster', 'getSettings', 'setSettings', 'notify'] as const;
export type DesktopMethod = (typeof DESKTOP_METHODS)[number];

type UnlistedDesktop = Exclude<keyof DesktopApi, DesktopMethod>;
const everyDesktopMethodListed: [UnlistedDesktop] extends [never] ? true : UnlistedDesktop = true;
void everyDesktopMethodListed;

/** Pure check of an API access choice: opening the API to the network requires TLS. */
export function checkApiAccess(a: ApiAccess): string | null {
  if (a.mode !== 'loopback' && a.mode !== 'network') return `apiAccess.mode=${String(a.mode)}: expected loopback or network`;
  if (!Number.isInteger(a.port) || a.port < 0 || a.port > 65535) return `apiAccess.port=${String(a.port)}: expected a port number 0-65535`;
  if (a.tls !== 0 && a.tls !== 1 && a.tls !== 2) return `apiAccess.tls=${String(a.tls)}: expected 0, 1 or 2`;
  if (a.mode === 'network' && a.tls === 0) return 'apiAccess: opening the API to the network requires TLS (tls=1 or tls=2)';
  if (a.tls === 2 && (!a.crt.trim() || !a.key.trim())) return 'apiAccess: tls=2 needs a certificate file (crt) and its key file (key)';
  if (a.mode === 'network' && a.port === 0) return 'apiAccess.port: choose a fixed port when the API is open to the network';
  return null;
}

export const DEFAULT_API_ACCESS: ApiAccess = { mode: 'loopback', port: 0, tls: 0, crt: '', key: '' };
