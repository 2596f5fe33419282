// What every section gets: the profile (sizes and durations), the implementations under test,
// the tools found, and a long-lived echo peer.

import type { Peer } from './proc';
import type { Tools } from './tools';
import type { Impl } from './tunnel';

export interface Profile {
  name: 'smoke' | 'quick' | 'full';
  /** Seconds per throughput run and how many runs (median) per figure. */
  tputSeconds: number;
  tputRepeats: number;
  streams: number[];
  /** Pool types to try (types that are not available are reported as skipped). */
  types: Array<0 | 1 | 2 | 3>;
  /** TLS modes for the latency, footprint and time-to-ready sections, and for throughput. */
  tls: Array<0 | 1>;
  tputTls: Array<0 | 1>;
  latencyCount: number;
  concurrency: number[];
  udpRates: number[];
  udpSeconds: number;
  udpSize: number;
  /** How long a fresh tunnel settles before its idle RSS is read, and the idle CPU window. */
  settleMs: number;
  idleWindowMs: number;
  readyReps: number;
}

export const PROFILES: Record<Profile['name'], Profile> = {
  smoke: {
    name: 'smoke',
    tputSeconds: 0.5,
    tputRepeats: 1,
    streams: [1, 2],
    types: [0],
    tls: [0],
    tputTls: [0, 1],
    latencyCount: 40,
    concurrency: [20],
    udpRates: [1000],
    udpSeconds: 0.5,
    udpSize: 1400,
    settleMs: 500,
    idleWindowMs: 500,
    readyReps: 1,
  },
  quick: {
    name: 'quick',
    tputSeconds: 3,
    tputRepeats: 1,
    streams: [1, 8],
    types: [0, 1, 2, 3],
    tls: [0, 1],
    tputTls: [0, 1],
    latencyCount: 2000,
    concurrency: [1000, 9000],
    udpRates: [10_000, 50_000],
    udpSeconds: 2,
    udpSize: 1400,
    settleMs: 3000,
    idleWindowMs: 5000,
    readyReps: 3,
  },
  full: {
    name: 'full',
    tputSeconds: 10,
    tputRepeats: 3,
    streams: [1, 8],
    types: [0, 1, 2, 3],
    tls: [0, 1],
    tputTls: [0, 1],
    latencyCount: 2000,
    concurrency: [1000, 9000],
    udpRates: [10_000, 50_000],
    udpSeconds: 10,
    udpSize: 1400,
    settleMs: 10_000,
    idleWindowMs: 30_000,
    readyReps: 10,
  },
};

export interface CpuSample {
  label: string;
  impl: string;
  tls: number;
  type: number;
  cpuSeconds: number;
  bytes: number;
}

export interface Ctx {
  profile: Profile;
  impls: Impl[];
  tools: Tools;
  useIperf: boolean;
  echo: Peer;
  /** Filled by the throughput section, read by the footprint section. */
  cpu: CpuSample[];
  /** The soft open-files limit this process (and its children) run with. */
  nofile: number;
  log: (m: string) => void;
}
