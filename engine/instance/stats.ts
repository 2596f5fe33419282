// Per-instance traffic figures (spec §7.2, §8.2) kept as plain numbers, and the slot limit (§7.7).
// Unlike NodePass, sessions are counted even when slot=0 (unlimited).

import type { RelayCounters } from '../relay/tcp-relay';

export interface StatsSnapshot {
  /** 1 reverse/single-end, 2 forward/dual-end, 0 before it is known. */
  mode: number;
  ping: number;
  pool: number;
  tcps: number;
  udps: number;
  tcprx: number;
  tcptx: number;
  udprx: number;
  udptx: number;
}

export class Stats {
  mode = 0;
  ping = 0;
  tcprx = 0;
  tcptx = 0;
  udprx = 0;
  udptx = 0;
  tcps = 0;
  udps = 0;
  /** Reads the current POOL figure (idle pooled streams). */
  poolSource: () => number = () => 0;

  /** Counters for the user- or target-facing side of a TCP relay. */
  readonly tcpCounters: RelayCounters = {
    onARead: (n) => {
      this.tcprx += n;
    },
    onAWrite: (n) => {
      this.tcptx += n;
    },
  };

  constructor(readonly slotLimit: number) {}

  /** Takes a session slot; false when the limit is reached. */
  tryAcquire(udp: boolean): boolean {
    if (this.slotLimit > 0 && this.tcps + this.udps >= this.slotLimit) return false;
    if (udp) this.udps++;
    else this.tcps++;
    return true;
  }

  release(udp: boolean): void {
    if (udp) this.udps = Math.max(0, this.udps - 1);
    else this.tcps = Math.max(0, this.tcps - 1);
  }

  snapshot(): StatsSnapshot {
    return {
      mode: this.mode,
      ping: this.ping,
      pool: this.poolSource(),
      tcps: this.tcps,
      udps: this.udps,
      tcprx: this.tcprx,
      tcptx: this.tcptx,
      udprx: this.udprx,
      udptx: this.udptx,
    };
  }
}

/** The CHECK_POINT event line exactly as §8.2 (the master parses it). */
export function checkPointLine(s: StatsSnapshot): string {
  return (
    `CHECK_POINT|MODE=${s.mode}|PING=${s.ping}ms|POOL=${s.pool}|TCPS=${s.tcps}|UDPS=${s.udps}` +
    `|TCPRX=${s.tcprx}|TCPTX=${s.tcptx}|UDPRX=${s.udprx}|UDPTX=${s.udptx}`
  );
}

const CHECK_POINT_RE =
  /CHECK_POINT\|MODE=(\d+)\|PING=(\d+)ms\|POOL=(\d+)\|TCPS=(\d+)\|UDPS=(\d+)\|TCPRX=(\d+)\|TCPTX=(\d+)\|UDPRX=(\d+)\|UDPTX=(\d+)/;

/** Parses a CHECK_POINT line the way NodePass's master does (anywhere in the line). */
export function parseCheckPoint(line: string): StatsSnapshot | null {
  const m = CHECK_POINT_RE.exec(line);
  if (!m) return null;
  const n = m.slice(1).map(Number);
  return { mode: n[0], ping: n[1], pool: n[2], tcps: n[3], udps: n[4], tcprx: n[5], tcptx: n[6], udprx: n[7], udptx: n[8] };
}
