// The app store: one object with the state (zustand stores the views subscribe to) and every
// action on it, put together from its parts (core, events, masters, fleet, instance actions and
// the workflows). Created once per session by createServices(); tests create their own.

import type { StoreApi } from 'zustand/vanilla';
import type { TrafficBook } from '../../shared/traffic';
import type { ApiResult, NodePassApi } from '../../engine/api/contract';
import type { Instance } from '../../engine/api/types';
import type { ExportedInstance } from '../lib/transfer';
import type { AppState, LogState, Toast } from './app-state';
import { createCore, type StoreOptions } from './core';
import { createEvents, type EventActions } from './events';
import { createFleet, type FleetActions } from './fleet';
import { importInstances, type ImportResult } from './import';
import { createInstanceActions, type InstanceActions } from './instance-actions';
import { createMasters, type MasterActions } from './masters';
import { linkPeers } from './peers';
import { createInstance, editInstance, type CreateRequest, type EditRequest, type SaveResult } from './save-instance';

export type { StoreOptions } from './core';

export interface Workflows {
  createInstance(req: CreateRequest): Promise<SaveResult>;
  editInstance(req: EditRequest): Promise<SaveResult>;
  /** Pairs two instances of a master ('' unlinks). */
  linkPeers(master: string, id: string, peerId: string): Promise<ApiResult<null>>;
  importInstances(master: string, list: readonly ExportedInstance[]): Promise<ImportResult>;
}

export interface AppStore extends EventActions, MasterActions, FleetActions, InstanceActions, Workflows {
  readonly state: StoreApi<AppState>;
  readonly logs: StoreApi<LogState>;
  /** Live rates and the five-minute rings the charts draw. */
  readonly traffic: TrafficBook;
  apiOf(master: string): NodePassApi;
  applyInstance(master: string, inst: Instance): void;
  toast(kind: Toast['kind'], text: Toast['text'], ms?: number): void;
  dismissToast(id: number): void;
  /** Once a second: applies waiting events, samples the traffic and publishes the rates. */
  tick(now: number): void;
  /** Charts redraw on this, after each tick's sample. */
  onTick(cb: () => void): () => void;
  /** Disconnects every master and stops every timer. */
  dispose(): void;
}

export function createAppStore(o: StoreOptions): AppStore {
  const core = createCore(o);
  const events = createEvents(core);
  const masters = createMasters(core, events);
  const tickListeners = new Set<() => void>();

  const tick = (now: number) => {
    // Stats that arrived since the last tick go in with this sample: one render for both.
    events.flushEvents();
    const sampled = core.traffic.sample(now);
    const prev = core.state.getState().rates;
    const rates: AppState['rates'] = {};
    let changed = false;
    for (const [k, r] of sampled) {
      const p = prev[k];
      // Keep the old object when nothing moved, so rows that select it do not re-render.
      if (p && p.down === r.down && p.up === r.up) rates[k] = p;
      else {
        rates[k] = r;
        changed = true;
      }
    }
    if (changed || Object.keys(prev).length !== sampled.size) core.state.setState({ rates });
    for (const cb of tickListeners) cb();
  };

  return {
    ...events,
    ...masters,
    ...createFleet(core, masters),
    ...createInstanceActions(core),
    createInstance: (req) => createInstance(core, req),
    editInstance: (req) => editInstance(core, req),
    linkPeers: (master, id, peerId) => linkPeers(core, master, id, peerId),
    importInstances: (master, list) => importInstances(core, master, list),
    state: core.state,
    logs: core.logs,
    traffic: core.traffic,
    apiOf: core.apiOf,
    applyInstance: core.applyInstance,
    toast: core.toast,
    dismissToast: core.dismissToast,
    tick,
    onTick(cb) {
      tickListeners.add(cb);
      return () => tickListeners.delete(cb);
    },
    dispose() {
      for (const id of [...core.connections.keys()]) masters.removeMaster(id);
      events.flushEvents();
      core.dispose();
      tickListeners.clear();
    },
  };
}
