// The desktop app's own API, next to each master's NodePassApi: the fleet of masters (the local
// one plus remote NodePass-compatible masters), app settings that live outside the page (autostart,
// who may reach the local API) and OS notifications. Served by the Electron main process over IPC
// and by headless mode over HTTP (`/desktop/…`); keys of remote masters never leave that side.
// Types come from the schemas (desktop-schemas.ts) by type-only imports: no zod at run time here.

import type { z } from 'zod';
import type { ApiResult } from './contract';
import type {
  AddMasterRequestSchema,
  ApiAccessSchema,
  AppSettingsSchema,
  DesktopNotificationSchema,
  MasterEntrySchema,
  SettingsPatchSchema,
  UpdateMasterRequestSchema,
} from './desktop-schemas';

/** The ID of the master that runs on this computer. */
export const LOCAL_MASTER = 'local';

export type MasterEntry = z.infer<typeof MasterEntrySchema>;
export type AddMasterRequest = z.input<typeof AddMasterRequestSchema>;
export type UpdateMasterRequest = z.input<typeof UpdateMasterRequestSchema>;

/** Status of addMaster/updateMaster when the master's certificate is not trusted yet. */
export const UNTRUSTED_CERT = 495;

export type ApiAccess = z.infer<typeof ApiAccessSchema>;
export type AppSettings = z.infer<typeof AppSettingsSchema>;
export type SettingsPatch = z.input<typeof SettingsPatchSchema>;
export type DesktopNotification = z.infer<typeof DesktopNotificationSchema>;

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
