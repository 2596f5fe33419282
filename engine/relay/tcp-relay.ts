// The TCP data path: two pumps with proper half-close (spec §7.1, done better), built for speed.
//
// Semantics. When one side finishes sending, its FIN travels on (dst.end()) and the other
// direction keeps flowing until it ends too; NodePass closes the target at that point and loses
// the reply. An error on one side ends the other gracefully (FIN after its queued bytes), never
// with a reset. `idleMs` closes a session when no byte has moved either way for that long.
// Without it, a session with one direction finished (FIN passed on) may still idle only
// `halfCloseMs`: a peer that hung after its FIN was forwarded (a target that accepted and never
// answers, a user that gave up) would otherwise hold the session, its pooled stream and its slot
// forever.
//
// Speed. What a profile of a loopback transfer shows is the kernel's copy in write(2) and
// read(2); the JavaScript around it must stay out of the way. So, per direction (a Pump):
//  - no allocation, copy or closure per chunk: listeners are created once per relay, counters
//    are plain additions (the caller's RelayCounters is called once per chunk, nothing else);
//  - big reads into reused memory: a socket we dialled can be created with `fastReadOptions()`
//    (net's `onread`), and once a transfer turns out to be bulk its pump reads straight into
//    a 256 KiB buffer of its own. When the write of those bytes finishes at once (a plain
//    socket, usually) the next read goes into the same buffer; when the write stays queued
//    (TLS finishes a turn later) the buffer is lent to it and comes back when the write calls
//    back, so a few buffers take turns and nothing is allocated per read. Sockets we accepted
//    cannot take `onread` (net.Server has no such option), nor can TLS sockets; they use
//    ordinary 'data' events;
//  - coalesced writes: a burst of large chunks delivered in one turn of the event loop (TLS
//    hands out 16 KiB records one by one; libuv reads several 64 KiB chunks per wake-up) goes
//    to the kernel as one writev at the end of the turn instead of a syscall per chunk. Small
//    chunks (interactive traffic) are written at once, so latency is unchanged;
//  - backpressure: when the destination's buffer is over its high-water mark the source stops
//    reading (readStop for onread sockets, pause() otherwise) until 'drain';
//  - no logging, JSON or timers per chunk: the idle check is one interval per relay that
//    compares a byte count.


import type net from 'node:net';
import { Duplex } from 'node:stream';

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

/** How long a gracefully ended side may take to flush before it is destroyed. */
const LINGER_MS = 5000;

/** Size of a pump's own read buffer (onread sockets). Bigger reads mean fewer syscalls. */
const OWN_BUFFER = 256 * 1024;

/** Chunks at least this big are coalesced with the rest of their burst; smaller ones go at once. */
const COALESCE_MIN = 16 * 1024;

// ---- onread sockets ------------------------------------------------------------------------
//
// Node calls an onread socket's callback with the buffer the bytes were read into, then asks
// the buffer generator (a plain function, without `this`) for the buffer of the next read on
// the same socket, synchronously. The callback leaves its choice in `handoff` for it.
//
// Until a relay takes the socket over (while the pool reads its ID, or it sits idle), reads land
// in one buffer shared by all such sockets and are copied out and pushed into the stream, so
// the socket behaves exactly like any other. The shared buffer is never lent to a write, which
// is what makes sharing it safe.

const SHARED = Buffer.allocUnsafe(64 * 1024);
let handoff: Buffer | null = null;
const PUMP = Symbol('relay.pump');

interface FastSocket extends net.Socket {
  [PUMP]?: Pump | null;
}

function nextBuffer(): Buffer {
  const b = handoff ?? SHARED;
  handoff = null;
  return b;
}

function onFastRead(this: FastSocket, n: number, buf: Uint8Array): boolean {
  const pump = this[PUMP];
  if (pump) return pump.fastRead(n, buf as Buffer);
  handoff = SHARED;
  return this.push(Buffer.from(buf.subarray(0, n)));
}

/** `onread` options for a socket we dial (net.connect), so a relay can read it the fast way. */
export function fastReadOptions(): net.OnReadOpts {
  return { buffer: nextBuffer, callback: onFastRead as unknown as net.OnReadOpts['callback'] };
}

function isFast(s: Duplex): s is FastSocket {
  return PUMP in s;
}

/** Marks a socket created with `fastReadOptions()` (dial.ts does it right after net.connect). */
export function markFast(s: net.Socket): void {
  (s as FastSocket)[PUMP] = null;
  s.pause = pauseLikeAnyOther;
}

// Node stops reading an onread socket outright when it is paused, where an ordinary paused socket
// goes on reading into its buffer up to the high-water mark. Keep the ordinary behaviour: the
// pool pauses a stream when it hands it over, and the user's first bytes should already be read
// when the relay starts, not wait for another turn of the event loop. (Backpressure still stops
// reading: a push over the high-water mark, or a pump's write that returns false, does that.)
function pauseLikeAnyOther(this: net.Socket): net.Socket {
  Duplex.prototype.pause.call(this);
  return this;
}

// ---- one direction ---------------------------------------------------------------------------

class Pump {
  private corked = false;
  private readonly fast: boolean;

  constructor(
    private readonly src: Duplex,
    private readonly dst: Duplex,
    private readonly count: (n: number) => void,
    private readonly moved: { bytes: number },
  ) {
    this.fast = isFast(src);
  }

  start(): void {
    // Also takes what is still buffered in the stream (bytes unshifted while reading the ID),
    // which comes out before any new read.
    this.src.on('data', this.onData);
    this.dst.on('drain', this.onDrain);
    if (this.fast) (this.src as FastSocket)[PUMP] = this;
  }

  stop(): void {
    this.src.off('data', this.onData);
    this.dst.off('drain', this.onDrain);
    if (this.fast) (this.src as FastSocket)[PUMP] = null;
  }

  /** A chunk from the stream ('data' event, or a head passed in by the caller). */
  readonly onData = (chunk: Buffer): void => {
    const n = chunk.length;
    this.moved.bytes += n;
    this.count(n);
    if (n >= COALESCE_MIN && !this.corked) {
      this.corked = true;
      this.dst.cork();
      setImmediate(this.flush);
    }
    if (!this.dst.write(chunk) && !this.corked) this.src.pause();
  };

  /** End of the event-loop turn: the coalesced burst goes out as one writev. */
  private readonly flush = (): void => {
    this.corked = false;
    this.dst.uncork();
    if (this.dst.writableNeedDrain) this.src.pause();
  };

  private readonly onDrain = (): void => {
    this.src.resume();
  };

  /** A read on an onread source; returning false stops reading until 'drain'. */
  fastRead(n: number, buf: Buffer): boolean {
    this.moved.bytes += n;
    this.count(n);
    let ok: boolean;
    if (buf === SHARED) {
      // The shared buffer is never lent out: copy. A read that filled it means a bulk transfer,
      // so the next reads go to buffers of our own.
      ok = this.dst.write(Buffer.from(buf.subarray(0, n)));
      if (n === SHARED.length) this.bulk = true;
    } else {
      ok = this.dst.write(buf.subarray(0, n), this.written);
      if (this.dst.writableLength === 0) {
        // Already in the kernel (the usual case for a plain socket): read into it again.
        this.lent.push(null);
        handoff = buf;
        return ok;
      }
      // The destination owns these bytes until it calls back; then the buffer is ours again.
      this.lent.push(buf);
    }
    handoff = this.bulk ? (this.spare.pop() ?? Buffer.allocUnsafe(OWN_BUFFER)) : SHARED;
    return ok;
  }

  /** Per write in flight, oldest first (writes call back in order): its buffer, if lent. */
  private readonly lent: Array<Buffer | null> = [];
  /** Buffers whose writes are done, ready for the next reads. */
  private readonly spare: Buffer[] = [];
  private bulk = false;

  private readonly written = (): void => {
    const b = this.lent.shift();
    if (b && this.spare.length < 2) this.spare.push(b);
  };
}

function errText(e: Error & { code?: string }): string {
  return e.message;
}

/**
 * Relays between `a` and `b` until both directions end or either fails; resolves with `EOF` or
 * the first error's text. Both streams are destroyed when it resolves.
 */
export function relay(a: Duplex, b: Duplex, opts: RelayOptions): Promise<string> {
  return new Promise((resolve) => {
    const moved = { bytes: 0 };
    const counters = opts.counters;
    const ab = new Pump(a, b, counters ? (n) => counters.onARead(n) : () => {}, moved);
    const ba = new Pump(b, a, counters ? (n) => counters.onAWrite(n) : () => {}, moved);
    let aEnded = false; // a has sent FIN (a → b direction done)
    let bEnded = false;
    let firstError: string | null = null;
    let settled = false;
    let idleTimer: NodeJS.Timeout | null = null;

    const finish = (why: string | null) => {
      if (settled) return;
      settled = true;
      if (idleTimer) clearInterval(idleTimer);
      ab.stop();
      ba.stop();
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
      (other === a ? ab : ba).stop();
      if (!other.writableEnded) other.end();
      const t = setTimeout(() => finish(null), LINGER_MS);
      t.unref();
      other.once('finish', () => finish(null));
      other.once('close', () => finish(null));
      if (other.writableFinished || other.destroyed) finish(null);
    };

    ab.start();
    ba.start();
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
          if (moved.bytes !== last || !counting) {
            last = moved.bytes;
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

    if (opts.aHead && opts.aHead.length > 0) ab.onData(opts.aHead);
    if (opts.bHead && opts.bHead.length > 0) ba.onData(opts.bHead);
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
