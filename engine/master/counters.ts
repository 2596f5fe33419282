// Byte counters across instance restarts and user resets (spec §9.8), as pure functions.
// An instance process reports cumulative values since it started; the master shows
// `base + value − reset`, where `base` is the total when the process started and `reset` is the
// process value at the last user reset (dropped when the process restarts and counts from 0).

export const TRAFFIC_KEYS = ['tcprx', 'tcptx', 'udprx', 'udptx'] as const;
export type TrafficKey = (typeof TRAFFIC_KEYS)[number];
export type Traffic = Record<TrafficKey, number>;

export interface Counters {
  /** What the API shows. */
  value: Traffic;
  base: Traffic;
  reset: Traffic;
}

export function zeroTraffic(): Traffic {
  return { tcprx: 0, tcptx: 0, udprx: 0, udptx: 0 };
}

export function newCounters(value: Traffic = zeroTraffic()): Counters {
  return { value: { ...value }, base: zeroTraffic(), reset: zeroTraffic() };
}

/**
 * An instance process starts: the total so far becomes the base, and a reset offset (which refers
 * to the previous process's numbers) no longer applies. NodePass keeps the offset until the new
 * process reports a smaller value, which subtracts it wrongly when that first report comes late.
 */
export function onProcessStart(c: Counters): Counters {
  return { value: { ...c.value }, base: { ...c.value }, reset: zeroTraffic() };
}

/** A report from the running process (cumulative since it started). */
export function applyProcessValues(c: Counters, v: Traffic): Counters {
  const out: Counters = { value: { ...c.value }, base: { ...c.base }, reset: { ...c.reset } };
  for (const k of TRAFFIC_KEYS) {
    if (v[k] >= out.reset[k]) {
      out.value[k] = out.base[k] + v[k] - out.reset[k];
    } else {
      // The process restarted under us (its counters went back): the reset offset no longer applies.
      out.value[k] = out.base[k] + v[k];
      out.reset[k] = 0;
    }
  }
  return out;
}

/** PATCH action `reset`: the shown totals become 0; later reports count from here. */
export function resetCounters(c: Counters): Counters {
  const reset = zeroTraffic();
  for (const k of TRAFFIC_KEYS) reset[k] = c.value[k] - c.base[k];
  return { value: zeroTraffic(), base: zeroTraffic(), reset };
}

/** Bytes moved between two reports of one process (a drop means the process restarted). */
export function delta(prev: Traffic, next: Traffic): Traffic {
  const d = zeroTraffic();
  for (const k of TRAFFIC_KEYS) d[k] = next[k] >= prev[k] ? next[k] - prev[k] : next[k];
  return d;
}
