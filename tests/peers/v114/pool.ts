// The TCP pool (type 0) of v1.14, client and server side: IDs, the idle store, IncomingGet /
// OutgoingGet, and the client's refill loop.
//
// observed (strace -f of the Go client, min=64): right after the handshake 64 connect() calls
// within ~60 ms, each from its own goroutine, then nothing until every one of them has finished
// (TLS handshake and 4 ID bytes); the next round ~100 ms later opened 2 (the capacity had grown
// to 65, and the control connection had been taken), later rounds open only replacements.
// observed: each pooled socket gets TCP_NODELAY and keep-alive with TCP_KEEPIDLE=5 (the report
// interval); the client sends nothing after its TLS Finished and reads the ID when it comes.
// observed (strace of the Go client against the server): the Go server's first record after the
// client's Finished is the ID (26 bytes on the wire = 4 + 1 type + 16 tag + 5 header); with our
// server before commit c5cbdd0 the Go client's read of a pooled stream ended in EOF before any ID
// (the stream had been handed out and destroyed with its ID write still queued), and the `verify`
// naming that stream then failed: `outgoingVerify: request timeout: OutgoingGet: pool connection
// not found`.

import type net from 'node:net';
import type tls from 'node:tls';
import { randomBytes } from 'node:crypto';
import { GoConn } from './conn';
import { Chan, Context, sleep } from './go';
import { clientHandshake, serverHandshake, type ClientTlsConfig } from './tls';

const ID_READ_TIMEOUT_MS = 60_000;
const ID_RETRY_MS = 50;

export interface ClientPoolConfig {
  minCap: number;
  maxCap: number;
  minIvlMs: number;
  maxIvlMs: number;
  keepAliveMs: number;
  tls: 0 | ClientTlsConfig;
  /** The dialler NodePass passes in: TCP to the tunnel address (DialTimeout 5 s). */
  dial: () => Promise<net.Socket>;
}

export interface ServerPoolConfig {
  maxCap: number;
  /** The handshake's client IP ('' = anyone). */
  clientIp: string;
  context: tls.SecureContext | null;
  keepAliveMs: number;
}

export class GoPool {
  private conns = new Map<string, GoConn>();
  private idChan: Chan<string>;
  private errCount = 0;
  private first = true;
  private ctx: Context;
  capacity = 0;
  interval = 0;
  private readonly maxCap: number;

  private constructor(
    private readonly client: ClientPoolConfig | null,
    private readonly server: ServerPoolConfig | null,
    parent: Context,
  ) {
    let min = client ? (client.minCap > 0 ? client.minCap : 1) : 0;
    let max = (client ?? server)!.maxCap > 0 ? (client ?? server)!.maxCap : 1;
    if (client && min > max) [min, max] = [max, min];
    this.maxCap = max;
    this.idChan = new Chan(max);
    this.ctx = new Context(parent);
    if (client) {
      this.capacity = min;
      this.interval = Math.min(client.minIvlMs, client.maxIvlMs);
    }
  }

  static client(cfg: ClientPoolConfig, parent: Context): GoPool {
    return new GoPool(cfg, null, parent);
  }

  static server(cfg: ServerPoolConfig, parent: Context): GoPool {
    return new GoPool(null, cfg, parent);
  }

  // ---- client ----

  /** ClientManager: refill rounds, each waiting for all of its dials. */
  async clientManager(): Promise<void> {
    const c = this.client!;
    const [minIvl, maxIvl] = c.minIvlMs <= c.maxIvlMs ? [c.minIvlMs, c.maxIvlMs] : [c.maxIvlMs, c.minIvlMs];
    const minCap = Math.min(c.minCap > 0 ? c.minCap : 1, this.maxCap);
    while (!this.ctx.err) {
      const idle = this.idChan.length;
      if (idle < Math.floor(this.capacity * 0.2) && this.interval > minIvl) this.interval = Math.max(this.interval - 100, minIvl);
      if (idle > Math.floor(this.capacity * 0.8) && this.interval < maxIvl) this.interval = Math.min(this.interval + 100, maxIvl);
      const need = this.capacity - this.idChan.length;
      let created = 0;
      if (need > 0) {
        const results = await Promise.all(Array.from({ length: need }, () => this.createConnection()));
        created = results.filter(Boolean).length;
      }
      const ratio = created / this.capacity;
      if (ratio < 0.2 && this.capacity > minCap) this.capacity--;
      if (ratio > 0.8 && this.capacity < this.maxCap) this.capacity++;
      if (!(await sleep(this.interval, this.ctx))) return;
    }
  }

  private async createConnection(): Promise<boolean> {
    const c = this.client!;
    let sock: net.Socket;
    try {
      sock = await c.dial();
    } catch {
      return false;
    }
    sock.setKeepAlive(true, c.keepAliveMs);
    let conn: GoConn;
    if (c.tls === 0) {
      conn = new GoConn(sock, false);
    } else {
      try {
        conn = new GoConn(await clientHandshake(sock, c.tls), true);
      } catch {
        return false;
      }
    }
    let id: string;
    try {
      id = (await conn.readFull(4, ID_READ_TIMEOUT_MS)).toString('hex');
    } catch {
      conn.close();
      return false;
    }
    if (this.ctx.err) {
      // Go would file it in a pool nobody reads any more; it is closed with the process.
      conn.close();
      return false;
    }
    this.conns.set(id, conn);
    if (this.idChan.trySend(id)) return true;
    this.conns.delete(id);
    conn.close();
    return false;
  }

  // ---- server ----

  /** ServerManager: accept loop on the re-opened tunnel listener. */
  serverManager(listener: net.Server): void {
    listener.on('connection', (s: net.Socket) => {
      if (this.ctx.err) {
        s.destroy();
        return;
      }
      void this.handleConnection(s);
    });
  }

  private async handleConnection(sock: net.Socket): Promise<void> {
    const cfg = this.server!;
    sock.on('error', () => {});
    if (this.idChan.length >= this.maxCap) {
      sock.destroy();
      return;
    }
    sock.setNoDelay(true);
    sock.setKeepAlive(true, cfg.keepAliveMs);
    const ip = (sock.remoteAddress ?? '').replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');
    if (cfg.clientIp !== '' && ip !== cfg.clientIp) {
      sock.destroy();
      return;
    }
    let conn: GoConn;
    if (cfg.context) {
      try {
        conn = new GoConn(await serverHandshake(sock, cfg.context), true);
      } catch {
        return;
      }
    } else {
      conn = new GoConn(sock, false);
    }
    const id = this.generateId();
    if (this.conns.has(id)) {
      conn.close();
      return;
    }
    try {
      // The ID is written (Go: a blocking Write) before the stream can be handed out.
      await conn.write(Buffer.from(id, 'hex'));
    } catch {
      conn.close();
      return;
    }
    if (this.ctx.err || !this.idChan.trySend(id)) {
      conn.close();
      return;
    }
    this.conns.set(id, conn);
  }

  private generateId(): string {
    if (this.first) {
      this.first = false;
      return '00000000';
    }
    return randomBytes(4).toString('hex');
  }

  // ---- both ----

  /** OutgoingGet: poll every 50 ms for the ID; takes one (any) entry off the idle queue. */
  async outgoingGet(id: string, timeoutMs: number): Promise<GoConn> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const conn = this.conns.get(id);
      if (conn) {
        this.conns.delete(id);
        this.idChan.tryRecv();
        return conn;
      }
      const left = deadline - Date.now();
      if (left <= 0 || this.ctx.err) throw new Error('OutgoingGet: pool connection not found');
      await sleep(Math.min(ID_RETRY_MS, left), this.ctx);
    }
  }

  /** IncomingGet: the oldest idle ID (skipping IDs already taken by OutgoingGet). */
  async incomingGet(timeoutMs: number): Promise<{ id: string; conn: GoConn }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const left = deadline - Date.now();
      const id = left > 0 ? await this.idChan.recv(this.ctx, left) : null;
      if (id === null) throw new Error('IncomingGet: insufficient pool connections');
      const conn = this.conns.get(id);
      if (conn) {
        this.conns.delete(id);
        return { id, conn };
      }
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
