// Handshake bearer token (spec §4.1): HMAC-SHA256 keyed with the tunnel key over an empty message.

import { createHmac, timingSafeEqual } from 'node:crypto';

export function authToken(key: string): string {
  return createHmac('sha256', key).digest('hex');
}

/** Constant-time check of a presented token against the one the key gives. */
export function verifyAuthToken(key: string, presented: string): boolean {
  const want = Buffer.from(authToken(key), 'utf8');
  const got = Buffer.from(presented, 'utf8');
  // Compare equal lengths only, but always do the same amount of work.
  if (got.length !== want.length) {
    timingSafeEqual(want, want);
    return false;
  }
  return timingSafeEqual(want, got);
}
