// Type 1: pooled streams over one QUIC connection (spec §5.3), wire-compatible with NodePass's
// quic-go pool: ALPN `np-quic`, TLS 1.3, keep-alive NP_REPORT_INTERVAL, idle timeout 3× that,
// at most `max` incoming bidirectional streams. The client opens a stream and writes 0x00; the
// server reads that byte and answers with the 4-byte ID (written by ServerPool.offer).

import { readFileSync } from 'node:fs';
import type net from 'node:net';
import tls from 'node:tls';
import type { ServerTls } from '../tls/context';
import { joinHostPort, normaliseIp } from '../url/ip';
import { makeConfig, type QuicSettings, type TlsMaterial } from './quic/config';
import type { QuicConnection } from './quic/connection';
import { dialQuic } from './quic/dial';
import { bindQuicSocket, QuicListener } from './quic/listener';
import type { QuicStream } from './quic/stream';
import { quicUnavailable, type QuicheConfig } from './quic/native';
import type { ClientTransport, PooledStream, ServerTransport, TransportDescriptor, TransportLogger } from './transport';

const QUIC_ALPN = 'np-quic';
const OPENER = Uint8Array.of(0);

/** NodePass's QUIC parameters (§5.3, §5.6). */
export function quicSettings(keepAliveMs: number, max: number): QuicSettings {
  return { alpn: QUIC_ALPN, keepAliveMs, idleTimeoutMs: 3 * keepAliveMs, maxIncomingStreams: Math.max(1, max) };
}

/** Roots for tls=2: Node's bundled CAs plus NODE_EXTRA_CA_CERTS, as the TCP/TLS pool trusts. */
function trustedRoots(): string {
  let extra = '';
  const file = process.env.NODE_EXTRA_CA_CERTS;
  if (file) {
    try {
      extra = readFileSync(file, 'utf8');
    } catch {
      /* Node itself only warns about an unreadable file */
    }
  }
  return [...tls.rootCertificates, extra].join('\n');
}

// ---- client ----

export interface QuicClientOptions {
  /** Resolves the tunnel address afresh (DNS cache) for every dial. */
  target: () => Promise<{ host: string; port: number }>;
  tls: 0 | 1 | 2;
  serverName: string;
  keepAliveMs: number;
  /** The server's pool max (also our limit for streams the server could open). */
  max: number;
  dialTimeoutMs: number;
  /** Source address for the UDP socket (tests play a foreign client with it). */
  localAddress?: string;
  onConnectionClosed?: (why: string) => void;
}

export class QuicClientTransport implements ClientTransport {
  readonly kind = 'quic';
  private conn: QuicConnection | null = null;
  private dialing: Promise<QuicConnection> | null = null;
  private closed = false;

  constructor(private readonly opts: QuicClientOptions) {}

  private async dial(): Promise<QuicConnection> {
    const o = this.opts;
    const { host, port } = await o.target();
    const tlsMaterial: TlsMaterial = o.tls === 2 ? { verify: true, caPem: trustedRoots() } : {};
    const c = await dialQuic({
      host,
      port,
      // NodePass: tls 0/1 skip verification and send no name; tls 2 verifies against serverName.
      serverName: o.tls === 2 ? o.serverName : null,
      settings: quicSettings(o.keepAliveMs, o.max),
      tls: tlsMaterial,
      timeoutMs: o.dialTimeoutMs,
      localAddress: o.localAddress,
    });
    if (this.closed) {
      c.close('pool closed');
      throw new Error('pool closed');
    }
    c.once('close', (why) => {
      if (this.conn === c) this.conn = null;
      o.onConnectionClosed?.(why);
    });
    this.conn = c;
    return c;
  }

  /** The pool's one QUIC connection, dialled when there is none. */
  private connection(): Promise<QuicConnection> {
    if (this.conn && !this.conn.closed) return Promise.resolve(this.conn);
    this.dialing ??= this.dial().finally(() => {
      this.dialing = null;
    });
    return this.dialing;
  }

  async open(): Promise<PooledStream> {
    if (this.closed) throw new Error('pool closed');
    const c = await this.connection();
    let stream: QuicStream;
    try {
      stream = await c.openStream(OPENER);
    } catch (e) {
      // As NodePass: a stream that cannot be opened drops the connection; the next open re-dials.
      this.drop(c, 'stream open failed');
      throw e;
    }
    const remoteIp = normaliseIp(c.peer.host);
    return { stream, remoteIp, remoteAddr: joinHostPort(remoteIp, c.peer.port), peerCert: c.peerCert() };
  }

  private drop(c: QuicConnection, why: string): void {
    if (this.conn === c) this.conn = null;
    c.close(why);
  }

  reset(): void {
    if (this.conn) this.drop(this.conn, 'reset');
  }

  close(): void {
    this.closed = true;
    if (this.conn) this.drop(this.conn, 'pool closed');
  }
}

// ---- server ----

/**
 * The UDP side of the tunnel port, kept for the server's life: sessions come and go (a client's
 * new handshake replaces the session at any time), the socket and its port stay. Each session's
 * transport becomes the acceptor for connections that finish their handshake from then on.
 */
export class QuicServerEndpoint {
  private listener: QuicListener | null = null;
  private binding: Promise<QuicListener> | null = null;
  private acceptor: QuicServerTransport | null = null;
  private cached: { cert: string; max: number; config: QuicheConfig } | null = null;
  private closed = false;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly serverTls: ServerTls,
    private readonly keepAliveMs: number,
    private readonly logger: TransportLogger,
  ) {}

  /** Binds the UDP socket once; a failure is logged and retried by the next session. */
  ensure(): Promise<QuicListener> {
    if (this.listener) return Promise.resolve(this.listener);
    this.binding ??= bindQuicSocket(this.host, this.port)
      .then((sock) => {
        if (this.closed) {
          sock.close();
          throw new Error('server stopped');
        }
        this.listener = QuicListener.attach(sock, { config: () => this.config(), onConnection: (c) => this.onConnection(c) }, this.keepAliveMs);
        return this.listener;
      })
      .finally(() => {
        this.binding = null;
      });
    return this.binding;
  }

  /** quiche config for the next handshake: rebuilt when the certificate (tls=2 reload) or max changes. */
  private config(): QuicheConfig {
    const max = this.acceptor?.max ?? 1;
    this.serverTls.context(); // lets tls=2 re-read its files when due
    const { cert, key } = this.serverTls.pem();
    if (!this.cached || this.cached.cert !== cert || this.cached.max !== max) {
      this.cached = { cert, max, config: makeConfig(quicSettings(this.keepAliveMs, max), { certPem: cert, keyPem: key }) };
    }
    return this.cached.config;
  }

  private onConnection(c: QuicConnection): void {
    const a = this.acceptor;
    if (!a) {
      c.close('no session');
      return;
    }
    a.adopt(c);
  }

  setAcceptor(t: QuicServerTransport): void {
    this.acceptor = t;
  }

  releaseAcceptor(t: QuicServerTransport): void {
    if (this.acceptor === t) this.acceptor = null;
  }

  /** Resolves once the UDP port is free again. */
  close(): Promise<void> {
    this.closed = true;
    this.acceptor = null;
    const l = this.listener;
    this.listener = null;
    return l ? l.close('server stopped') : Promise.resolve();
  }
}

export interface QuicServerOptions {
  endpoint: QuicServerEndpoint;
  /** Connections from another IP are closed ('' = any). */
  clientIp: string;
  max: number;
  /** Idle streams in the pool (a full pool closes new streams, as NodePass). */
  active: () => number;
  /** Files a stream (ServerPool.offer: assigns and writes the ID); returns why it refused. */
  offer: (s: PooledStream) => string | null;
  logger: TransportLogger;
}

export class QuicServerTransport implements ServerTransport {
  readonly kind = 'quic';
  readonly max: number;
  private readonly conns = new Set<QuicConnection>();
  private closed = false;

  constructor(private readonly opts: QuicServerOptions) {
    this.max = opts.max;
    opts.endpoint.setAcceptor(this);
    opts.endpoint.ensure().catch((e: Error) => {
      if (!this.closed) opts.logger.error(`Tunnel pool: QUIC listener failed: ${e.message}`);
    });
  }

  /** A TLS connection on the TCP port while the pool is QUIC: not ours, but not a handshake either. */
  owns(head: Buffer | null): boolean {
    return head !== null && head[0] === 0x16;
  }

  /** QUIC arrives on UDP, never as a TCP socket. */
  takeSocket(socket: net.Socket): void {
    socket.destroy();
  }

  /** A connection that finished its handshake while this session accepts. */
  adopt(c: QuicConnection): void {
    if (this.closed) {
      c.close('pool closed');
      return;
    }
    const ip = normaliseIp(c.peer.host);
    if (this.opts.clientIp !== '' && ip !== this.opts.clientIp) {
      this.opts.logger.warn(`Tunnel pool: refused QUIC connection from ${joinHostPort(ip, c.peer.port)}: unauthorized IP`);
      c.close('unauthorized IP');
      return;
    }
    this.conns.add(c);
    c.once('close', (why) => {
      this.conns.delete(c);
      if (!this.closed) this.opts.logger.debug(`Tunnel pool: QUIC connection from ${joinHostPort(ip, c.peer.port)} ${why}`);
    });
    c.on('stream', (s) => this.onStream(c, s, ip));
  }

  private onStream(c: QuicConnection, s: QuicStream, ip: string): void {
    s.on('error', () => {});
    if (this.closed || this.opts.active() >= this.max) {
      // Full pool: close the stream (quic-go Close = FIN), as NodePass does.
      s.resume();
      s.end();
      return;
    }
    const onData = (chunk: Buffer) => {
      s.off('data', onData);
      s.pause();
      if (chunk.length > 1) s.unshift(chunk.subarray(1));
      const why = this.opts.offer({ stream: s, remoteIp: ip, remoteAddr: joinHostPort(ip, c.peer.port) });
      if (why) this.opts.logger.debug(`Tunnel pool: refused a QUIC stream: ${why}`);
    };
    s.on('data', onData);
    // A stream that ends before its opener byte never reaches the pool.
    s.once('end', () => {
      if (s.listenerCount('data') > 0 && s.listeners('data').includes(onData)) s.destroy();
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.opts.endpoint.releaseAcceptor(this);
    for (const c of [...this.conns]) c.close('pool closed');
    this.conns.clear();
  }
}

export const quicTransport: TransportDescriptor<QuicServerEndpoint> = {
  type: 1,
  kind: 'quic',
  pinsClientIp: true,
  // A platform without the quiche binary cannot serve type 1: say so at start-up.
  unavailable: quicUnavailable,
  bind: async (ctx) => {
    if (!ctx.tls) throw new Error('QUIC needs TLS (tls=1 or 2)');
    const endpoint = new QuicServerEndpoint(ctx.tunnel.host, ctx.tunnel.port, ctx.tls, ctx.keepAliveMs, ctx.logger);
    try {
      await endpoint.ensure();
    } catch (e) {
      await endpoint.close();
      throw e;
    }
    return endpoint;
  },
  server: (ctx, pool, endpoint) => {
    if (!endpoint) throw new Error('QUIC pool without its UDP endpoint');
    return new QuicServerTransport({
      endpoint,
      clientIp: pool.clientIp,
      max: pool.max,
      active: () => pool.active(),
      offer: (s) => pool.offer(s),
      logger: ctx.logger,
    });
  },
  client: (ctx, offer) =>
    new QuicClientTransport({
      target: ctx.resolve,
      tls: offer.tls,
      serverName: ctx.serverName,
      keepAliveMs: ctx.keepAliveMs,
      max: offer.max,
      dialTimeoutMs: ctx.handshakeTimeoutMs,
      onConnectionClosed: (why) => ctx.logger.debug(`Tunnel pool: QUIC connection ${why}`),
    }),
};
