// The masters the store is connected to: adding one opens its event stream (reconciled with a
// fresh list on every (re)connect) and a slow refresh of its facts; removing one closes both and
// drops everything kept for it and its instances.

import type { NodePassApi, Subscription } from '../../engine/api/contract';
import { API_KEY_ID } from '../../engine/api/types';
import { keyOf, masterPrefix, type InstRecord } from './app-state';
import type { Connection, Core } from './core';
import { labelOf } from './derived';
import type { EventActions } from './events';

export interface MasterOptions {
  name?: string;
  url?: string;
  local?: boolean;
  fingerprint?: string;
}

export interface MasterActions {
  /** Registers a master (replacing one with the same ID) and starts its live event stream. */
  addMaster(id: string, label: string, api: NodePassApi, o?: MasterOptions): void;
  /** The user renamed a master (no reconnect needed). */
  renameMaster(id: string, name: string): void;
  /** Disconnects a master and drops its instances, their rates, logs, selection and notification state. */
  removeMaster(id: string): void;
}

/** How often a connected master's facts (alias, version, load) are looked at again. */
const INFO_EVERY_MS = 30_000;

export function createMasters(core: Core, events: EventActions): MasterActions {
  const { state } = core;

  /** The whole list, from a fresh GET: drops what was deleted while the stream was down. */
  const reconcile = async (master: string, c: Connection) => {
    const r = await c.api.listInstances();
    if (!r.ok || core.connections.get(master) !== c) return;
    const now = core.now();
    const fresh: Record<string, InstRecord> = {};
    for (const i of r.value) {
      if (i.id === API_KEY_ID) continue;
      const key = keyOf(master, i.id);
      fresh[key] = { ...i, master, key };
      core.observe(key, i, now);
    }
    const s = state.getState();
    const instances: Record<string, InstRecord> = {};
    const gone: string[] = [];
    for (const [k, v] of Object.entries(s.instances)) {
      if (v.master !== master) instances[k] = v;
      else if (!fresh[k]) gone.push(k);
    }
    core.forget(gone, { instances: { ...instances, ...fresh } });
  };

  const refreshInfo = async (master: string, c: Connection) => {
    const r = await c.api.getInfo();
    if (!r.ok || core.connections.get(master) !== c) return;
    const info = r.value;
    state.setState((s) => {
      const m = s.masters[master];
      if (!m) return {};
      return { masters: { ...s.masters, [master]: { ...m, info, infoAt: core.now(), label: labelOf(m, info) } } };
    });
  };

  const removeMaster = (id: string) => {
    core.connections.get(id)?.close();
    core.connections.delete(id);
    events.dropEvents(id);
    const s = state.getState();
    if (!s.masters[id] && !Object.values(s.instances).some((i) => i.master === id)) return;
    const masters = { ...s.masters };
    delete masters[id];
    const prefix = masterPrefix(id);
    // Also keys without a record any more (a log line, a rate) that belong to this master.
    const keys = new Set([...Object.keys(s.instances), ...Object.keys(s.rates), ...Object.keys(core.logs.getState().byKey)].filter((k) => k.startsWith(prefix)));
    for (const k of core.traffic.keys()) if (k.startsWith(prefix)) keys.add(k);
    core.forget([...keys], { masters });
  };

  return {
    addMaster(id, label, api, o = {}) {
      removeMaster(id);
      const base = { id, name: o.name ?? '', url: o.url ?? '', local: o.local ?? id === 'local', fingerprint: o.fingerprint ?? '', label };
      state.setState((s) => ({ masters: { ...s.masters, [id]: { ...base, label: labelOf(base, null), connected: false, info: null, infoAt: 0 } } }));
      let sub: Subscription | null = null;
      let closed = false;
      const timer = setInterval(() => {
        if (state.getState().masters[id]?.connected) void refreshInfo(id, conn);
      }, INFO_EVERY_MS);
      const conn: Connection = {
        api,
        close() {
          closed = true;
          sub?.close();
          clearInterval(timer);
        },
      };
      core.connections.set(id, conn);
      // Whatever arrives for a connection that was closed or replaced meanwhile is dropped.
      const live = () => core.connections.get(id) === conn;
      sub = api.subscribe(
        (e) => {
          if (live()) events.receive(id, e);
        },
        (connected) => {
          if (!live()) return;
          events.setConnected(id, connected);
          if (connected) {
            void reconcile(id, conn);
            void refreshInfo(id, conn);
          }
        },
      );
      if (closed) sub.close();
    },
    renameMaster(id, name) {
      state.setState((s) => {
        const m = s.masters[id];
        if (!m) return {};
        const next = { ...m, name };
        return { masters: { ...s.masters, [id]: { ...next, label: labelOf(next, m.info) } } };
      });
    },
    removeMaster,
  };
}
