// What every part of the app store shares: the state stores, the traffic book, the notification
// policy, the clients of the connected masters, and the few mutations the parts build on
// (apply a record, forget instances, toasts, busy marks). Made once per store, never a module
// variable, so two stores (two tests, two sessions) share nothing.

import { createStore, type StoreApi } from 'zustand/vanilla';
import { TrafficBook } from '../../shared/traffic';
import type { NodePassApi } from '../../engine/api/contract';
import type { Instance } from '../../engine/api/types';
import type { ApiFactory } from '../api/factory';
import type { NotifyPolicy } from '../lib/notify';
import { emptyAppState, keyOf, type AppState, type LogState, type Toast } from './app-state';
import { displayName } from './derived';
import type { PrefsStore } from './prefs';

export interface StoreOptions {
  apis: ApiFactory;
  prefs: PrefsStore;
  /** The notifier's policy: it sees every status and every action asked for here. */
  policy: NotifyPolicy;
  now?: () => number;
  /** Samples kept per traffic series (300 one-second samples = five minutes). */
  trafficCapacity?: number;
}

/** One connected master: its client, its event stream, its periodic info refresh. */
export interface Connection {
  api: NodePassApi;
  close(): void;
}

export interface Core {
  readonly state: StoreApi<AppState>;
  readonly logs: StoreApi<LogState>;
  readonly traffic: TrafficBook;
  readonly policy: NotifyPolicy;
  readonly prefs: PrefsStore;
  readonly apis: ApiFactory;
  readonly connections: Map<string, Connection>;
  now(): number;
  /** The client of a master in the fleet. */
  apiOf(master: string): NodePassApi;
  /** A status or counters of an instance, for the rates and the notifications. */
  observe(key: string, inst: Instance, at: number): void;
  /** Applies a returned record at once, without waiting for the event stream. */
  applyInstance(master: string, inst: Instance): void;
  /**
   * Drops everything kept for these instances: record, selection, busy mark, rate, traffic, policy,
   * logs. `also` is merged into the same state update (one render for a batch).
   */
  forget(keys: readonly string[], also?: Partial<AppState>): void;
  toast(kind: Toast['kind'], text: Toast['text'], ms?: number): void;
  dismissToast(id: number): void;
  setBusy(key: string, what: string | null): void;
  /** Stops the store's own timers (toasts). */
  dispose(): void;
}

function without<T>(rec: Record<string, T>, keys: ReadonlySet<string>): Record<string, T> {
  if (!Object.keys(rec).some((k) => keys.has(k))) return rec;
  const out: Record<string, T> = {};
  for (const [k, v] of Object.entries(rec)) if (!keys.has(k)) out[k] = v;
  return out;
}

export function createCore(o: StoreOptions): Core {
  const state = createStore<AppState>(emptyAppState);
  const logs = createStore<LogState>(() => ({ byKey: {} }));
  const traffic = new TrafficBook({ capacity: o.trafficCapacity });
  const connections = new Map<string, Connection>();
  const toastTimers = new Set<ReturnType<typeof setTimeout>>();
  const now = o.now ?? Date.now;
  let toastSeq = 0;

  const observe = (key: string, inst: Instance, at: number) => {
    traffic.observe(key, inst, at);
    o.policy.observe(key, { status: inst.status, name: displayName(inst), error: inst.error }, at);
  };

  const dismissToast = (id: number) => state.setState((s) => ({ toasts: s.toasts.filter((x) => x.id !== id) }));

  return {
    state,
    logs,
    traffic,
    policy: o.policy,
    prefs: o.prefs,
    apis: o.apis,
    connections,
    now,
    apiOf(master) {
      const c = connections.get(master);
      if (!c) throw new Error(`no API client for master ${master}`);
      return c.api;
    },
    observe,
    applyInstance(master, inst) {
      const key = keyOf(master, inst.id);
      // Counters only: the notification policy follows the event stream, which reports this too.
      traffic.observe(key, inst, now());
      state.setState((s) => ({ instances: { ...s.instances, [key]: { ...inst, master, key } } }));
    },
    forget(keys, also = {}) {
      const set = new Set(keys);
      for (const k of keys) {
        traffic.remove(k);
        o.policy.forget(k);
      }
      state.setState((s) => {
        const next = { ...s, ...also };
        return { ...also, instances: without(next.instances, set), selected: without(next.selected, set), busy: without(next.busy, set), rates: without(next.rates, set) };
      });
      if (Object.keys(logs.getState().byKey).some((k) => set.has(k))) logs.setState((s) => ({ byKey: without(s.byKey, set) }));
    },
    toast(kind, text, ms = 6000) {
      const toast: Toast = { id: ++toastSeq, kind, text };
      state.setState((s) => ({ toasts: [...s.toasts.slice(-4), toast] }));
      const timer = setTimeout(() => {
        toastTimers.delete(timer);
        dismissToast(toast.id);
      }, ms);
      toastTimers.add(timer);
    },
    dismissToast,
    setBusy(key, what) {
      state.setState((s) => {
        const busy = { ...s.busy };
        if (what === null) delete busy[key];
        else busy[key] = what;
        return { busy };
      });
    },
    dispose() {
      for (const timer of toastTimers) clearTimeout(timer);
      toastTimers.clear();
    },
  };
}
