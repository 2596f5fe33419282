// The TCP pool (type 0) of v1.14, client and server side: one TCP (tls=0) or TLS connection per
// pooled connection, the server's ID written first. The idle store and the refill rounds are in
// store.ts.
//
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
import type { Context } from './go';
import { IdleStore } from './store';
import { clientHandshake, serverHandshake, type ClientTlsConfig } from './tls';

export const ID_READ_TIMEOUT_MS = 60_000;

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

/** The first ID a server pool hands out is 00000000, then 4 random bytes (pool v1.0.50). */
export class IdGenerator {
  private first = true;

  next(): string {
    if (this.first) {
      this.first = false;
      return '00000000';
    }
    return randomBytes(4).toString('hex');
  }
}

export class TcpPool extends IdleStore {
  protected readonly notFound = 'pool connection not found';
  protected readonly insufficient = 'insufficient pool connections';
  private readonly ids = new IdGenerator();

  private constructor(
    private readonly client: ClientPoolConfig | null,
    private readonly server: ServerPoolConfig | null,
    parent: Context,
  ) {
    super(Math.max(client?.maxCap ?? 0, server?.maxCap ?? 0, client?.minCap ?? 0), parent);
  }

  static client(cfg: ClientPoolConfig, parent: Context): TcpPool {
    return new TcpPool(cfg, null, parent);
  }

  static server(cfg: ServerPoolConfig, parent: Context): TcpPool {
    return new TcpPool(null, cfg, parent);
  }

  /** ClientManager. */
  clientManager(): Promise<void> {
    const c = this.client!;
    return this.refillRounds({ minCap: c.minCap, minIvlMs: c.minIvlMs, maxIvlMs: c.maxIvlMs }, () => this.createConnection());
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
      conn = GoConn.socket(sock, false);
    } else {
      try {
        conn = GoConn.socket(await clientHandshake(sock, c.tls), true);
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
    return this.file(id, conn);
  }

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
    if (this.active() >= this.maxCap) {
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
        conn = GoConn.socket(await serverHandshake(sock, cfg.context), true);
      } catch {
        return;
      }
    } else {
      conn = GoConn.socket(sock, false);
    }
    const id = this.ids.next();
    if (this.conns.has(id)) {
      conn.close();
      return;
    }
    try {
      // The ID is written (Go: a blocking Write) before the connection can be handed out.
      await conn.write(Buffer.from(id, 'hex'));
    } catch {
      conn.close();
      return;
    }
    this.file(id, conn);
  }
}
