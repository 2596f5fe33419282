// The one typed contract between the master API, the HTTP client, the Electron IPC bridge and the
// renderer (spec §9.5). JSON field names and order are NodePass v1.14's.

export type InstanceKind = 'server' | 'client';
export type InstanceStatus = 'running' | 'stopped' | 'error';

export interface Peer {
  sid: string;
  type: string;
  alias: string;
}

export interface Meta {
  peer: Peer;
  tags: Record<string, string>;
}

export interface Instance {
  id: string;
  alias: string;
  /** `server` / `client`; `""` for the API-key record `********`. */
  type: InstanceKind | '';
  status: InstanceStatus | '';
  /** The URL actually executed (normalised); the API key for `********`. */
  url: string;
  /** The URL with all defaults filled in; the master ID for `********`. */
  config: string;
  restart: boolean;
  meta: Meta;
  mode: number;
  ping: number;
  pool: number;
  tcps: number;
  udps: number;
  tcprx: number;
  tcptx: number;
  udprx: number;
  udptx: number;
  /** Extension (NodePass Desktop masters only): why the instance is in `error`. */
  error?: string;
}

export type InstanceEventType = 'initial' | 'create' | 'update' | 'delete' | 'log' | 'shutdown';

export interface InstanceEvent {
  type: InstanceEventType;
  /** RFC 3339 with nanoseconds and local offset, as Go's time JSON. */
  time: string;
  instance: Instance | null;
  /** The raw log line (with ANSI colours) for `log`; `""` otherwise. */
  logs: string;
}

export interface MasterInfo {
  alias: string;
  arch: string;
  cpu: number;
  crt: string;
  diskr: number;
  diskw: number;
  key: string;
  log: string;
  mem_total: number;
  mem_used: number;
  mid: string;
  name: string;
  netrx: number;
  nettx: number;
  os: string;
  swap_total: number;
  swap_used: number;
  sysup: number;
  tls: string;
  uptime: number;
  ver: string;
}

export interface TCPingResult {
  target: string;
  connected: boolean;
  latency: number;
  error: string | null;
}

export interface CreateInstanceRequest {
  alias?: string;
  url: string;
}

export type InstanceAction = 'start' | 'stop' | 'restart' | 'reset';

export interface UpdateInstanceRequest {
  alias?: string;
  action?: InstanceAction;
  restart?: boolean;
  meta?: { peer?: Peer | null; tags?: Record<string, string> | null };
}

export interface PutInstanceRequest {
  url: string;
}

/** Traffic history kept by NodePass Desktop masters (extension endpoint). */
export interface TrafficPoint {
  /** Start of the bucket, ms since the epoch. */
  t: number;
  tcprx: number;
  tcptx: number;
  udprx: number;
  udptx: number;
}

export interface TrafficHistory {
  id: string;
  resolution: 'minute' | 'hour';
  points: TrafficPoint[];
}

/** The ID of the API-key pseudo-record. */
export const API_KEY_ID = '********';
