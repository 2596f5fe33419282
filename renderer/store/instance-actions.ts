// What the user does to instances from the list and the detail page: actions (start, stop, …,
// delete), bulk start/stop, selection, search and filters, the order of the list, tags, history.

import type { Translate } from '../../shared/i18n';
import type { ApiResult } from '../../engine/api/contract';
import type { Instance, TrafficHistory } from '../../engine/api/types';
import { moveKey } from '../lib/search';
import type { StatusFilter, TypeFilter } from './app-state';
import type { Core } from './core';
import { visibleKeys } from './derived';

export type Action = 'start' | 'stop' | 'restart' | 'reset' | 'delete';

/** The toast for a failed action, written in the language current when it shows. */
export type DescribeFailure = (t: Translate, action: Action, error: string) => string;

export interface InstanceActions {
  /** Runs one action on one instance; a failure becomes a toast with the master's message. */
  act(key: string, action: Action, describe: DescribeFailure): Promise<boolean>;
  /**
   * Starts or stops several instances, skipping those already there; start means restart for one
   * in error (the master ignores start for it).
   */
  bulk(keys: readonly string[], action: 'start' | 'stop', describe: DescribeFailure): void;
  toggleSelected(key: string, on?: boolean): void;
  setSelection(keys: readonly string[]): void;
  setQuery(query: string): void;
  setStatusFilter(f: StatusFilter): void;
  setTypeFilter(f: TypeFilter): void;
  /** Drag to reorder: `dragged` goes where `target` is in the user's order of the whole list. */
  reorder(dragged: string, target: string): void;
  saveTags(key: string, tags: Record<string, string>): Promise<ApiResult<Instance>>;
  trafficHistory(key: string, resolution: 'minute' | 'hour'): Promise<ApiResult<TrafficHistory>>;
}

const gone = (key: string): ApiResult<never> => ({ ok: false, status: 404, error: `instance ${key} is not known here` });

export function createInstanceActions(core: Core): InstanceActions {
  const { state } = core;

  const act = async (key: string, action: Action, describe: DescribeFailure) => {
    const inst = state.getState().instances[key];
    if (!inst) return false;
    core.policy.expect(key, action, core.now());
    core.setBusy(key, action);
    try {
      const api = core.apiOf(inst.master);
      if (action === 'delete') {
        const r = await api.deleteInstance(inst.id);
        if (!r.ok) {
          core.toast('error', (t) => describe(t, action, r.error));
          return false;
        }
        core.forget([key]);
        return true;
      }
      const r = await api.updateInstance(inst.id, { action });
      if (!r.ok) {
        core.toast('error', (t) => describe(t, action, r.error));
        return false;
      }
      core.applyInstance(inst.master, r.value);
      return true;
    } finally {
      core.setBusy(key, null);
    }
  };

  return {
    act,
    bulk(keys, action, describe) {
      const all = state.getState().instances;
      for (const key of keys) {
        const i = all[key];
        if (!i) continue;
        if (action === 'start' && i.status === 'running') continue;
        if (action === 'stop' && i.status === 'stopped') continue;
        void act(key, action === 'start' && i.status === 'error' ? 'restart' : action, describe);
      }
    },
    toggleSelected(key, on) {
      state.setState((s) => {
        const selected = { ...s.selected };
        if (on ?? !selected[key]) selected[key] = true;
        else delete selected[key];
        return { selected };
      });
    },
    setSelection(keys) {
      const selected: Record<string, true> = {};
      for (const k of keys) selected[k] = true;
      state.setState({ selected });
    },
    setQuery: (query) => state.setState({ query }),
    setStatusFilter: (statusFilter) => state.setState({ statusFilter }),
    setTypeFilter: (typeFilter) => state.setState({ typeFilter }),
    reorder(dragged, target) {
      if (!dragged || dragged === target) return;
      const all = visibleKeys({ ...state.getState(), query: '', statusFilter: 'all', typeFilter: 'all' }, core.prefs.state.getState().order);
      core.prefs.set({ order: moveKey(all, dragged, target) });
    },
    async saveTags(key, tags) {
      const i = state.getState().instances[key];
      if (!i) return gone(key);
      const r = await core.apiOf(i.master).updateInstance(i.id, { meta: { tags } });
      if (r.ok) core.applyInstance(i.master, r.value);
      return r;
    },
    async trafficHistory(key, resolution) {
      const i = state.getState().instances[key];
      if (!i) return gone(key);
      return core.apiOf(i.master).trafficHistory(i.id, resolution);
    },
  };
}
