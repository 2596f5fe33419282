// Protocol blocking on the first bytes of a user connection (spec §7.8). Unlike NodePass, waiting
// for those bytes stops after a short deadline, so protocols where the server speaks first (SSH,
// SMTP) still work through a tunnel with `block` set.

import type { Duplex } from 'node:stream';

export interface BlockSet {
  socks: boolean;
  http: boolean;
  tls: boolean;
}

/** The protocol the first bytes belong to, if it is blocked; null otherwise. */
function detectBlocked(b: Buffer, block: BlockSet): string | null {
  if (b.length < 1) return null;
  if (block.socks && b.length >= 2) {
    if (b[0] === 0x04 && (b[1] === 0x01 || b[1] === 0x02)) return 'SOCKS4';
    if (b[0] === 0x05 && b[1] >= 0x01 && b[1] <= 0x03) return 'SOCKS5';
  }
  if (block.http && b[0] >= 0x41 && b[0] <= 0x5a) {
    for (let i = 1; i < Math.min(b.length, 8); i++) {
      if (b[i] === 0x20) return i <= 7 ? 'HTTP' : null;
      if (b[i] < 0x41 || b[i] > 0x5a) break;
    }
  }
  if (block.tls && b[0] === 0x16) return 'TLS';
  return null;
}

const SNIFF_BYTES = 8;

/** Bytes already read from a stream before the relay took over, and whether it had ended. */
export interface Prefetched {
  head: Buffer | null;
  ended: boolean;
}

/**
 * Reads up to 8 bytes or until `deadlineMs`, whichever comes first. Resolves with the blocked
 * protocol's name (or null) and the bytes read, which the caller passes on to the relay. The
 * stream is left paused.
 */
export function sniffBlocked(
  stream: Duplex,
  block: BlockSet,
  deadlineMs: number,
): Promise<{ blocked: string | null } & Prefetched> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let have = 0;
    let ended = false;
    const done = () => {
      clearTimeout(timer);
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', done);
      stream.pause();
      const head = parts.length === 0 ? null : Buffer.concat(parts);
      resolve({ blocked: head ? detectBlocked(head, block) : null, head, ended });
    };
    const onData = (chunk: Buffer) => {
      parts.push(chunk);
      have += chunk.length;
      if (have >= SNIFF_BYTES) done();
    };
    const onEnd = () => {
      ended = true;
      done();
    };
    const timer = setTimeout(done, deadlineMs);
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('error', done);
    stream.resume();
  });
}

export function anyBlocked(b: BlockSet): boolean {
  return b.socks || b.http || b.tls;
}
