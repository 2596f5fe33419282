// Live events of every master into the store, batched: numbers-only updates wait for the traffic
// tick (one render a second for 100 busy instances); anything a user acts on or reads (state
// changes, new or deleted instances, log lines) shows within a frame or two.

import { API_KEY_ID, type InstanceEvent } from '../../engine/api/types';
import { parseLogLine, type LogEntry } from '../lib/logline';
import { keyOf, LOG_CAPACITY } from './app-state';
import type { Core } from './core';

interface Queued {
  master: string;
  e: InstanceEvent;
  at: number;
}

export interface EventActions {
  /** Takes one live event of a master; applied with the others of the next 50 ms (or the tick). */
  receive(master: string, e: InstanceEvent): void;
  /** Applies every queued event in one store update. */
  flushEvents(): void;
  /** Drops the queued events of a master (it is being removed). */
  dropEvents(master: string): void;
  setConnected(master: string, connected: boolean): void;
  clearLogs(key: string): void;
}

export function createEvents(core: Core): EventActions {
  const { state, logs } = core;
  let queue: Queued[] = [];
  let timer: ReturnType<typeof setTimeout> | null = null;
  let logSeq = 0;

  const statsOnly = (master: string, e: InstanceEvent): boolean => {
    if (e.type !== 'update' || !e.instance) return false;
    const cur = state.getState().instances[keyOf(master, e.instance.id)];
    const i = e.instance;
    return (
      !!cur &&
      cur.status === i.status &&
      cur.alias === i.alias &&
      cur.url === i.url &&
      cur.restart === i.restart &&
      (cur.error ?? '') === (i.error ?? '') &&
      JSON.stringify(cur.meta) === JSON.stringify(i.meta)
    );
  };

  const setConnected = (master: string, connected: boolean) => {
    const m = state.getState().masters[master];
    if (!m || m.connected === connected) return;
    state.setState((s) => ({ masters: { ...s.masters, [master]: { ...m, connected } } }));
  };

  const flushEvents = () => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    const batch = queue;
    queue = [];
    if (batch.length === 0) return;
    const s = state.getState();
    let instances = s.instances;
    const gone: string[] = [];
    const lines: Record<string, LogEntry[]> = {};
    const mutable = () => {
      if (instances === s.instances) instances = { ...s.instances };
      return instances;
    };
    for (const { master, e, at } of batch) {
      const inst = e.instance;
      if (e.type === 'shutdown') {
        setConnected(master, false);
        continue;
      }
      if (!inst || inst.id === API_KEY_ID) continue;
      const key = keyOf(master, inst.id);
      switch (e.type) {
        case 'initial':
        case 'create':
        case 'update':
          mutable()[key] = { ...inst, master, key };
          core.observe(key, inst, at);
          break;
        case 'delete':
          delete mutable()[key];
          gone.push(key);
          break;
        case 'log':
          (lines[key] ??= []).push(parseLogLine(e.logs, ++logSeq));
          break;
      }
    }
    const deleted = gone.filter((k) => !instances[k]);
    if (deleted.length > 0) core.forget(deleted, { instances });
    else if (instances !== s.instances) state.setState({ instances });
    if (Object.keys(lines).length > 0) {
      logs.setState((ls) => {
        const byKey = { ...ls.byKey };
        for (const [k, add] of Object.entries(lines)) {
          const merged = (byKey[k] ?? []).concat(add);
          byKey[k] = merged.length > LOG_CAPACITY ? merged.slice(merged.length - LOG_CAPACITY) : merged;
        }
        return { byKey };
      });
    }
  };

  return {
    receive(master, e) {
      queue.push({ master, e, at: core.now() });
      if (timer === null && !statsOnly(master, e)) timer = setTimeout(flushEvents, 50);
    },
    flushEvents,
    dropEvents(master) {
      queue = queue.filter((q) => q.master !== master);
    },
    setConnected,
    clearLogs(key) {
      logs.setState((s) => ({ byKey: { ...s.byKey, [key]: [] } }));
    },
  };
}
