// Type 0: one TCP (tls=0) or TLS 1.3 (tls=1/2) connection per pooled stream (spec §5.2).

import type net from 'node:net';
import type { ServerTls } from '../tls/context';
import { clientTlsOptions } from '../tls/context';
import { dialTcp } from '../relay/dial';
import { joinHostPort, normaliseIp } from '../url/ip';
import { tlsClient, tlsServer } from './tls-socket';
import { offerTo, type ClientTransport, type PooledStream, type ServerTransport, type StreamSink, type TransportDescriptor } from './transport';

export interface TcpClientOptions {
  /** Resolves the tunnel address afresh (DNS cache) for every dial. */
  target: () => Promise<{ host: string; port: number }>;
  tls: 0 | 1 | 2;
  serverName: string;
  dialTimeoutMs: number;
  keepAliveMs: number;
}

export class TcpClientTransport implements ClientTransport {
  readonly kind = 'tcp';

  constructor(private readonly opts: TcpClientOptions) {}

  async open(): Promise<PooledStream> {
    const { host, port } = await this.opts.target();
    // Plain TCP streams read the fast way in the relay; TLS takes over the socket's reads itself.
    const sock = await dialTcp({ host, port, timeoutMs: this.opts.dialTimeoutMs, fastRead: this.opts.tls === 0 });
    sock.setKeepAlive(true, this.opts.keepAliveMs);
    const remoteIp = sock.remoteAddress ?? host;
    const remoteAddr = joinHostPort(normaliseIp(remoteIp), sock.remotePort ?? 0);
    if (this.opts.tls === 0) return { stream: sock, remoteIp, remoteAddr };
    const t = await tlsClient(sock, clientTlsOptions(this.opts.tls, this.opts.serverName), this.opts.dialTimeoutMs);
    return { stream: t, remoteIp, remoteAddr, peerCert: t.getPeerCertificate().raw };
  }

  reset(): void {}
  close(): void {}
}

export interface TcpServerOptions {
  tls: ServerTls | null;
  keepAliveMs: number;
  handshakeTimeoutMs: number;
  onStream: StreamSink;
  onError?: (err: Error) => void;
}

export class TcpServerTransport implements ServerTransport {
  readonly kind = 'tcp';
  private closed = false;

  constructor(private readonly opts: TcpServerOptions) {}

  /** At tls=0 pooled connections wait silently for their ID; with TLS they open with a ClientHello. */
  owns(head: Buffer | null): boolean {
    return this.opts.tls ? head !== null && head[0] === 0x16 : head === null;
  }

  takeSocket(socket: net.Socket, head: Buffer): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    socket.setKeepAlive(true, this.opts.keepAliveMs);
    socket.setNoDelay(true);
    const remoteIp = normaliseIp(socket.remoteAddress ?? '');
    const remoteAddr = joinHostPort(remoteIp, socket.remotePort ?? 0);
    if (!this.opts.tls) {
      if (head.length > 0) socket.unshift(head);
      this.opts.onStream({ stream: socket, remoteIp, remoteAddr });
      return;
    }
    tlsServer(socket, head, this.opts.tls, this.opts.handshakeTimeoutMs).then(
      (t) => {
        if (this.closed) t.destroy();
        else this.opts.onStream({ stream: t, remoteIp, remoteAddr });
      },
      (e: Error) => {
        socket.destroy();
        this.opts.onError?.(e);
      },
    );
  }

  close(): void {
    this.closed = true;
  }
}

export const tcpTransport: TransportDescriptor = {
  type: 0,
  kind: 'tcp',
  pinsClientIp: true,
  unavailable: () => null,
  server: (ctx, pool) =>
    new TcpServerTransport({
      tls: ctx.tls,
      keepAliveMs: ctx.keepAliveMs,
      handshakeTimeoutMs: ctx.handshakeTimeoutMs,
      onStream: offerTo(pool, ctx.logger),
      onError: (e) => ctx.logger.debug(`Tunnel pool: ${e.message}`),
    }),
  client: (ctx, offer) =>
    new TcpClientTransport({
      target: ctx.resolve,
      tls: offer.tls,
      serverName: ctx.serverName,
      dialTimeoutMs: ctx.dialTimeoutMs,
      keepAliveMs: ctx.keepAliveMs,
    }),
};
