// The connection pool of spec §5.1, one implementation for every transport.
//
// Both sides keep idle pooled streams under the 8-hex ID the server assigned. The ingress side
// takes the oldest idle stream (incomingGet) and names it in a signal; the egress side takes the
// stream with that ID (outgoingGet). Unlike NodePass, waiting is event-driven (no 50 ms polling),
// idle streams that die are dropped at once, and the client refills on demand when a stream is
// taken instead of waiting for the next tick, so a burst of connections never stalls on the pool.

import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { ClientTransport, PooledStream } from './transport';

export const CONTROL_ID = '00000000';

/** Early bytes kept per idle stream before it is paused (the kernel buffers the rest). */
const IDLE_BUFFER_LIMIT = 256 * 1024;

export class PoolConn {
  private early: Buffer[] = [];
  private earlyBytes = 0;
  private ended = false;
  private watching = false;
  private onEnd = () => {
    this.ended = true;
    this.dropped?.(this);
  };
  private onData = (chunk: Buffer) => {
    this.early.push(chunk);
    this.earlyBytes += chunk.length;
    if (this.earlyBytes >= IDLE_BUFFER_LIMIT) this.stream.pause();
    this.idleDataHook?.(this);
  };
  private onGone = () => this.dropped?.(this);
  /** Called by the pool when an idle stream ends, errors or closes. */
  dropped: ((c: PoolConn) => void) | null = null;
  /** Lets the server look at bytes that arrive on a stream nobody has claimed yet. */
  idleDataHook: ((c: PoolConn) => void) | null = null;

  constructor(
    readonly id: string,
    readonly stream: Duplex,
    readonly remoteIp: string,
    readonly remoteAddr: string,
    readonly peerCert?: Buffer,
  ) {}

  get earlyData(): Buffer {
    return this.early.length === 1 ? this.early[0] : Buffer.concat(this.early);
  }

  get hasEarlyData(): boolean {
    return this.earlyBytes > 0;
  }

  /** Starts watching an idle stream: keep early bytes, notice when it dies. */
  watch(): void {
    if (this.watching) return;
    this.watching = true;
    this.stream.on('data', this.onData);
    this.stream.on('end', this.onEnd);
    this.stream.on('close', this.onGone);
    this.stream.on('error', this.onGone);
    this.stream.resume();
  }

  /**
   * Hands the stream over, paused. Bytes that arrived while it sat idle (and whether it ended)
   * come along for the relay to deliver first.
   */
  claim(): { stream: Duplex; head: Buffer | null; chunks: Buffer[]; ended: boolean } {
    if (this.watching) {
      this.watching = false;
      this.stream.off('data', this.onData);
      this.stream.off('end', this.onEnd);
      this.stream.off('close', this.onGone);
      this.stream.off('error', this.onGone);
      this.stream.pause();
    }
    const head = this.earlyBytes > 0 ? this.earlyData : null;
    // The chunks as they were read: at TLS each is one record, which is one datagram to a Go peer.
    const chunks = this.early;
    this.early = [];
    this.earlyBytes = 0;
    // Errors after the hand-over are the new owner's; until it attaches a listener, swallow them.
    if (this.stream.listenerCount('error') === 0) this.stream.on('error', () => {});
    return { stream: this.stream, head, chunks, ended: this.ended || this.stream.readableEnded };
  }

  /** Tears the stream down at once (shutdown, refusals, a pool flush). */
  close(): void {
    this.stream.destroy();
  }

  /**
   * Closes a stream the peer may still be reading from (a `verify` probe, a stream returned
   * unused): whatever was written still arrives, then FIN (TLS: close_notify), and bytes the peer
   * sends meanwhile are read and dropped, so the kernel never answers with a reset that would
   * discard data the peer has not read yet. Destroyed when the peer closes, or after `graceMs`.
   */
  release(graceMs = GRACEFUL_CLOSE_MS): void {
    closeGracefully(this.stream, graceMs);
  }
}

/** How long a gracefully closed stream waits for the peer's own close. */
export const GRACEFUL_CLOSE_MS = 10_000;

/** See PoolConn.release. */
export function closeGracefully(stream: Duplex, graceMs = GRACEFUL_CLOSE_MS): void {
  if (stream.destroyed) return;
  const timer = setTimeout(() => stream.destroy(), graceMs);
  timer.unref?.();
  const done = () => {
    clearTimeout(timer);
    stream.destroy();
  };
  stream.once('end', done);
  stream.once('close', () => clearTimeout(timer));
  stream.on('error', done);
  stream.on('data', () => {});
  stream.resume();
  stream.end();
}

type Waiter = { resolve: (c: PoolConn | null) => void; timer: NodeJS.Timeout };

export class PoolTimeoutError extends Error {}


abstract class BasePool {
  /** Insertion-ordered: iteration order is the FIFO of idle IDs. */
  protected readonly idle = new Map<string, PoolConn>();
  private readonly incomingWaiters: Waiter[] = [];
  private readonly outgoingWaiters = new Map<string, Waiter>();
  private errorCount = 0;
  protected closed = false;
  /** Notified whenever the idle count changes (stats). */
  onChange: (() => void) | null = null;
  /** Sees bytes arriving on idle streams (the server uses it to spot a new handshake). */
  idleDataHook: ((c: PoolConn) => void) | null = null;

  /** Idle pooled streams: the POOL figure of CHECK_POINT. */
  active(): number {
    return this.idle.size;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  errors(): number {
    return this.errorCount;
  }
  addError(): void {
    this.errorCount++;
  }
  resetErrors(): void {
    this.errorCount = 0;
  }

  /** Files a stream that has its ID; a waiter for that ID (or any) gets it first. */
  protected file(conn: PoolConn): void {
    if (this.closed) {
      conn.close();
      return;
    }
    const byId = this.outgoingWaiters.get(conn.id);
    if (byId) {
      this.outgoingWaiters.delete(conn.id);
      clearTimeout(byId.timer);
      byId.resolve(conn);
      return;
    }
    if (this.incomingWaiters.length > 0) {
      const w = this.incomingWaiters.shift()!;
      clearTimeout(w.timer);
      w.resolve(conn);
      this.taken();
      return;
    }
    conn.dropped = (c) => this.drop(c);
    conn.idleDataHook = this.idleDataHook;
    this.idle.set(conn.id, conn);
    conn.watch();
    this.onChange?.();
  }

  private drop(conn: PoolConn): void {
    // A stream that received bytes before it ended still carries a session: keep it for its claimer.
    if (conn.hasEarlyData && !conn.stream.destroyed) return;
    if (this.idle.get(conn.id) === conn) {
      this.idle.delete(conn.id);
      conn.close();
      this.onChange?.();
      this.taken();
    }
  }

  /** Removes an idle stream by ID without waiting (null when it is not idle). */
  takeIdle(id: string): PoolConn | null {
    const c = this.idle.get(id);
    if (!c) return null;
    this.idle.delete(id);
    this.onChange?.();
    this.taken();
    return c;
  }

  /** Hook for the client pool: a stream left the idle store. */
  protected taken(): void {}

  /** Takes the oldest idle stream, waiting up to `timeoutMs` for one. */
  incomingGet(timeoutMs: number): Promise<PoolConn> {
    for (const [id, conn] of this.idle) {
      this.idle.delete(id);
      this.onChange?.();
      this.taken();
      return Promise.resolve(conn);
    }
    if (this.closed) return Promise.reject(new PoolTimeoutError('IncomingGet: pool closed'));
    this.wantMore();
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        resolve: (c) => (c ? resolve(c) : reject(new PoolTimeoutError('IncomingGet: pool closed'))),
        timer: setTimeout(() => {
          const i = this.incomingWaiters.indexOf(w);
          if (i >= 0) this.incomingWaiters.splice(i, 1);
          reject(new PoolTimeoutError(`IncomingGet: insufficient connections after ${timeoutMs}ms`));
        }, timeoutMs),
      };
      this.incomingWaiters.push(w);
    });
  }

  /** Takes the stream with this ID, waiting up to `timeoutMs` for it to arrive. */
  outgoingGet(id: string, timeoutMs: number): Promise<PoolConn> {
    const conn = this.idle.get(id);
    if (conn) {
      this.idle.delete(id);
      this.onChange?.();
      this.taken();
      // The peer used our last idle stream: a burst is on, grow so the next ones are waiting.
      if (this.idle.size === 0) this.wantMore();
      return Promise.resolve(conn);
    }
    if (this.closed) return Promise.reject(new PoolTimeoutError(`OutgoingGet: pool closed`));
    // The peer is ahead of us (it named a stream we have not filed yet): grow as well.
    this.wantMore();
    const previous = this.outgoingWaiters.get(id);
    if (previous) {
      clearTimeout(previous.timer);
      previous.resolve(null);
    }
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        resolve: (c) => (c ? resolve(c) : reject(new PoolTimeoutError(`OutgoingGet: ${id} superseded`))),
        timer: setTimeout(() => {
          if (this.outgoingWaiters.get(id) === w) this.outgoingWaiters.delete(id);
          reject(new PoolTimeoutError(`OutgoingGet: connection ${id} not found after ${timeoutMs}ms`));
        }, timeoutMs),
      };
      this.outgoingWaiters.set(id, w);
    });
  }

  /** Hook: an incomingGet found the pool empty. */
  protected wantMore(): void {}

  /** Closes every idle stream (the `flush` signal). */
  flush(): void {
    const conns = [...this.idle.values()];
    this.idle.clear();
    for (const c of conns) c.close();
    if (conns.length > 0) this.onChange?.();
    this.taken();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.flush();
    for (const w of this.incomingWaiters.splice(0)) {
      clearTimeout(w.timer);
      w.resolve(null);
    }
    for (const w of this.outgoingWaiters.values()) {
      clearTimeout(w.timer);
      w.resolve(null);
    }
    this.outgoingWaiters.clear();
  }
}

export interface ServerPoolOptions {
  max: number;
  /** Only streams from this IP are accepted ('' = any; spec §5: types 0/1/3 pin, WS does not). */
  clientIp: string;
}

/** Server side: accepts pooled streams, assigns IDs (the first one is 00000000) and writes them. */
export class ServerPool extends BasePool {
  private first = true;
  /** IDs written but not yet on the wire (not idle yet, but taken). */
  private readonly pendingIds = new Set<string>();
  readonly max: number;

  constructor(private readonly opts: ServerPoolOptions) {
    super();
    this.max = Math.max(1, opts.max);
  }

  /** The IP every pooled stream must come from ('' = any), for transports that answer refusals. */
  get clientIp(): string {
    return this.opts.clientIp;
  }

  /** True when another stream would be refused as `pool full`. */
  get full(): boolean {
    return this.idle.size >= this.max;
  }

  /** Returns the reason a stream was refused, or null when it was filed. */
  offer(s: PooledStream): string | null {
    if (this.closed) {
      s.stream.destroy();
      return 'pool closed';
    }
    if (this.opts.clientIp !== '' && s.remoteIp !== this.opts.clientIp) {
      s.stream.destroy();
      return `unauthorized IP ${s.remoteIp}`;
    }
    if (this.idle.size + this.pendingIds.size >= this.max) {
      s.stream.destroy();
      return 'pool full';
    }
    let id: string;
    if (this.first) {
      this.first = false;
      id = CONTROL_ID;
    } else {
      do id = randomBytes(4).toString('hex');
      while (id === CONTROL_ID || this.idle.has(id) || this.pendingIds.has(id));
    }
    // As NodePass does, a stream becomes available only once its ID has left: at TLS the write
    // may still be queued, and a stream handed out (a `verify` probe) before then would name an
    // ID its peer never receives.
    this.pendingIds.add(id);
    s.stream.write(Buffer.from(id, 'hex'), (err) => {
      this.pendingIds.delete(id);
      if (err || s.stream.destroyed) {
        s.stream.destroy();
        return;
      }
      this.file(new PoolConn(id, s.stream, s.remoteIp, s.remoteAddr, s.peerCert));
    });
    return null;
  }
}

export interface ClientPoolOptions {
  min: number;
  max: number;
  minIntervalMs: number;
  maxIntervalMs: number;
  /** Deadline for the server's 4 ID bytes (NodePass: 1 minute). */
  idTimeoutMs: number;
  onDialError?: (err: Error) => void;
  /** Checks the certificate a pooled stream presented; returns why it is refused, or null. */
  acceptCert?: (der: Buffer) => string | null;
  onCertRejected?: (why: string) => void;
}

/** Reads exactly 4 bytes (the ID) and leaves the stream paused with the rest unread. */
export function readId(stream: Duplex, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let have = 0;
    const done = (err: Error | null, id?: string) => {
      clearTimeout(timer);
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('close', onEnd);
      if (err) {
        stream.destroy();
        reject(err);
      } else resolve(id!);
    };
    const onData = (chunk: Buffer) => {
      parts.push(chunk);
      have += chunk.length;
      if (have < 4) return;
      stream.pause();
      const all = parts.length === 1 ? chunk : Buffer.concat(parts);
      if (all.length > 4) stream.unshift(all.subarray(4));
      done(null, all.subarray(0, 4).toString('hex'));
    };
    const onEnd = () => done(new Error('connection closed before its ID arrived'));
    const onError = (e: Error) => done(new Error(`reading ID: ${e.message}`));
    const timer = setTimeout(() => done(new Error(`no ID within ${timeoutMs}ms`)), timeoutMs);
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('close', onEnd);
    stream.on('error', onError);
    stream.resume();
  });
}

/**
 * Client side: keeps `capacity` streams open with the adaptive capacity/interval of spec §5.1,
 * plus immediate top-ups whenever a stream is taken.
 */
export class ClientPool extends BasePool {
  capacity: number;
  interval: number;
  private inflight = 0;
  private readonly min: number;
  private readonly max: number;
  private timer: NodeJS.Timeout | null = null;
  private ready = false;
  private dialFailures = 0;
  /** Opens allowed in flight at once by topUp (see there). */
  private window = 2;
  /** The most recent reason a pooled stream could not be opened (for error messages). */
  lastDialError: string | null = null;

  constructor(
    private readonly transport: ClientTransport,
    private readonly opts: ClientPoolOptions,
  ) {
    super();
    let min = opts.min > 0 ? opts.min : 1;
    let max = opts.max > 0 ? opts.max : 1;
    if (min > max) [min, max] = [max, min];
    this.min = min;
    this.max = max;
    this.capacity = min;
    this.interval = opts.minIntervalMs;
  }

  /** Opens the first stream alone (it becomes the control channel), then fills and adapts. */
  start(): void {
    void this.openOne().then(() => {
      this.ready = true;
      this.topUp();
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => void this.tick(), this.interval);
  }

  private async tick(): Promise<void> {
    if (this.closed) return;
    const idle = this.idle.size;
    const step = 100;
    if (idle < Math.floor(this.capacity * 0.2) && this.interval > this.opts.minIntervalMs) {
      this.interval = Math.max(this.opts.minIntervalMs, this.interval - step);
    }
    if (idle > Math.floor(this.capacity * 0.8) && this.interval < this.opts.maxIntervalMs) {
      this.interval = Math.min(this.opts.maxIntervalMs, this.interval + step);
    }
    const need = this.capacity - idle - this.inflight;
    let created = 0;
    if (need > 0) {
      const results = await Promise.all(Array.from({ length: need }, () => this.openOne()));
      created = results.filter(Boolean).length;
    }
    const ratio = created / this.capacity;
    if (ratio < 0.2 && this.capacity > this.min) this.capacity--;
    if (ratio > 0.8 && this.capacity < this.max) this.capacity++;
    this.schedule();
  }

  /** Opens streams until idle + in flight reaches capacity (on demand, between ticks). */
  /**
   * Opens streams until idle + in flight reaches capacity (on demand, between ticks), with at
   * most `window` opens in flight. The window starts at 2 and grows by one per stream opened
   * (slow start, so it soon stops mattering): 63 TLS handshakes started at once would all finish
   * late, together, while the first user waits for any one of them; opened a few at a time, the
   * first is ready at once.
   */
  private topUp(): void {
    if (!this.ready || this.closed) return;
    // Back off from on-demand dialling while the server is refusing; the tick still retries.
    if (this.dialFailures > 3) return;
    let need = Math.min(this.capacity - this.idle.size - this.inflight, this.window - this.inflight);
    while (need-- > 0) void this.openOne().then(this.afterOpen);
  }

  private readonly afterOpen = (ok: boolean): void => {
    if (ok) this.window++;
    this.topUp();
  };

  // A stream was just taken for a user: the replacement is dialled at the end of this turn of
  // the event loop, after the work that user is waiting for (the target dial) has started, and
  // one top-up serves every stream taken in the same turn.
  private topUpScheduled = false;
  private readonly scheduledTopUp = (): void => {
    this.topUpScheduled = false;
    this.topUp();
  };

  private scheduleTopUp(): void {
    if (this.topUpScheduled) return;
    this.topUpScheduled = true;
    setImmediate(this.scheduledTopUp);
  }

  protected override taken(): void {
    this.scheduleTopUp();
  }

  protected override wantMore(): void {
    // The pool ran dry under load: grow towards max so the next burst finds streams waiting.
    if (this.capacity < this.max) this.capacity++;
    this.scheduleTopUp();
  }

  private async openOne(): Promise<boolean> {
    if (this.closed) return false;
    this.inflight++;
    try {
      const s = await this.transport.open();
      if (s.peerCert && this.opts.acceptCert) {
        const why = this.opts.acceptCert(s.peerCert);
        if (why) {
          s.stream.destroy();
          this.opts.onCertRejected?.(why);
          throw new Error(why);
        }
      }
      let id: string;
      try {
        id = await readId(s.stream, this.opts.idTimeoutMs);
      } catch (e) {
        s.stream.destroy();
        throw e;
      }
      this.dialFailures = 0;
      this.inflight--;
      if (this.closed) {
        s.stream.destroy();
        return false;
      }
      this.file(new PoolConn(id, s.stream, s.remoteIp, s.remoteAddr, s.peerCert));
      return true;
    } catch (e) {
      this.inflight--;
      this.dialFailures++;
      this.lastDialError = (e as Error).message;
      this.opts.onDialError?.(e as Error);
      return false;
    }
  }

  override close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    super.close();
    this.transport.close();
  }
}
