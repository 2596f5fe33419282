// The client side of the pool: opens streams through its transport, reads the ID each one is
// given, and adapts how many it keeps (spec §5.1).

import type { Duplex } from 'node:stream';
import { BasePool } from './pool';
import { PoolConn } from './pool-conn';
import type { ClientTransport } from './transport';

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
