// An instance as the master keeps it (its record: what is stored, what the supervisor updates, the
// counters and history) and as the API shows it (the view, fields in NodePass's order).

import type { Instance, Meta } from '../api/types';
import { newCounters, type Counters } from './counters';
import { TrafficHistory } from './history';
import type { SupervisedRecord } from './supervisor';

export interface InstanceRecord extends SupervisedRecord {
  alias: string;
  type: 'server' | 'client';
  config: string;
  restart: boolean;
  meta: Meta;
}

export function sortedTags(tags: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(tags).sort()) out[k] = tags[k];
  return out;
}

export function newRecord(id: string, type: 'server' | 'client', url: string, config: string, counters: Counters = newCounters()): InstanceRecord {
  return {
    id,
    alias: '',
    type,
    status: 'stopped',
    url,
    config,
    restart: true,
    meta: { peer: { sid: '', type: '', alias: '' }, tags: {} },
    mode: 0,
    ping: 0,
    pool: 0,
    tcps: 0,
    udps: 0,
    counters,
    error: '',
    history: new TrafficHistory(),
  };
}

/** The public view, fields in NodePass's order. */
export function instanceView(r: InstanceRecord): Instance {
  const v: Instance = {
    id: r.id,
    alias: r.alias,
    type: r.type,
    status: r.status,
    url: r.url,
    config: r.config,
    restart: r.restart,
    meta: { peer: { sid: r.meta.peer.sid, type: r.meta.peer.type, alias: r.meta.peer.alias }, tags: sortedTags(r.meta.tags) },
    mode: r.mode,
    ping: r.ping,
    pool: r.pool,
    tcps: r.tcps,
    udps: r.udps,
    tcprx: r.counters.value.tcprx,
    tcptx: r.counters.value.tcptx,
    udprx: r.counters.value.udprx,
    udptx: r.counters.value.udptx,
  };
  if (r.status === 'error' && r.error !== '') v.error = r.error;
  return v;
}
