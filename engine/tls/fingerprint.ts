// Certificate fingerprint in NodePass's format (spec §4.6): `sha256:` + uppercase hex pairs joined by `:`.

import { createHash } from 'node:crypto';

export function certFingerprint(der: Buffer): string {
  const hex = createHash('sha256').update(der).digest('hex').toUpperCase();
  return 'sha256:' + hex.match(/../g)!.join(':');
}
