// The fleet: the desktop API (IPC in the app, HTTP in a browser) says which masters there are;
// each gets its client from the API factory and its own live stream in the store. Also the app
// settings, which live with the fleet.

import type { ApiResult } from '../../engine/api/contract';
import { LOCAL_MASTER, type AddMasterRequest, type AppSettings, type MasterEntry, type SettingsPatch } from '../../engine/api/desktop';
import { masterPrefix } from './app-state';
import type { Core } from './core';
import type { MasterActions } from './masters';

export interface MasterPatch {
  name?: string;
  url?: string;
  key?: string;
  fingerprint?: string;
}

export interface FleetActions {
  /** Loads the fleet and connects to every master (the local one alone without a desktop API). */
  startFleet(): Promise<void>;
  addRemoteMaster(req: AddMasterRequest): Promise<ApiResult<MasterEntry>>;
  /** A new address, key or fingerprint reconnects; a new name only relabels. */
  updateRemoteMaster(id: string, patch: MasterPatch): Promise<ApiResult<MasterEntry>>;
  /** Removes a master from the fleet, with everything kept for it here (its muted and ordered instances too). */
  removeRemoteMaster(id: string): Promise<ApiResult<null>>;
  loadSettings(): Promise<ApiResult<AppSettings>>;
  saveSettings(patch: SettingsPatch): Promise<ApiResult<AppSettings>>;
}

export function createFleet(core: Core, masters: MasterActions): FleetActions {
  const { desktop } = core.apis;
  const connect = (m: MasterEntry) =>
    masters.addMaster(m.id, m.name || m.url, core.apis.master(m), { name: m.name, url: m.url, local: m.local, fingerprint: m.fingerprint });

  return {
    async startFleet() {
      const r = await desktop.listMasters();
      // A host without the desktop API serves only the master API: the local master alone.
      if (!r.ok) masters.addMaster(LOCAL_MASTER, '', core.apis.local(), { local: true });
      else for (const m of r.value) connect(m);
    },
    async addRemoteMaster(req) {
      const r = await desktop.addMaster(req);
      if (r.ok) connect(r.value);
      return r;
    },
    async updateRemoteMaster(id, patch) {
      const r = await desktop.updateMaster(id, patch);
      if (!r.ok) return r;
      if (patch.url !== undefined || patch.key !== undefined || patch.fingerprint !== undefined) connect(r.value);
      else masters.renameMaster(id, r.value.name);
      return r;
    },
    async removeRemoteMaster(id) {
      const r = await desktop.removeMaster(id);
      if (r.ok) {
        masters.removeMaster(id);
        core.prefs.forget(masterPrefix(id));
      }
      return r;
    },
    loadSettings: () => desktop.getSettings(),
    saveSettings: (patch) => desktop.setSettings(patch),
  };
}
