// The TCP data path: two pumps with proper half-close (spec §7.1, done better).
//
// When one side finishes sending, its FIN travels on (dst.end()) and the other direction keeps
// flowing until it ends too; NodePass closes the target at that point and loses the reply. An
// error on one side ends the other gracefully (FIN after its queued bytes), never with a reset.
// `idleMs` closes a session when no byte has moved either way for that long. Without it, a session
// with one direction finished (FIN passed on) may still idle only `halfCloseMs`: a peer that hung
// after its FIN was forwarded (a target that accepted and never answers, a user that gave up)
// would otherwise hold the session, its pooled stream and its slot forever.

import type { Duplex } from 'node:stream';

export interface RelayCounters {
  /** Bytes read from side A (the user- or target-facing socket). */
  onARead(n: number): void;
  /** Bytes written to side A. */
  onAWrite(n: number): void;
}

export interface RelayOptions {
  idleMs: number;
  /** Idle limit once one direction has ended (0 = none); applies when idleMs is 0. */
  halfCloseMs?: number;
  counters?: RelayCounters;
  /** Bytes already read from `a` (block sniffing) and whether `a` had already ended. */
  aHead?: Buffer | null;
  aEnded?: boolean;
  /** Bytes already read from `b` (early data on a pooled stream) and whether it had ended. */
  bHead?: Buffer | null;
  bEnded?: boolean;
}

const noop = () => {};

/** How long a gracefully ended side may take to flush before it is destroyed. */
const LINGER_MS = 5000;

function errText(e: Error & { code?: string }): string {
  return e.code ? `${e.message}` : e.message;
}

/**
 * Relays between `a` and `b` until both directions end or either fails; resolves with `EOF` or
 * the first error's text. Both streams are destroyed when it resolves.
 */
export function relay(a: Duplex, b: Duplex, opts: RelayOptions): Promise<string> {
  return new Promise((resolve) => {
    let moved = 0;
    let aEnded = false; // a has sent FIN (a → b direction done)
    let bEnded = false;
    let firstError: string | null = null;
    let settled = false;
    let idleTimer: NodeJS.Timeout | null = null;
    const countARead = opts.counters ? opts.counters.onARead.bind(opts.counters) : noop;
    const countAWrite = opts.counters ? opts.counters.onAWrite.bind(opts.counters) : noop;

    const finish = (why: string | null) => {
      if (settled) return;
      settled = true;
      if (idleTimer) clearInterval(idleTimer);
      a.off('data', onAData);
      b.off('data', onBData);
      a.destroy();
      b.destroy();
      resolve(firstError ?? why ?? 'EOF');
    };

    // Once both directions have delivered their FIN, the session is over when both writes flush.
    let aFinished = false; // our writes to a are flushed (after end())
    let bFinished = false;
    const maybeDone = () => {
      if (aEnded && bEnded && aFinished && bFinished) finish(null);
    };

    const fail = (side: Duplex, other: Duplex, e: Error) => {
      if (settled) return;
      if (firstError === null) firstError = errText(e);
      side.destroy();
      // Let the healthy side flush what it was given, then close it with a FIN.
      other.off('data', other === a ? onAData : onBData);
      if (!other.writableEnded) other.end();
      const t = setTimeout(() => finish(null), LINGER_MS);
      t.unref();
      other.once('finish', () => finish(null));
      other.once('close', () => finish(null));
      if (other.writableFinished || other.destroyed) finish(null);
    };

    const onAData = (chunk: Buffer) => {
      moved += chunk.length;
      countARead(chunk.length);
      if (!b.write(chunk)) a.pause();
    };
    const onBData = (chunk: Buffer) => {
      moved += chunk.length;
      countAWrite(chunk.length);
      if (!a.write(chunk)) b.pause();
    };

    a.on('data', onAData);
    b.on('data', onBData);
    a.on('drain', () => b.resume());
    b.on('drain', () => a.resume());
    a.on('end', () => {
      aEnded = true;
      b.end();
      maybeDone();
    });
    b.on('end', () => {
      bEnded = true;
      a.end();
      maybeDone();
    });
    a.on('finish', () => {
      aFinished = true;
      maybeDone();
    });
    b.on('finish', () => {
      bFinished = true;
      maybeDone();
    });
    a.on('error', (e) => fail(a, b, e));
    b.on('error', (e) => fail(b, a, e));
    // A stream that closes without an end or an error (destroyed by its owner) ends the session.
    a.on('close', () => {
      if (!aEnded) fail(a, b, new Error('connection closed'));
      else if (!aFinished) finish(null);
    });
    b.on('close', () => {
      if (!bEnded) fail(b, a, new Error('connection closed'));
      else if (!bFinished) finish(null);
    });

    const halfMs = opts.idleMs > 0 ? 0 : (opts.halfCloseMs ?? 0);
    const limit = opts.idleMs > 0 ? opts.idleMs : halfMs;
    if (limit > 0) {
      let last = -1;
      let idleSince = Date.now();
      idleTimer = setInterval(
        () => {
          // The half-close limit only runs once exactly one direction is done.
          const counting = opts.idleMs > 0 || aEnded !== bEnded;
          if (moved !== last || !counting) {
            last = moved;
            idleSince = Date.now();
          } else if (Date.now() - idleSince >= limit) {
            firstError ??= opts.idleMs > 0 ? `read timeout after ${opts.idleMs}ms idle` : `half-closed session idle for ${halfMs}ms`;
            finish(null);
          }
        },
        Math.max(50, Math.min(1000, Math.floor(limit / 4))),
      );
      idleTimer.unref();
    }

    if (opts.aHead && opts.aHead.length > 0) onAData(opts.aHead);
    if (opts.bHead && opts.bHead.length > 0) onBData(opts.bHead);
    // A paused stream still emits a pending 'end' (Node schedules it on EOF); if that happened
    // before our listener was attached, readableEnded is the only trace of it.
    if (opts.aEnded || a.readableEnded) {
      aEnded = true;
      b.end();
    } else a.resume();
    if (opts.bEnded || b.readableEnded) {
      bEnded = true;
      a.end();
    } else b.resume();
    maybeDone();
  });
}
