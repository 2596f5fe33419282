// NP_* environment variables (spec §2.5). Like URL parameters, a set-but-invalid value is a
// startup error naming the variable, not a silent fallback.

import { parseGoDuration } from './duration';
import type { UrlIssue, UrlResult } from './model';

export interface EnvConfig {
  semaphoreLimit: number;
  tcpDataBufSize: number;
  udpDataBufSize: number;
  handshakeTimeoutMs: number;
  tcpDialTimeoutMs: number;
  udpDialTimeoutMs: number;
  udpReadTimeoutMs: number;
  poolGetTimeoutMs: number;
  minPoolIntervalMs: number;
  maxPoolIntervalMs: number;
  reportIntervalMs: number;
  serviceCooldownMs: number;
  shutdownTimeoutMs: number;
  reloadIntervalMs: number;
  /** Extension: idle limit of a TCP session after one side has sent its FIN (0 = wait forever). */
  halfCloseTimeoutMs: number;
}

interface EnvSpec {
  name: string;
  field: keyof EnvConfig;
  kind: 'int' | 'duration';
  def: number;
  /** Smallest sensible value; NodePass accepts 0 for most, which would break the engine. */
  min: number;
}

export const ENV_SPECS: readonly EnvSpec[] = [
  { name: 'NP_SEMAPHORE_LIMIT', field: 'semaphoreLimit', kind: 'int', def: 65536, min: 1 },
  { name: 'NP_TCP_DATA_BUF_SIZE', field: 'tcpDataBufSize', kind: 'int', def: 16384, min: 1 },
  { name: 'NP_UDP_DATA_BUF_SIZE', field: 'udpDataBufSize', kind: 'int', def: 16384, min: 1 },
  { name: 'NP_HANDSHAKE_TIMEOUT', field: 'handshakeTimeoutMs', kind: 'duration', def: 5000, min: 1 },
  { name: 'NP_TCP_DIAL_TIMEOUT', field: 'tcpDialTimeoutMs', kind: 'duration', def: 5000, min: 1 },
  { name: 'NP_UDP_DIAL_TIMEOUT', field: 'udpDialTimeoutMs', kind: 'duration', def: 5000, min: 1 },
  { name: 'NP_UDP_READ_TIMEOUT', field: 'udpReadTimeoutMs', kind: 'duration', def: 30000, min: 1 },
  { name: 'NP_POOL_GET_TIMEOUT', field: 'poolGetTimeoutMs', kind: 'duration', def: 5000, min: 1 },
  { name: 'NP_MIN_POOL_INTERVAL', field: 'minPoolIntervalMs', kind: 'duration', def: 100, min: 1 },
  { name: 'NP_MAX_POOL_INTERVAL', field: 'maxPoolIntervalMs', kind: 'duration', def: 1000, min: 1 },
  { name: 'NP_REPORT_INTERVAL', field: 'reportIntervalMs', kind: 'duration', def: 5000, min: 1 },
  { name: 'NP_SERVICE_COOLDOWN', field: 'serviceCooldownMs', kind: 'duration', def: 3000, min: 0 },
  { name: 'NP_SHUTDOWN_TIMEOUT', field: 'shutdownTimeoutMs', kind: 'duration', def: 5000, min: 1 },
  { name: 'NP_RELOAD_INTERVAL', field: 'reloadIntervalMs', kind: 'duration', def: 3_600_000, min: 1 },
  // Not NodePass (which closes the target on the user's FIN and so loses late replies): we keep
  // half-close, bounded like the kernel's FIN_WAIT_2 timeout.
  { name: 'NPD_HALF_CLOSE_TIMEOUT', field: 'halfCloseTimeoutMs', kind: 'duration', def: 60_000, min: 0 },
];

export const DEFAULT_ENV: EnvConfig = Object.fromEntries(ENV_SPECS.map((s) => [s.field, s.def])) as unknown as EnvConfig;

export function parseEnv(env: Record<string, string | undefined>): UrlResult<EnvConfig> {
  const out = { ...DEFAULT_ENV };
  const errors: UrlIssue[] = [];
  for (const spec of ENV_SPECS) {
    const raw = env[spec.name];
    if (raw === undefined || raw.trim() === '') continue;
    const value =
      spec.kind === 'int' ? (/^\d+$/.test(raw.trim()) ? Number(raw.trim()) : null) : parseGoDuration(raw);
    const expected =
      spec.kind === 'int'
        ? `an integer ≥ ${spec.min}`
        : spec.min > 0
          ? 'a positive duration such as 500ms, 5s or 1m'
          : 'a duration such as 0s, 500ms or 3s';
    if (value === null || !Number.isFinite(value) || value < spec.min) {
      errors.push({ param: spec.name, value: raw, expected, message: `${spec.name}=${raw}: expected ${expected}` });
      continue;
    }
    out[spec.field] = value;
  }
  if (out.minPoolIntervalMs > out.maxPoolIntervalMs) {
    // NodePass swaps reversed bounds; do the same rather than refusing to start.
    [out.minPoolIntervalMs, out.maxPoolIntervalMs] = [out.maxPoolIntervalMs, out.minPoolIntervalMs];
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: out };
}
