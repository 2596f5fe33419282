// The HTTP/2 pool (type 3) of v1.14, client side (Go: nph2 v1.0.4 ClientManager/createStream).
//
// observed (a Node HTTP/2 server in place of the Go server, the Go client at tls=1): one TLS
// connection, no SNI, ALPN h2; per pooled stream a request with the headers
//   :method POST, :path /stream, :scheme https, :authority none (the `sni` / host name),
//   accept-encoding gzip, user-agent Go-http-client/2.0
// and no end of stream; its body starts with one 0x00 byte; the client then waits for the
// response headers and reads 4 bytes of the response body as the ID. A PING every report interval,
// and one before each refill round that opens streams (a failed PING: a new connection).
// observed (our server before commit c5cbdd0, type=3, tls=1): the Go client logged
// `outgoingVerify: request timeout: OutgoingGet: stream not found` and restarted in 12 of 13
// sessions — the stream named in `verify` had been reset before its ID reached the client. This
// peer, whose frames leave with a timing of Node's, meets the same fate in about a third of them.
// observed (Go server + Go client, type=3): both sides sometimes name the same stream in their
// `verify` (sent within the same millisecond) and both cancel, `stream not found` (1 in 6).
// observed: the control stream's read deadline is set on the shared TLS connection (Go's
// StreamConn.SetReadDeadline), so 3 report intervals without a frame end the whole connection.

import http2 from 'node:http2';
import type net from 'node:net';
import type tls from 'node:tls';
import { addr, GoConn } from './conn';
import type { Context } from './go';
import { ID_READ_TIMEOUT_MS } from './pool';
import { IdleStore } from './store';
import { clientHandshake, type ClientTlsConfig } from './tls';

/** Between a stream's frames, and between streams: one write each, as Go's goroutines make them. */
const FRAME_GAP_MS = 1;

export interface H2ClientConfig {
  minCap: number;
  maxCap: number;
  minIvlMs: number;
  maxIvlMs: number;
  keepAliveMs: number;
  /** tls=2 verifies the name; otherwise (tls 0 or 1: type 3 always runs TLS) nothing is checked. */
  tls: ClientTlsConfig;
  /** :authority (Go: the pool's hostname, `none` for an IP tunnel without `sni`). */
  authority: string;
  dial: () => Promise<net.Socket>;
}

export class H2ClientPool extends IdleStore {
  protected readonly notFound = 'stream not found';
  protected readonly insufficient = 'insufficient streams';
  private session: http2.ClientHttp2Session | null = null;
  private tlsSock: tls.TLSSocket | null = null;

  constructor(
    private readonly cfg: H2ClientConfig,
    parent: Context,
  ) {
    super(Math.max(cfg.maxCap, cfg.minCap), parent);
  }

  /** ClientManager: keep-alive PINGs, and refill rounds that first make sure of the connection. */
  clientManager(): Promise<void> {
    const keepAlive = setInterval(() => this.session?.ping(() => {}), this.cfg.keepAliveMs);
    this.ctx.signal.addEventListener('abort', () => clearInterval(keepAlive), { once: true });
    return this.refillRounds(
      { minCap: this.cfg.minCap, minIvlMs: this.cfg.minIvlMs, maxIvlMs: this.cfg.maxIvlMs },
      () => this.createStream(),
      () => this.establishConnection(),
    );
  }

  private ping(s: http2.ClientHttp2Session): Promise<boolean> {
    return new Promise((resolve) => {
      if (s.destroyed || s.closed || !s.ping((err) => resolve(!err))) resolve(false);
    });
  }

  /** The existing connection if it answers a PING, else a new TLS + HTTP/2 connection. */
  private async establishConnection(): Promise<boolean> {
    if (this.session && (await this.ping(this.session))) return true;
    this.session = null;
    let sock: tls.TLSSocket;
    try {
      sock = await clientHandshake(await this.cfg.dial(), { ...this.cfg.tls, alpn: ['h2'] });
    } catch {
      return false;
    }
    if (this.ctx.err) {
      sock.destroy();
      return false;
    }
    const session = http2.connect(`https://${this.cfg.authority}`, { createConnection: () => sock });
    session.on('error', () => {});
    this.session = session;
    this.tlsSock = sock;
    return true;
  }

  /** Each stream's frames leave after the previous stream's (see createStream). */
  private sending: Promise<void> = Promise.resolve();

  private async createStream(): Promise<boolean> {
    // Go's goroutines write each stream's HEADERS and its 0x00 DATA frame in writes of their own,
    // stream after stream (observed: 207 writes of 32–37 bytes over ~60 ms for a round of 64);
    // Node would send a whole round in one write. Space them out the same way.
    const turn = this.sending;
    let done!: () => void;
    this.sending = new Promise((r) => (done = r));
    await turn;
    const session = this.session;
    const sock = this.tlsSock;
    if (!session || !sock || session.destroyed) {
      done();
      return false;
    }
    let req: http2.ClientHttp2Stream;
    try {
      req = session.request(
        { ':method': 'POST', ':path': '/stream', ':scheme': 'https', ':authority': this.cfg.authority, 'accept-encoding': 'gzip', 'user-agent': 'Go-http-client/2.0' },
        { endStream: false },
      );
    } catch {
      done();
      return false;
    }
    req.on('error', () => {});
    const conn = new GoConn(req, 'h2', {
      localAddr: addr(sock.localAddress, sock.localPort),
      remoteAddr: addr(sock.remoteAddress, sock.remotePort),
      peerCert: () => sock.getPeerCertificate()?.raw ?? null,
    });
    await new Promise((r) => setTimeout(r, FRAME_GAP_MS));
    req.write(Buffer.from([0]));
    setTimeout(done, FRAME_GAP_MS);
    const answered = await new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(false), ID_READ_TIMEOUT_MS);
      req.once('response', () => {
        clearTimeout(t);
        resolve(true);
      });
      req.once('close', () => {
        clearTimeout(t);
        resolve(false);
      });
    });
    if (!answered) {
      conn.close();
      return false;
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

  /** Streams are handed out only while the pool has its connection. */
  protected override handOut(conn: GoConn): GoConn | null {
    return this.session ? conn : null;
  }

  /** Close: every idle stream is reset (CANCEL), then the TLS connection is closed. */
  override close(): void {
    super.close();
    const sock = this.tlsSock;
    this.session?.destroy();
    sock?.destroy();
    this.session = null;
    this.tlsSock = null;
  }
}
