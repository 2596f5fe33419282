// What every v1.14 pool type shares (pool, nph2, npws and quic have the same code for it): the
// idle store (a map ID → connection plus a FIFO of IDs with capacity `max`), IncomingGet,
// OutgoingGet, Flush, the error counter, and the client's refill rounds.
//
// observed (strace -f of the Go client, min=64): right after the handshake 64 connect() calls
// within ~60 ms, each from its own goroutine, then nothing until every one of them has finished
// (TLS handshake and 4 ID bytes); the next round ~100 ms later opened 2 (the capacity had grown
// to 65, and the control connection had been taken), later rounds open only replacements.

import type { GoConn } from './conn';
import { Chan, Context, sleep } from './go';

const ID_RETRY_MS = 50;

export interface RefillConfig {
  minCap: number;
  minIvlMs: number;
  maxIvlMs: number;
}

export abstract class IdleStore {
  protected conns = new Map<string, GoConn>();
  protected idChan: Chan<string>;
  private errCount = 0;
  protected readonly ctx: Context;
  readonly maxCap: number;
  capacity = 0;
  interval = 0;

  constructor(maxCap: number, parent: Context) {
    this.maxCap = maxCap > 0 ? maxCap : 1;
    this.idChan = new Chan(this.maxCap);
    this.ctx = new Context(parent);
  }

  /** Files a connection under its ID unless the idle queue is full (then it is closed). */
  protected file(id: string, conn: GoConn): boolean {
    if (this.ctx.err || !this.idChan.trySend(id)) {
      conn.close();
      return false;
    }
    this.conns.set(id, conn);
    return true;
  }

  /**
   * ClientManager: each round adapts the interval, opens `capacity − idle` connections at once,
   * waits for all of them, adapts the capacity, sleeps the interval. `prepare` runs before a round
   * that opens anything (type 3: make sure the HTTP/2 connection is there); false: retry in 50 ms.
   */
  protected async refillRounds(cfg: RefillConfig, openOne: () => Promise<boolean>, prepare?: () => Promise<boolean>): Promise<void> {
    const [minIvl, maxIvl] = cfg.minIvlMs <= cfg.maxIvlMs ? [cfg.minIvlMs, cfg.maxIvlMs] : [cfg.maxIvlMs, cfg.minIvlMs];
    const minCap = Math.min(cfg.minCap > 0 ? cfg.minCap : 1, this.maxCap);
    this.capacity = minCap;
    this.interval = minIvl;
    while (!this.ctx.err) {
      const idle = this.idChan.length;
      if (idle < Math.floor(this.capacity * 0.2) && this.interval > minIvl) this.interval = Math.max(this.interval - 100, minIvl);
      if (idle > Math.floor(this.capacity * 0.8) && this.interval < maxIvl) this.interval = Math.min(this.interval + 100, maxIvl);
      const need = this.capacity - this.idChan.length;
      let created = 0;
      if (need > 0) {
        if (prepare && !(await prepare())) {
          if (!(await sleep(50, this.ctx))) return;
          continue;
        }
        const results = await Promise.all(Array.from({ length: need }, () => openOne()));
        created = results.filter(Boolean).length;
      }
      const ratio = created / this.capacity;
      if (ratio < 0.2 && this.capacity > minCap) this.capacity--;
      if (ratio > 0.8 && this.capacity < this.maxCap) this.capacity++;
      if (!(await sleep(this.interval, this.ctx))) return;
    }
  }

  /** A connection as OutgoingGet / IncomingGet hand it out (type 3 wraps it; null: not available). */
  protected handOut(conn: GoConn): GoConn | null {
    return conn;
  }

  /** OutgoingGet: poll every 50 ms for the ID; takes one (any) entry off the idle queue. */
  async outgoingGet(id: string, timeoutMs: number): Promise<GoConn> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const conn = this.conns.get(id);
      if (conn) {
        this.conns.delete(id);
        this.idChan.tryRecv();
        const out = this.handOut(conn);
        if (!out) throw new Error('OutgoingGet: connection not available');
        return out;
      }
      const left = deadline - Date.now();
      if (left <= 0 || this.ctx.err) throw new Error(`OutgoingGet: ${this.notFound}`);
      await sleep(Math.min(ID_RETRY_MS, left), this.ctx);
    }
  }

  /** The words of OutgoingGet's timeout (type 0: `pool connection not found`). */
  protected abstract readonly notFound: string;
  /** The words of IncomingGet's timeout (type 0: `insufficient pool connections`). */
  protected abstract readonly insufficient: string;

  /** IncomingGet: the oldest idle ID (skipping IDs already taken by OutgoingGet). */
  async incomingGet(timeoutMs: number): Promise<{ id: string; conn: GoConn }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const left = deadline - Date.now();
      const id = left > 0 ? await this.idChan.recv(this.ctx, left) : null;
      if (id === null) throw new Error(`IncomingGet: ${this.insufficient}`);
      const conn = this.conns.get(id);
      if (!conn) continue;
      this.conns.delete(id);
      const out = this.handOut(conn);
      if (out) return { id, conn: out };
    }
  }

  flush(): void {
    for (const c of this.conns.values()) c.close();
    this.conns = new Map();
    this.idChan = new Chan(this.maxCap);
  }

  close(): void {
    this.ctx.cancel();
    this.flush();
  }

  /** Ready(): the pool has its context (at once, in practice). */
  ready(): boolean {
    return true;
  }

  active(): number {
    return this.idChan.length;
  }

  addError(): void {
    this.errCount++;
  }

  errorCount(): number {
    return this.errCount;
  }

  resetError(): void {
    this.errCount = 0;
  }
}
