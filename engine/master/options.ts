// The master's own environment variables (beyond NodePass's NP_* set). Like the rest of the
// engine, a set-but-invalid value is an error naming the variable, never a silent default.

import { parseGoDuration } from '../url/duration';
import type { UrlIssue, UrlResult } from '../url/model';
import type { Isolation } from './runner';

export interface MasterEnv {
  /** NP_ISOLATION: how each instance runs. */
  isolation: Isolation;
  /** NPD_STATS_INTERVAL: how often instances report stats (ms). */
  statsIntervalMs: number;
  /** NPD_BODY_LIMIT: request body limit (bytes). */
  bodyLimit: number;
  /** NPD_SSE_HEARTBEAT: comment line interval on event streams (ms, 0 = off). */
  heartbeatMs: number;
  /** NPD_SSE_MAX_BUFFER: bytes waiting for a subscriber before it gets `resync`. */
  sseMaxBuffer: number;
  /** NPD_RESTART_MIN / NPD_RESTART_MAX: restart back-off bounds after a crash (ms). */
  restartMinMs: number;
  restartMaxMs: number;
  /** NPD_ERROR_RESTART: continuous `error` for this long restarts the instance (ms). */
  errorRestartMs: number;
  /** NPD_HANG_TIMEOUT: no stats for this long means the instance hangs (ms). */
  hangTimeoutMs: number;
  /** NPD_WORKER_HEAP_MB: heap cap per worker instance. */
  workerHeapMb: number;
  /** NPD_HEADERS_TIMEOUT: a client must finish sending its request head (and TLS handshake) within this (ms). */
  headersTimeoutMs: number;
  /** NPD_REQUEST_TIMEOUT: …and its whole request, body included, within this (ms). */
  requestTimeoutMs: number;
  /** NPD_FAULT_INJECTION=1: test hook endpoint. */
  faults: boolean;
}

interface Spec {
  name: string;
  field: keyof MasterEnv;
  kind: 'int' | 'duration';
  min: number;
}

const SPECS: Spec[] = [
  { name: 'NPD_STATS_INTERVAL', field: 'statsIntervalMs', kind: 'int', min: 250 },
  { name: 'NPD_BODY_LIMIT', field: 'bodyLimit', kind: 'int', min: 1024 },
  { name: 'NPD_SSE_HEARTBEAT', field: 'heartbeatMs', kind: 'duration', min: 0 },
  { name: 'NPD_SSE_MAX_BUFFER', field: 'sseMaxBuffer', kind: 'int', min: 1024 },
  { name: 'NPD_RESTART_MIN', field: 'restartMinMs', kind: 'duration', min: 10 },
  { name: 'NPD_RESTART_MAX', field: 'restartMaxMs', kind: 'duration', min: 10 },
  { name: 'NPD_ERROR_RESTART', field: 'errorRestartMs', kind: 'duration', min: 1000 },
  { name: 'NPD_HANG_TIMEOUT', field: 'hangTimeoutMs', kind: 'duration', min: 1000 },
  { name: 'NPD_WORKER_HEAP_MB', field: 'workerHeapMb', kind: 'int', min: 16 },
  { name: 'NPD_HEADERS_TIMEOUT', field: 'headersTimeoutMs', kind: 'duration', min: 100 },
  { name: 'NPD_REQUEST_TIMEOUT', field: 'requestTimeoutMs', kind: 'duration', min: 100 },
];

export function parseMasterEnv(env: Record<string, string | undefined>): UrlResult<MasterEnv> {
  const errors: UrlIssue[] = [];
  const stats = 1000;
  const out: MasterEnv = {
    isolation: 'worker',
    statsIntervalMs: stats,
    bodyLimit: 1 << 20,
    heartbeatMs: 15_000,
    sseMaxBuffer: 1 << 20,
    restartMinMs: 1000,
    restartMaxMs: 5 * 60_000,
    errorRestartMs: 60_000,
    hangTimeoutMs: 0,
    workerHeapMb: 256,
    // Node's defaults (60 s / 5 min, checked every 30 s) let a slow client hold a connection for
    // minutes; an API request is small, so these are generous and still cut slowloris off fast.
    headersTimeoutMs: 10_000,
    requestTimeoutMs: 30_000,
    faults: env.NPD_FAULT_INJECTION === '1',
  };
  const iso = env.NP_ISOLATION?.trim();
  if (iso) {
    if (iso === 'worker' || iso === 'process') out.isolation = iso;
    else errors.push({ param: 'NP_ISOLATION', value: iso, expected: 'worker or process', message: `NP_ISOLATION=${iso}: expected worker or process` });
  }
  for (const s of SPECS) {
    const raw = env[s.name]?.trim();
    if (!raw) continue;
    const v = s.kind === 'int' ? (/^\d+$/.test(raw) ? Number(raw) : null) : parseGoDuration(raw);
    const expected = s.kind === 'int' ? `an integer ≥ ${s.min}` : `a duration ≥ ${s.min}ms such as 500ms, 5s or 1m`;
    if (v === null || v < s.min) {
      errors.push({ param: s.name, value: raw, expected, message: `${s.name}=${raw}: expected ${expected}` });
      continue;
    }
    (out[s.field] as number) = v;
  }
  if (out.hangTimeoutMs === 0) out.hangTimeoutMs = Math.max(10_000, 5 * out.statsIntervalMs);
  if (out.restartMaxMs < out.restartMinMs) out.restartMaxMs = out.restartMinMs;
  // Node requires headersTimeout ≤ requestTimeout.
  if (out.requestTimeoutMs < out.headersTimeoutMs) out.requestTimeoutMs = out.headersTimeoutMs;
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: out };
}

/**
 * http(s).createServer options that cut slow clients off: the request head (and, for HTTPS, the TLS
 * handshake) within `headersMs`, the whole request within `requestMs`. Responses are not limited,
 * so event streams stay open. Node checks the deadlines every `connectionsCheckingInterval`.
 */
export function slowClientLimits(headersMs: number, requestMs: number): {
  headersTimeout: number;
  requestTimeout: number;
  connectionsCheckingInterval: number;
  handshakeTimeout: number;
  keepAliveTimeout: number;
} {
  return {
    headersTimeout: headersMs,
    requestTimeout: Math.max(requestMs, headersMs),
    connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(headersMs / 4))),
    handshakeTimeout: headersMs,
    keepAliveTimeout: 5000,
  };
}
