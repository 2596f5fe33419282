// The `rate` parameter (spec §7.6): one limiter per instance with a read and a write token bucket
// of R bytes/s and R bytes of burst, applied only to user- and target-facing sockets. It sits
// beside the relay, never inside it: a TCP socket is wrapped in a throttling stream before it is
// handed to the relay, and UDP datagrams go through a delay line. With rate=0 nothing is created,
// so the unlimited path costs nothing.
//
// Unlike NodePass, a request larger than the bucket does not block forever: the bucket goes into
// debt and the next requests wait for it to be paid off, which keeps the long-run rate exact.

import { Duplex } from 'node:stream';

export class TokenBucket {
  private tokens: number;
  private last: number;

  /** `rate` bytes per second, `burst` bytes of capacity. */
  constructor(
    readonly rate: number,
    readonly burst: number = rate,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Takes n tokens; returns how many ms the caller must wait before using them (0 = now). */
  take(n: number): number {
    const t = this.now();
    if (t > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) * this.rate) / 1000);
      this.last = t;
    }
    this.tokens -= n;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens * 1000) / this.rate);
  }

  /** Back to a full bucket (NodePass resets tokens on every internal restart). */
  reset(): void {
    this.tokens = this.burst;
    this.last = this.now();
  }
}

export class RateLimiter {
  readonly read: TokenBucket;
  readonly write: TokenBucket;
  /** Delay lines for datagrams, shared by every UDP socket of the instance. */
  readonly udpRead: Pacer;
  readonly udpWrite: Pacer;

  constructor(readonly bytesPerSecond: number) {
    this.read = new TokenBucket(bytesPerSecond);
    this.write = new TokenBucket(bytesPerSecond);
    // A datagram waiting longer than about a second is worth less than a dropped one.
    const queue = Math.max(64 * 1024, bytesPerSecond);
    this.udpRead = new Pacer(this.read, queue);
    this.udpWrite = new Pacer(this.write, queue);
  }

  /** `rate=N` Mbps → N × 125000 bytes/s; null when unlimited. */
  static fromMbps(mbps: number): RateLimiter | null {
    return mbps > 0 ? new RateLimiter(mbps * 125_000) : null;
  }

  reset(): void {
    this.read.reset();
    this.write.reset();
  }
}

/**
 * A FIFO delay line: each job of n bytes runs once the bucket has paid for it. Runs at once when
 * nothing is queued and tokens are there; drops (returns false) when the queue is full, as a full
 * socket buffer would.
 */
export class Pacer {
  private readonly jobs: Array<{ due: number; n: number; run: () => void }> = [];
  private head = 0;
  private queued = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly bucket: TokenBucket,
    private readonly maxQueuedBytes: number,
  ) {}

  run(n: number, job: () => void): boolean {
    if (this.head === this.jobs.length) {
      const wait = this.bucket.take(n);
      if (wait === 0) {
        job();
        return true;
      }
      this.enqueue(Date.now() + wait, n, job);
      return true;
    }
    if (this.queued + n > this.maxQueuedBytes) return false;
    this.enqueue(Date.now() + this.bucket.take(n), n, job);
    return true;
  }

  private enqueue(due: number, n: number, run: () => void): void {
    this.jobs.push({ due, n, run });
    this.queued += n;
    if (!this.timer) this.arm();
  }

  private arm(): void {
    const next = this.jobs[this.head];
    this.timer = setTimeout(() => this.drain(), Math.max(0, next.due - Date.now()));
    this.timer.unref();
  }

  private drain(): void {
    this.timer = null;
    const now = Date.now();
    while (this.head < this.jobs.length && this.jobs[this.head].due <= now) {
      const j = this.jobs[this.head++];
      this.queued -= j.n;
      try {
        j.run();
      } catch {
        // A job belongs to a session that may be gone; the line keeps moving.
      }
    }
    if (this.head === this.jobs.length) {
      this.jobs.length = 0;
      this.head = 0;
    } else {
      if (this.head > 1024) {
        this.jobs.splice(0, this.head);
        this.head = 0;
      }
      this.arm();
    }
  }

  /** Drops every waiting job (shutdown). */
  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.jobs.length = 0;
    this.head = 0;
    this.queued = 0;
  }
}

/**
 * Wraps a socket so that every chunk read costs read tokens (paid after the read, as NodePass
 * does) and every chunk written costs write tokens (paid before the write). Half-close, errors
 * and destroy pass through, so the relay treats the wrapper exactly like the socket.
 */
export class RateLimitedStream extends Duplex {
  private throttled = false;
  private wantRead = false;
  private innerEnded = false;
  private timers = new Set<NodeJS.Timeout>();

  constructor(
    readonly inner: Duplex,
    private readonly limiter: RateLimiter,
  ) {
    super({ allowHalfOpen: true, readableHighWaterMark: 64 * 1024, writableHighWaterMark: 64 * 1024 });
    inner.pause();
    inner.on('data', (chunk: Buffer) => {
      const wait = this.limiter.read.take(chunk.length);
      const more = this.push(chunk);
      if (wait > 0) {
        this.throttled = true;
        this.wantRead = more;
        inner.pause();
        this.later(wait, () => {
          this.throttled = false;
          if (this.wantRead) inner.resume();
        });
      } else if (!more) inner.pause();
    });
    inner.on('end', () => {
      this.innerEnded = true;
      this.push(null);
    });
    if (inner.readableEnded) {
      // Its 'end' was emitted before we were attached.
      this.innerEnded = true;
      this.push(null);
    }
    inner.on('error', (e: Error) => this.destroy(e));
    // Closed without an end: the connection is gone (a close after the end is the normal path,
    // and the relay destroys us itself once both directions are done).
    inner.on('close', () => {
      if (!this.innerEnded && !this.destroyed) this.destroy();
    });
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.destroyed) fn();
    }, ms);
    this.timers.add(t);
  }

  override _read(): void {
    this.wantRead = true;
    if (!this.throttled) this.inner.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    const go = () => {
      if (this.inner.write(chunk)) cb();
      else this.inner.once('drain', () => cb());
    };
    const wait = this.limiter.write.take(chunk.length);
    if (wait === 0) go();
    else this.later(wait, go);
  }

  override _final(cb: (e?: Error | null) => void): void {
    this.inner.end(() => cb());
  }

  override _destroy(err: Error | null, cb: (e?: Error | null) => void): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.inner.destroy();
    cb(err);
  }
}

/** The stream to relay: the socket itself when unlimited, else a throttling wrapper. */
export function limitStream(stream: Duplex, limiter: RateLimiter | null): Duplex {
  return limiter ? new RateLimitedStream(stream, limiter) : stream;
}
