// One interface for every pool transport (spec §5): TCP/TLS (type 0), QUIC (1), WebSocket (2) and
// HTTP/2 (3). A transport only moves bytes and says who is on the other end; IDs, idle store,
// adaptation and pinning live in the pools, the same for all of them.
//
// Each transport module exports one TransportDescriptor; registry.ts maps a pool type to the
// module and loads it on first use. An instance hands a descriptor a narrow context (addresses,
// TLS, timeouts, a logger, pool callbacks), never itself.

import type net from 'node:net';
import type { Duplex } from 'node:stream';
import type { ServerTls } from '../tls/context';

export type PoolType = 0 | 1 | 2 | 3;
export type TransportKind = 'tcp' | 'quic' | 'ws' | 'h2';

export interface PooledStream {
  stream: Duplex;
  /** Peer IP as a string (for client-IP pinning on the server). */
  remoteIp: string;
  /** `ip:port` of the peer, for logs. */
  remoteAddr: string;
  /** DER of the certificate the server presented (client side with TLS), for `verify`. */
  peerCert?: Buffer;
}

/** Client side: opens pooled streams towards the server. */
export interface ClientTransport {
  readonly kind: TransportKind;
  /**
   * Opens one stream ready to receive its 4-byte ID (for QUIC/HTTP2 the `0x00` opener is already
   * written). Rejects with an Error whose message says what failed.
   */
  open(): Promise<PooledStream>;
  /** Drops shared state (the QUIC or HTTP/2 connection) so the next open dials afresh. */
  reset(): void;
  close(): void;
}

/**
 * Server side of one tunnel session: turns raw sockets accepted on the tunnel TCP port (or its
 * own UDP socket for QUIC) into pooled streams, offering each to the pool before its ID is written.
 */
export interface ServerTransport {
  readonly kind: TransportKind;
  /**
   * Whether a new socket on the tunnel port, which it shares with the handshake, is this
   * transport's, judged by its first bytes. `null` asks before any byte has arrived: true only
   * where pooled connections wait silently for their ID (plain TCP), so a reconnecting client's
   * handshake is then recognised later, by what it sends while idle.
   */
  owns(head: Buffer | null): boolean;
  /** A socket the transport owns; `head` holds bytes already read from it. */
  takeSocket(socket: net.Socket, head: Buffer): void;
  close(): void;
}

export type StreamSink = (s: PooledStream) => void;

/** The log lines a transport writes. */
export interface TransportLogger {
  debug(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

/** What a server instance tells its transport (for the server's whole life). */
export interface ServerContext {
  /** The tunnel address (host '' = every interface). */
  tunnel: { host: string; port: number };
  /** The certificate served at tls=1/2; null at tls=0. */
  tls: ServerTls | null;
  /** NP_REPORT_INTERVAL: keep-alive period. */
  keepAliveMs: number;
  /** NP_HANDSHAKE_TIMEOUT: bounds TLS handshakes and request heads on the tunnel port. */
  handshakeTimeoutMs: number;
  logger: TransportLogger;
  /** A request on the tunnel port that is a tunnel handshake after all (WebSocket shares its parser). */
  onHandshake(socket: net.Socket, bytes: Buffer): void;
}

/** What the server side of one session needs of its pool (ServerPool is one). */
export interface PoolSink {
  /** The pool's `max`. */
  readonly max: number;
  /** Pooled connections must come from this IP ('' = any). */
  readonly clientIp: string;
  /** True when another stream would be refused as `pool full`. */
  readonly full: boolean;
  /** Idle streams in the pool. */
  active(): number;
  /** Files a stream (assigns and writes its ID); returns why it was refused, or null. */
  offer(s: PooledStream): string | null;
}

/** What a client instance tells its transport for one session. */
export interface ClientContext {
  /** Resolves the tunnel address afresh (DNS cache) for every dial. */
  resolve(): Promise<{ host: string; port: number }>;
  /** The tunnel host and port as written in the URL (WebSocket URL and Host header; `443` = TLS proxy). */
  host: string;
  portText: string;
  /** `sni`: TLS server name, verified at tls=2. */
  serverName: string;
  /** NP_REPORT_INTERVAL: keep-alive period. */
  keepAliveMs: number;
  /** NP_HANDSHAKE_TIMEOUT. */
  handshakeTimeoutMs: number;
  /** NP_TCP_DIAL_TIMEOUT. */
  dialTimeoutMs: number;
  logger: TransportLogger;
}

/** The parts of the server's offer a client transport is built from. */
export interface ClientOffer {
  tls: 0 | 1 | 2;
  /** The server's pool `max`. */
  max: number;
}

/** A listener a transport owns beside the tunnel TCP port; it lives until the server stops. */
export interface OwnListener {
  /** Resolves once its port is free again (a restart on the same port must be able to bind it). */
  close(): Promise<void>;
}

/** One pool type: how its server and client sides are made. */
export interface TransportDescriptor<L extends OwnListener = OwnListener> {
  readonly type: PoolType;
  readonly kind: TransportKind;
  /** Whether pooled connections must come from the handshake's IP (spec §4.2: all but WebSocket). */
  readonly pinsClientIp: boolean;
  /** Why this transport cannot run on this platform, or null when it can. */
  unavailable(): string | null;
  /**
   * Transports with a listener of their own (QUIC: the UDP side of the tunnel port) bind it with
   * the tunnel's TCP listener, so a port in use fails the start and the first client packet finds
   * it ready. The server closes the handle when it stops (or its binds fail).
   */
  bind?(ctx: ServerContext): Promise<L>;
  /** The server side of one session; `listener` is what bind() returned (null without bind). */
  server(ctx: ServerContext, pool: PoolSink, listener: L | null): ServerTransport;
  client(ctx: ClientContext, offer: ClientOffer): ClientTransport;
}

/** Offers each stream to the pool, logging refusals (used by the transports that share the TCP port). */
export function offerTo(pool: PoolSink, logger: TransportLogger): StreamSink {
  return (s) => {
    const why = pool.offer(s);
    if (why) logger.debug(`Tunnel pool: refused ${s.remoteAddr}: ${why}`);
  };
}
