// Type 0: one TCP (tls=0) or TLS 1.3 (tls=1/2) connection per pooled stream (spec §5.2).

import net from 'node:net';
import tls from 'node:tls';
import type { ClientTransport, PooledStream, ServerTransport, StreamSink } from './transport';
import type { ServerTls } from '../tls/context';
import { clientTlsOptions } from '../tls/context';
import { dialTcp } from '../relay/dial';
import { joinHostPort } from '../url/ip';

export interface TcpClientOptions {
  /** Resolves the tunnel address afresh (DNS cache) for every dial. */
  target: () => Promise<{ host: string; port: number }>;
  tls: 0 | 1 | 2;
  serverName: string;
  dialTimeoutMs: number;
  keepAliveMs: number;
}

/** Wraps a connected socket in a TLS client and waits for the handshake. */
export function tlsClient(socket: net.Socket, options: tls.ConnectionOptions, timeoutMs: number): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ ...options, socket });
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`TLS handshake timeout after ${timeoutMs}ms`));
    }, timeoutMs);
    s.once('secureConnect', () => {
      clearTimeout(timer);
      s.removeAllListeners('error');
      s.on('error', () => {});
      resolve(s);
    });
    s.once('error', (e) => {
      clearTimeout(timer);
      s.destroy();
      socket.destroy();
      reject(new Error(`TLS handshake: ${e.message}`));
    });
  });
}

/**
 * For protocols framed above TLS (WebSocket, HTTP/2) the peer's FIN ends the connection. Over an
 * allowHalfOpen TCP socket (as dialTcp and the tunnel listener make them) the TLS socket would
 * stay half-open and never emit 'close', which is what ws and http2 wait for.
 */
export function closeOnEnd(t: tls.TLSSocket, raw: net.Socket): void {
  t.once('end', () => {
    t.destroy();
    raw.destroy();
  });
  t.once('close', () => raw.destroy());
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

/** Wraps an accepted socket in a TLS server (bytes already read are replayed into it). */
export function tlsServer(
  socket: net.Socket,
  head: Buffer,
  serverTls: ServerTls,
  timeoutMs: number,
  alpn?: string[],
): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    if (head.length > 0) socket.unshift(head);
    const s = new tls.TLSSocket(socket, {
      isServer: true,
      secureContext: serverTls.context(),
      ALPNProtocols: alpn,
    });
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`TLS handshake timeout after ${timeoutMs}ms`));
    }, timeoutMs);
    s.once('secure', () => {
      clearTimeout(timer);
      s.removeAllListeners('error');
      s.on('error', () => {});
      resolve(s);
    });
    s.once('error', (e) => {
      clearTimeout(timer);
      s.destroy();
      reject(new Error(`TLS handshake: ${e.message}`));
    });
  });
}

export class TcpServerTransport implements ServerTransport {
  readonly kind = 'tcp';
  private closed = false;

  constructor(private readonly opts: TcpServerOptions) {}

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

/** `::ffff:1.2.3.4` → `1.2.3.4`, so pinning compares what Go would. */
export function normaliseIp(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}
