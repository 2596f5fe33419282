// Everything about who may call the API lives here: the API key (NodePass's `X-API-Key`, 32 hex
// digits), its regeneration, the master ID, and a constant-time comparison of secrets for anyone
// who checks a key, so the routes only ask `check()`.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export function newApiKey(): string {
  return randomBytes(16).toString('hex');
}

export function newMasterId(): string {
  return randomBytes(8).toString('hex');
}

export function newInstanceId(): string {
  return randomBytes(4).toString('hex');
}

export type AuthResult = { ok: true } | { ok: false; error: string };

// Both sides are MACed with a per-process random key before the constant-time comparison, so
// neither the content nor the length of the stored key shows in how long a wrong guess takes.
const COMPARE_KEY = randomBytes(32);

/** Constant-time string equality (independent of where they differ and of their lengths). */
export function sameSecret(a: string, b: string): boolean {
  const x = createHmac('sha256', COMPARE_KEY).update(a, 'utf8').digest();
  const y = createHmac('sha256', COMPARE_KEY).update(b, 'utf8').digest();
  return timingSafeEqual(x, y);
}

export class ApiKeyAuth {
  constructor(private current: string) {}

  get key(): string {
    return this.current;
  }

  /** Replaces the key; the caller persists it and closes live event streams. */
  regenerate(): string {
    this.current = newApiKey();
    return this.current;
  }

  /**
   * `X-API-Key: <key>` as NodePass; `Authorization: Bearer <key>` is accepted too, because that is
   * what Prometheus and most HTTP tooling can send.
   */
  check(headers: IncomingHttpHeaders): AuthResult {
    let given = headers['x-api-key'];
    if (Array.isArray(given)) given = given[0];
    if (!given) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
      if (m) given = m[1];
    }
    if (!given) return { ok: false, error: 'Unauthorized: API key required' };
    if (!sameSecret(given, this.current)) return { ok: false, error: 'Unauthorized: Invalid API key' };
    return { ok: true };
  }
}
