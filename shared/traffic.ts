// Live traffic from cumulative counters: rates are derived from successive instance updates
// (whatever cadence the master sends them at), then sampled once a second into fixed-size ring
// buffers — one per instance plus the overall sum — that the charts read. Pure and allocation-light
// so 100 instances cost nothing per tick. Used by the renderer's charts and the desktop tray.

/** The cumulative counters of one instance (the fields of an API instance record it reads). */
export interface Counters {
  tcprx: number;
  tcptx: number;
  udprx: number;
  udptx: number;
  /** Only 'running' has a rate. */
  status: string;
}

export interface Rate {
  /** Bytes per second received (TCPRX + UDPRX). */
  down: number;
  /** Bytes per second sent (TCPTX + UDPTX). */
  up: number;
}

export const ZERO_RATE: Rate = Object.freeze({ down: 0, up: 0 });

export function rxOf(i: Pick<Counters, 'tcprx' | 'udprx'>): number {
  return i.tcprx + i.udprx;
}
export function txOf(i: Pick<Counters, 'tcptx' | 'udptx'>): number {
  return i.tcptx + i.udptx;
}

interface Track {
  anchorT: number;
  anchorRx: number;
  anchorTx: number;
  rate: Rate;
  lastT: number;
  /** Smoothed interval between updates, for the staleness limit. */
  interval: number;
  running: boolean;
}

/** A ring of (time, down, up) samples. */
export class Ring {
  readonly t: Float64Array;
  readonly down: Float64Array;
  readonly up: Float64Array;
  private start = 0;
  length = 0;

  constructor(readonly capacity: number) {
    this.t = new Float64Array(capacity);
    this.down = new Float64Array(capacity);
    this.up = new Float64Array(capacity);
  }

  push(t: number, down: number, up: number): void {
    const i = (this.start + this.length) % this.capacity;
    this.t[i] = t;
    this.down[i] = down;
    this.up[i] = up;
    if (this.length < this.capacity) this.length++;
    else this.start = (this.start + 1) % this.capacity;
  }

  /** Oldest-first arrays, as uPlot wants them (x in seconds). */
  toArrays(): [number[], number[], number[]] {
    const xs: number[] = new Array(this.length);
    const ds: number[] = new Array(this.length);
    const us: number[] = new Array(this.length);
    for (let k = 0; k < this.length; k++) {
      const i = (this.start + k) % this.capacity;
      xs[k] = this.t[i] / 1000;
      ds[k] = this.down[i];
      us[k] = this.up[i];
    }
    return [xs, ds, us];
  }

  last(): Rate & { t: number } {
    if (this.length === 0) return { t: 0, down: 0, up: 0 };
    const i = (this.start + this.length - 1) % this.capacity;
    return { t: this.t[i], down: this.down[i], up: this.up[i] };
  }
}

export const TOTAL = '*';

export interface TrafficOptions {
  /** Samples kept per series: 300 one-second samples = the last five minutes. */
  capacity?: number;
  /** A rate older than this many update intervals (at least minStaleMs) reads as zero. */
  minStaleMs?: number;
}

export class TrafficBook {
  private readonly tracks = new Map<string, Track>();
  private readonly rings = new Map<string, Ring>();
  readonly capacity: number;
  private readonly minStaleMs: number;

  constructor(o: TrafficOptions = {}) {
    this.capacity = o.capacity ?? 300;
    this.minStaleMs = o.minStaleMs ?? 3000;
  }

  /** Feed an instance snapshot as it arrives (initial, update, …). */
  observe(key: string, inst: Counters, now: number): void {
    const rx = rxOf(inst);
    const tx = txOf(inst);
    const running = inst.status === 'running';
    const tr = this.tracks.get(key);
    if (!tr) {
      this.tracks.set(key, { anchorT: now, anchorRx: rx, anchorTx: tx, rate: ZERO_RATE, lastT: now, interval: 1000, running });
      return;
    }
    tr.running = running;
    const dt = now - tr.anchorT;
    if (rx < tr.anchorRx || tx < tr.anchorTx) {
      // Counters went down: a reset. Start over from here without a bogus negative rate.
      Object.assign(tr, { anchorT: now, anchorRx: rx, anchorTx: tx, rate: ZERO_RATE, lastT: now });
      return;
    }
    // Updates closer together than this (a status change right after stats) carry too little time
    // for a meaningful rate; keep the anchor and let the next update measure over a longer span.
    if (dt < 250) return;
    tr.rate = { down: ((rx - tr.anchorRx) * 1000) / dt, up: ((tx - tr.anchorTx) * 1000) / dt };
    tr.interval = tr.interval * 0.7 + Math.min(dt, 30_000) * 0.3;
    tr.anchorT = now;
    tr.anchorRx = rx;
    tr.anchorTx = tx;
    tr.lastT = now;
  }

  remove(key: string): void {
    this.tracks.delete(key);
    this.rings.delete(key);
  }

  has(key: string): boolean {
    return this.tracks.has(key);
  }

  /** Every key with a track or samples (the total included once sampled). */
  keys(): string[] {
    return [...new Set([...this.tracks.keys(), ...this.rings.keys()])];
  }

  /** The current rate of one instance (zero when stopped or when updates stopped coming). */
  rate(key: string, now: number): Rate {
    const tr = this.tracks.get(key);
    if (!tr || !tr.running) return ZERO_RATE;
    const stale = Math.max(this.minStaleMs, tr.interval * 2.5);
    return now - tr.lastT > stale ? ZERO_RATE : tr.rate;
  }

  /**
   * Takes one sample of every instance and of the total. Returns the rates sampled, so the caller
   * can publish them in one store update.
   */
  sample(now: number): Map<string, Rate> {
    const out = new Map<string, Rate>();
    let down = 0;
    let up = 0;
    for (const key of this.tracks.keys()) {
      const r = this.rate(key, now);
      out.set(key, r);
      down += r.down;
      up += r.up;
      this.ring(key).push(now, r.down, r.up);
    }
    const total = { down, up };
    out.set(TOTAL, total);
    this.ring(TOTAL).push(now, down, up);
    return out;
  }

  /** The rings as plain arrays (to survive a page reload). */
  exportRings(): Record<string, [number[], number[], number[]]> {
    const out: Record<string, [number[], number[], number[]]> = {};
    for (const [k, r] of this.rings) {
      const [xs, ds, us] = r.toArrays();
      out[k] = [xs.map((x) => x * 1000), ds, us];
    }
    return out;
  }

  /** Puts saved samples back, dropping those older than the window; a no-op for unknown shapes. */
  importRings(saved: unknown, now: number): void {
    if (!saved || typeof saved !== 'object') return;
    for (const [k, v] of Object.entries(saved as Record<string, unknown>)) {
      if (!Array.isArray(v) || v.length !== 3 || !v.every(Array.isArray)) continue;
      const [ts, ds, us] = v as number[][];
      const ring = this.ring(k);
      for (let i = 0; i < ts.length; i++) {
        if (typeof ts[i] === 'number' && ts[i] > now - this.capacity * 1000 && ts[i] <= now) ring.push(ts[i], Number(ds[i]) || 0, Number(us[i]) || 0);
      }
    }
  }

  ring(key: string): Ring {
    let r = this.rings.get(key);
    if (!r) {
      r = new Ring(this.capacity);
      this.rings.set(key, r);
    }
    return r;
  }
}
