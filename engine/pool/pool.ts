// The connection pool of spec §5.1, one implementation for every transport.
//
// Both sides keep idle pooled streams under the 8-hex ID the server assigned. The ingress side
// takes the oldest idle stream (incomingGet) and names it in a signal; the egress side takes the
// stream with that ID (outgoingGet). Unlike NodePass, waiting is event-driven (no 50 ms polling),
// idle streams that die are dropped at once, and the client refills on demand when a stream is
// taken instead of waiting for the next tick, so a burst of connections never stalls on the pool.

import { PoolConn } from './pool-conn';

export const CONTROL_ID = '00000000';

type Waiter = { resolve: (c: PoolConn | null) => void; timer: NodeJS.Timeout };

class PoolTimeoutError extends Error {}

/** The idle store and the waiting of both sides; ServerPool and ClientPool differ in how streams arrive. */
export abstract class BasePool {
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
