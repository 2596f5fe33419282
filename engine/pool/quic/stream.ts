// A QUIC stream as a Node Duplex, fed by its connection (connection.ts).

import { Duplex } from 'node:stream';
import type { QuicConnection } from './connection';
import { Shutdown } from './native';

const EMPTY = new Uint8Array(0);
const STREAM_HWM = 256 * 1024;
/** How long a stream holds its last written byte waiting for end() (see QuicStream.tail). */
const TAIL_HOLD_OPEN_MS = 2;
const TAIL_HOLD_MS = 50;

// Stream reads are carved out of a large slab, each byte used once, so nothing is overwritten
// while a pushed chunk still refers to it. Allocated on first use.
const READ_SLAB = 1024 * 1024;
let readSlab: Buffer = Buffer.alloc(0);
let readOff = 0;
/** Reads smaller than this are copied out, so a tiny long-lived chunk never pins a whole slab. */
const COPY_BELOW = 4096;

function readView(want: number): Buffer {
  if (readSlab.length - readOff < want) {
    readSlab = Buffer.allocUnsafeSlow(READ_SLAB);
    readOff = 0;
  }
  return readSlab.subarray(readOff, readOff + want);
}

function takeRead(view: Buffer, len: number): Buffer {
  if (len < COPY_BELOW) return Buffer.from(view.subarray(0, len));
  readOff += len;
  return view.subarray(0, len);
}

function streamError(e: Error, dir: 'read' | 'write'): Error {
  const reset = /StreamReset\((\d+)\)/.exec(e.message);
  if (reset) return new Error(`QUIC stream reset by peer (code ${reset[1]})`);
  const stopped = /StreamStopped\((\d+)\)/.exec(e.message);
  if (stopped) return new Error(`QUIC stream stopped by peer (code ${stopped[1]})`);
  return new Error(`QUIC stream ${dir}: ${e.message}`);
}

/**
 * A QUIC stream as a Duplex with half-close: end() sends FIN (quic-go's Close), the peer's FIN
 * ends the readable side; destroy() sends FIN too when nothing written is lost (else
 * RESET_STREAM) and STOP_SENDING when the peer has not finished.
 */
export class QuicStream extends Duplex {
  /**
   * The last byte written is held back for a moment so that an end() soon after travels with
   * data: our FIN then never goes alone. quiche (this version and current) counts a stream
   * complete once its data is acknowledged, even when the FIN went alone in a zero-length frame
   * still in flight; the stream is then collected and a lost FIN is never resent, leaving the
   * peer waiting forever. The held byte leaves with the next write, with end(), or after
   * TAIL_HOLD_OPEN_MS (TAIL_HOLD_MS once the peer has finished sending).
   */
  private tail: Buffer | null = null;
  private tailTimer: NodeJS.Timeout | null = null;
  private pending: Buffer | null = null;
  private pendingCb: ((e?: Error | null) => void) | null = null;
  private finCb: ((e?: Error | null) => void) | null = null;
  private finSent = false;
  private readEnded = false;
  private paused = false;

  constructor(
    readonly qc: QuicConnection,
    readonly id: number,
  ) {
    super({ allowHalfOpen: true, readableHighWaterMark: STREAM_HWM, writableHighWaterMark: STREAM_HWM });
  }

  /** Moves whatever quiche holds for this stream into the readable side, until it is full. */
  pull(): void {
    if (this.paused || this.readEnded || this.destroyed) return;
    const conn = this.qc.conn;
    for (;;) {
      const view = readView(this.qc.tuning.readView);
      let r;
      try {
        r = conn.streamRecv(this.id, view);
      } catch (e) {
        this.readEnded = true;
        this.destroy(streamError(e as Error, 'read'));
        return;
      }
      if (r === null) return;
      const [len, fin] = r;
      if (len === 0 && !fin) return;
      const more = len > 0 ? this.push(takeRead(view, len)) : true;
      if (fin) {
        this.readEnded = true;
        this.push(null);
        return;
      }
      if (!more) {
        this.paused = true;
        return;
      }
    }
  }

  override _read(): void {
    if (!this.paused) return;
    this.paused = false;
    // Reading freed flow-control credit: the next run also sends the window update.
    this.qc.wantPull(this);
  }

  /** Bytes quiche took (-1 after an error, which has already destroyed the stream). */
  private sendSome(buf: Uint8Array, fin = false): number {
    try {
      return this.qc.conn.streamSend(this.id, buf, fin) ?? 0;
    } catch (e) {
      this.destroy(streamError(e as Error, 'write'));
      return -1;
    }
  }

  /** Bytes to send before anything written later (the opener, when quiche had no capacity). */
  queue(b: Buffer): void {
    this.pending = this.pending ? Buffer.concat([this.pending, b]) : b;
    this.qc.blocked.add(this);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    if (this.tail) {
      // The held byte goes first (no copy: quiche appends it to the stream's send buffer).
      const t = this.tail;
      this.tail = null;
      const n = this.pending ? 0 : this.sendSome(t);
      if (n < 0) return;
      if (n < 1) this.queue(t);
    }
    if (this.pending) {
      this.pending = Buffer.concat([this.pending, chunk]);
      this.pendingCb = cb;
      return;
    }
    let data = chunk;
    if (data.length > 0) {
      // A copy: the writer may reuse its buffer once we call back, and we call back before this
      // byte leaves.
      this.tail = Buffer.from(data.subarray(data.length - 1));
      data = data.subarray(0, data.length - 1);
      this.armTail();
    }
    const n = data.length > 0 ? this.sendSome(data) : 0;
    if (n < 0) return;
    this.qc.schedule();
    if (n === data.length) {
      cb();
      return;
    }
    this.pending = n > 0 ? data.subarray(n) : data;
    this.pendingCb = cb;
    this.qc.blocked.add(this);
  }

  private armTail(): void {
    if (this.tailTimer) return; // already armed for an earlier byte: release is due sooner
    // Briefly while the peer may still send (interactive traffic must not wait), longer once it
    // has finished (what remains is a reply followed by our end()).
    this.tailTimer = setTimeout(this.releaseTail, this.readEnded ? TAIL_HOLD_MS : TAIL_HOLD_OPEN_MS);
    this.tailTimer.unref();
  }

  /** No end() followed in time: the held byte goes on its own after all. */
  private readonly releaseTail = (): void => {
    this.tailTimer = null;
    if (!this.tail || this.finSent || this.destroyed) return;
    const t = this.tail;
    this.tail = null;
    const n = this.pending ? 0 : this.sendSome(t);
    if (n < 0) return;
    if (n < 1) this.queue(t);
    this.qc.schedule();
  };

  override _final(cb: (e?: Error | null) => void): void {
    this.finCb = cb;
    if (this.pending) return; // FIN follows the data still waiting for capacity
    this.trySendFin();
  }

  private trySendFin(): void {
    if (this.finSent || !this.finCb) return;
    const tail = this.tail ?? EMPTY;
    let r: number | null;
    try {
      r = this.qc.conn.streamSend(this.id, tail, true);
    } catch (e) {
      this.destroy(streamError(e as Error, 'write'));
      return;
    }
    if (r === null || r < tail.length) {
      // No send capacity right now (quiche's Done, or part of the tail): wait with the writers.
      if (r && this.tail) this.tail = this.tail.subarray(r);
      this.qc.blocked.add(this);
      this.qc.schedule();
      return;
    }
    this.tail = null;
    if (this.tailTimer) clearTimeout(this.tailTimer);
    this.tailTimer = null;
    this.finSent = true;
    this.qc.blocked.delete(this);
    this.qc.schedule();
    const cb = this.finCb;
    this.finCb = null;
    cb();
  }

  /** Called by the connection when capacity may have been freed. */
  retryWrite(): void {
    if (this.destroyed) {
      this.qc.blocked.delete(this);
      return;
    }
    if (this.pending) {
      const n = this.sendSome(this.pending);
      if (n < 0) return;
      if (n < this.pending.length) {
        if (n > 0) this.pending = this.pending.subarray(n);
        return;
      }
      this.pending = null;
      const cb = this.pendingCb;
      this.pendingCb = null;
      this.qc.blocked.delete(this);
      cb?.();
    }
    if (!this.pending && this.finCb) this.trySendFin();
    if (!this.pending && !this.finCb) this.qc.blocked.delete(this);
  }

  override _destroy(err: Error | null, cb: (e?: Error | null) => void): void {
    const qc = this.qc;
    qc.streams.delete(this.id);
    qc.blocked.delete(this);
    if (!qc.closed) {
      try {
        if (!this.readEnded) qc.conn.streamShutdown(this.id, Shutdown.Read, 0);
      } catch {
        /* stream already complete */
      }
      if (!this.finSent) {
        // Closing with nothing left unsent is a FIN, as quic-go's Close and as TCP's close are; only
        // an error or bytes that would be lost reset the stream, so the peer never takes a
        // truncated stream for a complete one.
        const clean = !err && !this.pending && this.writableLength === 0;
        const tail = this.tail ?? EMPTY;
        try {
          const r = clean ? qc.conn.streamSend(this.id, tail, true) : null;
          if (r === null || r < tail.length) qc.conn.streamShutdown(this.id, Shutdown.Write, 0);
        } catch {
          /* stream already complete or reset */
        }
      }
      qc.schedule();
    }
    if (this.tailTimer) clearTimeout(this.tailTimer);
    this.tailTimer = null;
    this.tail = null;
    this.pending = null;
    this.pendingCb = null;
    this.finCb = null;
    cb(err);
  }
}
