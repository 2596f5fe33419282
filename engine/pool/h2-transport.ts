// Type 3: HTTP/2 streams over one TLS connection per pool (spec §5.5). ALPN `h2`; each pooled
// stream is `POST https://<serverName>/stream` whose request body starts with a `0x00` opener and
// whose response body starts with the 4 ID bytes. Client→server bytes are the request body,
// server→client bytes the response body; ending either body is the FIN of that direction. The
// server answers 403 `unauthorized` to a stream from another IP than the handshake's, and 404
// `not found` to anything but `POST /stream` or when the pool is full.
//
// Better than NodePass: the client refuses a non-200 answer instead of reading its body as an ID,
// a PING that goes unanswered drops the connection (its idle streams are refilled on a new one),
// and flow-control windows are sized for bulk transfer rather than HTTP/2's 64 KiB default.
//
// This file: the server side and the descriptor; the client side is h2-client.ts, the settings
// both use h2-settings.ts.

import http2 from 'node:http2';
import type net from 'node:net';
import type tls from 'node:tls';
import type { ServerTls } from '../tls/context';
import { joinHostPort, normaliseIp } from '../url/ip';
import { H2ClientTransport } from './h2-client';
import { cancelBeforeDestroy, localSettings, SESSION_MEMORY_MB, streamLimit, widenWindow } from './h2-settings';
import { closeOnEnd, tlsServer } from './tls-socket';
import { offerTo, type ServerTransport, type StreamSink, type TransportDescriptor } from './transport';

export interface H2ServerOptions {
  tls: ServerTls;
  keepAliveMs: number;
  handshakeTimeoutMs: number;
  /** The pool's `max` (see streamLimit). */
  maxStreams: number;
  /** The handshake's client IP, '' for any. */
  clientIp: () => string;
  full: () => boolean;
  onStream: StreamSink;
  onError?: (err: Error) => void;
}

export class H2ServerTransport implements ServerTransport {
  readonly kind = 'h2';
  private closed = false;
  private readonly sessions = new Set<http2.ServerHttp2Session>();
  /** Never listens: sessions are handed TLS sockets the tunnel port accepted. */
  private readonly h2: http2.Http2Server;

  constructor(private readonly opts: H2ServerOptions) {
    this.h2 = http2.createServer({
      settings: localSettings(opts.maxStreams),
      maxSessionMemory: SESSION_MEMORY_MB,
      peerMaxConcurrentStreams: streamLimit(opts.maxStreams),
    });
    this.h2.on('session', (session) => {
      this.sessions.add(session);
      session.once('close', () => this.sessions.delete(session));
      session.once('connect', () => widenWindow(session));
      session.on('error', (e) => this.opts.onError?.(new Error(`HTTP/2 connection: ${e.message}`)));
    });
    this.h2.on('sessionError', () => {});
    this.h2.on('stream', (stream, headers) => this.onRequest(stream, headers));
  }

  /** Pooled connections open with a TLS ClientHello. */
  owns(head: Buffer | null): boolean {
    return head !== null && head[0] === 0x16;
  }

  takeSocket(socket: net.Socket, head: Buffer): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    socket.setKeepAlive(true, this.opts.keepAliveMs);
    socket.setNoDelay(true);
    const peer = joinHostPort(normaliseIp(socket.remoteAddress ?? ''), socket.remotePort ?? 0);
    tlsServer(socket, head, this.opts.tls, this.opts.handshakeTimeoutMs, ['h2']).then(
      (t) => {
        closeOnEnd(t, socket);
        if (this.closed) {
          t.destroy();
          return;
        }
        if (t.alpnProtocol !== 'h2') {
          t.destroy();
          this.opts.onError?.(new Error(`${peer}: closed: ALPN ${t.alpnProtocol || 'none'} instead of h2`));
          return;
        }
        // A TLSSocket made outside a tls.Server never clears this flag, and http2 would wait for
        // a 'secureConnect' that servers do not emit.
        (t as tls.TLSSocket & { secureConnecting: boolean }).secureConnecting = false;
        this.h2.emit('connection', t);
      },
      (e: Error) => {
        socket.destroy();
        this.opts.onError?.(new Error(`${peer}: ${e.message}`));
      },
    );
  }

  private onRequest(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
    cancelBeforeDestroy(stream);
    stream.on('error', () => {});
    const sock = stream.session?.socket;
    const remoteIp = normaliseIp(sock?.remoteAddress ?? '');
    const remoteAddr = joinHostPort(remoteIp, sock?.remotePort ?? 0);
    const pinned = this.opts.clientIp();
    if (pinned !== '' && remoteIp !== pinned) {
      this.opts.onError?.(new Error(`${remoteAddr}: refused: unauthorized IP (pinned to ${pinned})`));
      refuseStream(stream, 403, 'unauthorized\n');
      return;
    }
    const path = String(headers[':path'] ?? '').split('?')[0];
    if (this.closed || path !== '/stream' || headers[':method'] !== 'POST' || this.opts.full()) {
      refuseStream(stream, 404, 'not found\n');
      return;
    }
    // The first body byte (0x00) only announces the stream; the rest, if any, is payload.
    const timer = setTimeout(() => stream.close(http2.constants.NGHTTP2_CANCEL), this.opts.handshakeTimeoutMs);
    const onData = (chunk: Buffer) => {
      cleanup();
      stream.pause();
      if (chunk.length > 1) stream.unshift(chunk.subarray(1));
      if (this.closed) {
        stream.close(http2.constants.NGHTTP2_CANCEL);
        return;
      }
      stream.respond({ ':status': 200 });
      this.opts.onStream({ stream, remoteIp, remoteAddr });
    };
    const onGone = () => {
      cleanup();
      stream.destroy();
    };
    const cleanup = () => {
      clearTimeout(timer);
      stream.off('data', onData);
      stream.off('end', onGone);
      stream.off('close', onGone);
    };
    stream.on('data', onData);
    stream.once('end', onGone);
    stream.once('close', onGone);
  }

  close(): void {
    this.closed = true;
    // Graceful: GOAWAY, streams already relaying finish; idle ones are closed by the pool.
    for (const s of this.sessions) s.close();
  }
}

function refuseStream(stream: http2.ServerHttp2Stream, status: number, body: string): void {
  if (stream.destroyed || stream.headersSent) return;
  stream.respond({ ':status': status, 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' });
  stream.end(body);
  stream.resume(); // discard whatever the client still sends
}

export const h2Transport: TransportDescriptor = {
  type: 3,
  kind: 'h2',
  pinsClientIp: true,
  unavailable: () => null,
  server: (ctx, pool) => {
    if (!ctx.tls) throw new Error('HTTP/2 pool needs TLS (tls=1 or 2)');
    return new H2ServerTransport({
      tls: ctx.tls,
      keepAliveMs: ctx.keepAliveMs,
      handshakeTimeoutMs: ctx.handshakeTimeoutMs,
      maxStreams: pool.max,
      clientIp: () => pool.clientIp,
      full: () => pool.full,
      onStream: offerTo(pool, ctx.logger),
      onError: (e) => ctx.logger.debug(`Tunnel pool: ${e.message}`),
    });
  },
  client: (ctx, offer) =>
    new H2ClientTransport({
      target: ctx.resolve,
      // A v1.14 server promotes type 3 to TLS, so tls=0 cannot come from one; treat it as 1.
      tls: offer.tls === 2 ? 2 : 1,
      serverName: ctx.serverName,
      dialTimeoutMs: ctx.dialTimeoutMs,
      keepAliveMs: ctx.keepAliveMs,
      replyTimeoutMs: Math.max(ctx.handshakeTimeoutMs, 5000),
      maxStreams: Math.max(1, offer.max),
      onError: (e) => ctx.logger.debug(`Tunnel pool: ${e.message}`),
    }),
};
