// Type 3, client side: pooled streams as `POST /stream` requests on one HTTP/2 connection per pool,
// which is checked with a PING when it has been quiet and replaced when a PING goes unanswered.
// A non-200 answer is refused, not read as an ID.

import http2 from 'node:http2';
import type tls from 'node:tls';
import { clientTlsOptions } from '../tls/context';
import { dialTcp } from '../relay/dial';
import { joinHostPort, normaliseIp } from '../url/ip';
import { cancelBeforeDestroy, localSettings, SESSION_MEMORY_MB, streamLimit, widenWindow } from './h2-settings';
import { closeOnEnd, tlsClient } from './tls-socket';
import type { ClientTransport, PooledStream } from './transport';

const OPENER = Buffer.from([0x00]);
/** A connection that answered a PING this recently is used without asking again. */
const FRESH_MS = 1000;

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
    cancelBeforeDestroy(req);
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
