// Per-instance traffic history for charts: bytes moved per minute for the last 24 h and per hour
// for the last 30 days. Pure data; the store writes it to its own file.

import type { TrafficPoint, TrafficResolution } from '../api/types';
import { TRAFFIC_KEYS, type Traffic } from './counters';

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
const MINUTE_SPAN = 24 * HOUR;
const HOUR_SPAN = 30 * 24 * HOUR;

/** [bucket start ms, tcprx, tcptx, udprx, udptx] — compact on disk. */
export type Bucket = [number, number, number, number, number];

export interface HistoryData {
  minute: Bucket[];
  hour: Bucket[];
}

function addTo(list: Bucket[], t: number, d: Traffic): void {
  const last = list[list.length - 1];
  if (last && last[0] === t) {
    last[1] += d.tcprx;
    last[2] += d.tcptx;
    last[3] += d.udprx;
    last[4] += d.udptx;
  } else if (!last || last[0] < t) {
    list.push([t, d.tcprx, d.tcptx, d.udprx, d.udptx]);
  } else {
    // The clock went back: fold into the newest bucket rather than reorder.
    last[1] += d.tcprx;
    last[2] += d.tcptx;
    last[3] += d.udprx;
    last[4] += d.udptx;
  }
}

function prune(list: Bucket[], oldest: number): void {
  let i = 0;
  while (i < list.length && list[i][0] < oldest) i++;
  if (i > 0) list.splice(0, i);
}

export class TrafficHistory {
  readonly minute: Bucket[];
  readonly hour: Bucket[];

  constructor(data?: HistoryData) {
    this.minute = data?.minute.map((b) => [...b] as Bucket) ?? [];
    this.hour = data?.hour.map((b) => [...b] as Bucket) ?? [];
  }

  /** Records bytes moved at `now`; returns false when there was nothing to record. */
  add(now: number, d: Traffic): boolean {
    if (TRAFFIC_KEYS.every((k) => d[k] === 0)) return false;
    addTo(this.minute, now - (now % MINUTE), d);
    addTo(this.hour, now - (now % HOUR), d);
    this.prune(now);
    return true;
  }

  prune(now: number): void {
    prune(this.minute, now - (now % MINUTE) - MINUTE_SPAN + MINUTE);
    prune(this.hour, now - (now % HOUR) - HOUR_SPAN + HOUR);
  }

  points(resolution: TrafficResolution, now: number): TrafficPoint[] {
    this.prune(now);
    return (resolution === 'minute' ? this.minute : this.hour).map(([t, tcprx, tcptx, udprx, udptx]) => ({ t, tcprx, tcptx, udprx, udptx }));
  }

  toJSON(): HistoryData {
    return { minute: this.minute, hour: this.hour };
  }
}

function isBucket(b: unknown): b is Bucket {
  return Array.isArray(b) && b.length === 5 && b.every((n) => typeof n === 'number' && Number.isFinite(n) && n >= 0);
}

/** Reads history saved by toJSON(); anything malformed is dropped rather than trusted. */
export function historyFromJSON(v: unknown): TrafficHistory {
  const o = (typeof v === 'object' && v !== null ? v : {}) as Partial<Record<TrafficResolution, unknown>>;
  const list = (x: unknown) => (Array.isArray(x) ? x.filter(isBucket) : []).sort((a, b) => a[0] - b[0]);
  return new TrafficHistory({ minute: list(o.minute), hour: list(o.hour) });
}
