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

import http2 from 'node:http2';
import type net from 'node:net';
import type tls from 'node:tls';
import type { ServerTls } from '../tls/context';
import { clientTlsOptions } from '../tls/context';
import { dialTcp } from '../relay/dial';
import { joinHostPort, normaliseIp } from '../url/ip';
import { closeOnEnd, tlsClient, tlsServer } from './tls-socket';
import { offerTo, type ClientTransport, type PooledStream, type ServerTransport, type StreamSink, type TransportDescriptor } from './transport';

const OPENER = Buffer.from([0x00]);

/** Per-stream receive window: a bulk stream never waits on WINDOW_UPDATE round trips. */
const STREAM_WINDOW = 4 * 1024 * 1024;
/** Connection receive window, shared by all streams of the pool. */
const CONNECTION_WINDOW = 32 * 1024 * 1024;
/** Largest DATA frame we accept (the peer may send up to this; fewer frames per byte). */
const MAX_FRAME = 256 * 1024;
/** nghttp2's memory cap for one connection, in MB (windows above must fit with room to spare). */
const SESSION_MEMORY_MB = 128;
/** A connection that answered a PING this recently is used without asking again. */
const FRESH_MS = 1000;

/**
 * Streams allowed at once on one connection. NodePass advertises `max`, which also caps streams
 * busy relaying; here idle streams are capped by the pool (404 when full) and busy ones by `slot`,
 * so the connection itself allows `max` plus the default slot limit.
 */
export function streamLimit(max: number): number {
  return Math.min(2 ** 31 - 1, Math.max(1, max) + 65536);
}

function localSettings(maxStreams: number): http2.Settings {
  return {
    enablePush: false,
    initialWindowSize: STREAM_WINDOW,
    maxFrameSize: MAX_FRAME,
    maxConcurrentStreams: streamLimit(maxStreams),
  };
}

function widenWindow(session: http2.Http2Session): void {
  try {
    session.setLocalWindowSize(CONNECTION_WINDOW);
  } catch {
    // The session is already closing; nothing to widen.
  }
}

// ---- server ----

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

// ---- client ----

export interface H2ClientOptions {
  /** Resolves the tunnel address afresh (DNS cache) for every dial. */
  target: () => Promise<{ host: string; port: number }>;
  /** 1 (no verification) or 2 (chain and name); type 3 never runs without TLS. */
  tls: 1 | 2;
  /** `:authority` of every request and the name verified at tls=2. */
  serverName: string;
  dialTimeoutMs: number;
  /** PING period (NP_REPORT_INTERVAL) and TCP keep-alive. */
  keepAliveMs: number;
  /** How long a PING or a stream's response headers may take. */
  replyTimeoutMs: number;
  /** The server's `max`, until its SETTINGS say otherwise. */
  maxStreams: number;
  onError?: (err: Error) => void;
}

interface H2Conn {
  session: http2.ClientHttp2Session;
  remoteIp: string;
  remoteAddr: string;
  peerCert: Buffer;
  checkedAt: number;
  ping: Promise<boolean> | null;
}

export class H2ClientTransport implements ClientTransport {
  readonly kind = 'h2';
  /** The connection being dialled or in use; `current` once it is up. */
  private conn: Promise<H2Conn> | null = null;
  private current: H2Conn | null = null;
  private closed = false;
  private readonly timer: NodeJS.Timeout;
  private readonly authority: string;

  constructor(private readonly opts: H2ClientOptions) {
    let authority = 'https://none';
    try {
      authority = new URL(`https://${opts.serverName}`).origin;
    } catch {
      // A name that is no URL host still goes out verbatim as :authority below.
    }
    this.authority = authority;
    this.timer = setInterval(() => void this.keepAlive(), Math.max(1, opts.keepAliveMs));
    this.timer.unref();
  }

  async open(): Promise<PooledStream> {
    if (this.closed) throw new Error('HTTP/2 pool closed');
    const c = await this.connection();
    let req: http2.ClientHttp2Stream;
    try {
      req = c.session.request(
        { ':method': 'POST', ':path': '/stream', ':scheme': 'https', ':authority': this.opts.serverName },
        { endStream: false },
      );
    } catch (e) {
      this.drop(c);
      throw new Error(`HTTP/2 stream: ${(e as Error).message}`);
    }
    req.on('error', () => {});
    req.write(OPENER);
    const status = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        req.close(http2.constants.NGHTTP2_CANCEL);
        reject(new Error(`HTTP/2 stream: no response within ${this.opts.replyTimeoutMs}ms`));
      }, this.opts.replyTimeoutMs);
      req.once('response', (h) => {
        clearTimeout(timer);
        req.off('close', onClose);
        resolve(Number(h[':status']));
      });
      const onClose = () => {
        clearTimeout(timer);
        reject(new Error(`HTTP/2 stream: closed before a response (code ${req.rstCode ?? 'none'})`));
      };
      req.once('close', onClose);
    });
    if (status !== 200) {
      const body = await readSome(req, 256, this.opts.replyTimeoutMs);
      req.close(http2.constants.NGHTTP2_CANCEL);
      throw new Error(`HTTP/2 stream refused: ${status} ${body.trim()}`.trimEnd());
    }
    return { stream: req, remoteIp: c.remoteIp, remoteAddr: c.remoteAddr, peerCert: c.peerCert };
  }

  /** The pool's connection, checked with a PING when it has been quiet; dials when there is none. */
  private async connection(): Promise<H2Conn> {
    for (let attempt = 0; ; attempt++) {
      const p = this.conn ?? (this.conn = this.dial());
      let c: H2Conn;
      try {
        c = await p;
      } catch (e) {
        if (this.conn === p) this.conn = null;
        throw e;
      }
      if (usable(c) && (await this.alive(c))) return c;
      this.drop(c);
      if (attempt >= 2) throw new Error('HTTP/2 connection: unusable right after it was made');
    }
  }

  private alive(c: H2Conn): Promise<boolean> {
    if (Date.now() - c.checkedAt < FRESH_MS) return Promise.resolve(true);
    c.ping ??= this.ping(c).finally(() => (c.ping = null));
    return c.ping;
  }

  private ping(c: H2Conn): Promise<boolean> {
    return new Promise((resolve) => {
      if (!usable(c)) return resolve(false);
      const timer = setTimeout(() => resolve(false), this.opts.replyTimeoutMs);
      const sent = c.session.ping((err) => {
        clearTimeout(timer);
        if (!err) c.checkedAt = Date.now();
        resolve(!err);
      });
      if (!sent) {
        clearTimeout(timer);
        resolve(false);
      }
    });
  }

  private async keepAlive(): Promise<void> {
    const c = this.current;
    if (!c || !usable(c)) return;
    c.ping ??= this.ping(c).finally(() => (c.ping = null));
    if (!(await c.ping)) {
      this.opts.onError?.(new Error('HTTP/2 connection: PING unanswered, dropping it'));
      this.drop(c);
    }
  }

  /** Forgets a connection (the next open dials afresh) and closes it. */
  private drop(c: H2Conn): void {
    if (this.current === c) {
      this.current = null;
      this.conn = null;
    }
    c.session.destroy();
  }

  private async dial(): Promise<H2Conn> {
    const { host, port } = await this.opts.target();
    const sock = await dialTcp({ host, port, timeoutMs: this.opts.dialTimeoutMs });
    sock.setKeepAlive(true, this.opts.keepAliveMs);
    const remoteIp = normaliseIp(sock.remoteAddress ?? host);
    const remoteAddr = joinHostPort(remoteIp, sock.remotePort ?? 0);
    const t: tls.TLSSocket = await tlsClient(sock, clientTlsOptions(this.opts.tls, this.opts.serverName, ['h2']), this.opts.dialTimeoutMs);
    closeOnEnd(t, sock);
    if (t.alpnProtocol !== 'h2') {
      t.destroy();
      throw new Error(`HTTP/2 connection: server chose ALPN ${t.alpnProtocol || 'none'} instead of h2`);
    }
    const peerCert = t.getPeerCertificate().raw;
    const session = http2.connect(this.authority, {
      createConnection: () => t,
      settings: localSettings(this.opts.maxStreams),
      peerMaxConcurrentStreams: streamLimit(this.opts.maxStreams),
      maxSessionMemory: SESSION_MEMORY_MB,
    });
    session.on('error', (e) => this.opts.onError?.(new Error(`HTTP/2 connection: ${e.message}`)));
    await new Promise<void>((resolve, reject) => {
      const onClose = () => reject(new Error('HTTP/2 connection closed during set-up'));
      session.once('connect', () => {
        session.off('close', onClose);
        resolve();
      });
      session.once('close', onClose);
    });
    widenWindow(session);
    const c: H2Conn = { session, remoteIp, remoteAddr, peerCert, checkedAt: Date.now(), ping: null };
    if (this.closed) session.destroy();
    else {
      this.current = c;
      // A connection that goes away takes its idle streams with it; the next open dials again.
      session.once('close', () => {
        if (this.current === c) {
          this.current = null;
          this.conn = null;
        }
      });
    }
    return c;
  }

  reset(): void {
    if (this.current) this.drop(this.current);
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    const p = this.conn;
    this.conn = null;
    this.current = null;
    // Graceful: streams still relaying finish; the pool already closed the idle ones.
    void p?.then(
      (c) => c.session.close(),
      () => {},
    );
  }
}

function usable(c: H2Conn): boolean {
  return !c.session.closed && !c.session.destroyed;
}

/** Reads up to `max` bytes of a refused stream's body for the error message. */
function readSome(stream: http2.ClientHttp2Stream, max: number, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const done = () => {
      clearTimeout(timer);
      stream.off('data', onData);
      resolve(text);
    };
    const onData = (d: Buffer) => {
      text += d.toString('utf8');
      if (text.length >= max) done();
    };
    const timer = setTimeout(done, Math.min(timeoutMs, 1000));
    stream.on('data', onData);
    stream.once('end', done);
    stream.once('close', done);
  });
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
