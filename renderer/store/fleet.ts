// The fleet in the page: the desktop API (IPC in the app, HTTP in a browser) says which masters
// there are; each gets its own NodePassApi (made by the boot code for the transport at hand) and
// its own live stream in the app store.

import type { NodePassApi } from '../../engine/api/contract';
import { LOCAL_MASTER, type AddMasterRequest, type AppSettings, type DesktopApi, type MasterEntry, type SettingsPatch } from '../../engine/api/desktop';
import type { ApiResult } from '../../engine/api/contract';
import { addMaster, removeMaster, renameMaster } from './app';

let desktop: DesktopApi | null = null;
let makeApi: (m: MasterEntry) => NodePassApi = () => {
  throw new Error('fleet not started');
};

export function desktopApi(): DesktopApi | null {
  return desktop;
}

function register(m: MasterEntry): void {
  addMaster(m.id, m.name || m.url, makeApi(m), { name: m.name, url: m.url, local: m.local, fingerprint: m.fingerprint });
}

/** Loads the fleet and connects to every master. */
export async function startFleet(d: DesktopApi, make: (m: MasterEntry) => NodePassApi, localFallback: () => NodePassApi): Promise<void> {
  desktop = d;
  makeApi = make;
  const r = await d.listMasters();
  if (!r.ok) {
    // No desktop API (an older headless server, say): the local master alone.
    addMaster(LOCAL_MASTER, '', localFallback(), { local: true });
    return;
  }
  for (const m of r.value) register(m);
}

export async function addRemoteMaster(req: AddMasterRequest): Promise<ApiResult<MasterEntry>> {
  if (!desktop) return { ok: false, status: 0, error: 'no desktop API' };
  const r = await desktop.addMaster(req);
  if (r.ok) register(r.value);
  return r;
}

export async function updateRemoteMaster(id: string, patch: { name?: string; url?: string; key?: string; fingerprint?: string }): Promise<ApiResult<MasterEntry>> {
  if (!desktop) return { ok: false, status: 0, error: 'no desktop API' };
  const r = await desktop.updateMaster(id, patch);
  if (!r.ok) return r;
  if (patch.url !== undefined || patch.key !== undefined || patch.fingerprint !== undefined) register(r.value);
  else renameMaster(id, r.value.name);
  return r;
}

export async function removeRemoteMaster(id: string): Promise<ApiResult<null>> {
  if (!desktop) return { ok: false, status: 0, error: 'no desktop API' };
  const r = await desktop.removeMaster(id);
  if (r.ok) removeMaster(id);
  return r;
}

export async function loadSettings(): Promise<ApiResult<AppSettings>> {
  if (!desktop) return { ok: false, status: 0, error: 'no desktop API' };
  return desktop.getSettings();
}

export async function saveSettings(patch: SettingsPatch): Promise<ApiResult<AppSettings>> {
  if (!desktop) return { ok: false, status: 0, error: 'no desktop API' };
  return desktop.setSettings(patch);
}
