// One interface for every pool transport (spec §5): TCP/TLS (type 0), QUIC (1), WebSocket (2) and
// HTTP/2 (3). A transport only moves bytes and says who is on the other end; IDs, idle store,
// adaptation and pinning live in pool.ts, the same for all of them.

import type { Duplex } from 'node:stream';
import type net from 'node:net';

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
  readonly kind: 'tcp' | 'quic' | 'ws' | 'h2';
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
 * Server side: turns raw sockets accepted on the tunnel TCP port (or its own UDP socket for QUIC)
 * into pooled streams, handing each to `onStream` before its ID is written.
 */
export interface ServerTransport {
  readonly kind: 'tcp' | 'quic' | 'ws' | 'h2';
  /**
   * A socket the port router decided belongs to the pool; `head` holds bytes already read from it.
   * QUIC takes no TCP sockets (it listens on UDP itself).
   */
  takeSocket(socket: net.Socket, head: Buffer): void;
  close(): void;
}

export type StreamSink = (s: PooledStream) => void;

/**
 * Loads the module of a pool type whose transport is registered on first use (register.ts), so
 * a process never pays at start-up for the libraries of transports it does not use. Resolves at
 * once for types that need nothing loaded.
 */
export const transportLoader: { load: (type: number) => Promise<void> } = { load: () => Promise.resolve() };
