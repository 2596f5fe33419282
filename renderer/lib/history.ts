// Traffic history for the charts, pure: the master's buckets (per minute for 24 h, per hour for
// 30 days) laid on a continuous time axis for the chosen range, empty buckets as zero, plus the
// range's totals.

import type { TrafficPoint } from '../../engine/api/types';

export type HistoryRange = 'hour' | 'day' | 'week';

export const RANGES: Record<HistoryRange, { resolution: 'minute' | 'hour'; stepMs: number; buckets: number }> = {
  hour: { resolution: 'minute', stepMs: 60_000, buckets: 60 },
  day: { resolution: 'minute', stepMs: 60_000, buckets: 1440 },
  week: { resolution: 'hour', stepMs: 3_600_000, buckets: 168 },
};

export interface HistorySeries {
  /** Bucket starts, seconds (uPlot's x). */
  xs: number[];
  /** Bytes received / sent in each bucket. */
  rx: number[];
  tx: number[];
  totalRx: number;
  totalTx: number;
  /** Buckets with any traffic. */
  active: number;
}

export function historySeries(points: readonly TrafficPoint[], range: HistoryRange, now: number): HistorySeries {
  const { stepMs, buckets } = RANGES[range];
  const last = Math.floor(now / stepMs) * stepMs;
  const first = last - (buckets - 1) * stepMs;
  const xs: number[] = new Array(buckets);
  const rx: number[] = new Array(buckets).fill(0);
  const tx: number[] = new Array(buckets).fill(0);
  for (let n = 0; n < buckets; n++) xs[n] = (first + n * stepMs) / 1000;
  let totalRx = 0;
  let totalTx = 0;
  for (const p of points) {
    const n = Math.floor((p.t - first) / stepMs);
    if (n < 0 || n >= buckets) continue;
    const r = p.tcprx + p.udprx;
    const s = p.tcptx + p.udptx;
    rx[n] += r;
    tx[n] += s;
    totalRx += r;
    totalTx += s;
  }
  let active = 0;
  for (let n = 0; n < buckets; n++) if (rx[n] > 0 || tx[n] > 0) active++;
  return { xs, rx, tx, totalRx, totalTx, active };
}
