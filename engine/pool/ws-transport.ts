// Type 2: one WebSocket per pooled stream (spec §5.4). Binary messages, no compression, any path,
// `ws://` at tls=0 and `wss://` at tls 1/2 (or when the tunnel port is 443). The server sends the
// 4 ID bytes as one message; afterwards every write is one message and messages are read as one
// byte stream. No client-IP pinning: this pool is meant to pass proxies and CDNs.
//
// Better than NodePass: two NodePass Desktop peers agree on an upgrade header to mark the end of
// one direction with an empty binary message, so a half-closed TCP session keeps flowing the other
// way (a close frame ends both). With a Go peer `end()` sends a close frame, as coder/websocket does.
// The stream itself is ws-stream.ts.

import type { IncomingMessage } from 'node:http';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import type tls from 'node:tls';
import WebSocket, { WebSocketServer } from 'ws';
import type { ServerTls } from '../tls/context';
import { clientTlsOptions } from '../tls/context';
import { dialTcp } from '../relay/dial';
import { isIP, joinHostPort, normaliseIp } from '../url/ip';
import { buildResponse, FEATURES_HEADER, parseHead, type HttpHead } from '../wire/http';
import { closeOnEnd, tlsClient, tlsServer } from './tls-socket';
import { offerTo, type ClientTransport, type PooledStream, type ServerTransport, type StreamSink, type TransportDescriptor } from './transport';
import { wantsEof, WS_FEATURE_EOF, WS_MAX_PAYLOAD, WsStream } from './ws-stream';

export interface WsServerOptions {
  /** TLS config at tls 1/2 (then only `wss://` is served), null at tls=0. */
  tls: ServerTls | null;
  keepAliveMs: number;
  /** Bounds the TLS handshake and the HTTP request head. */
  handshakeTimeoutMs: number;
  /** True when the pool holds `max` idle streams: the upgrade is refused with 503 `pool full`. */
  full: () => boolean;
  onStream: StreamSink;
  /** A plain HTTP request that is not an upgrade: the tunnel handshake of a (re)connecting client. */
  onHandshake: (socket: net.Socket, bytes: Buffer) => void;
  onError?: (err: Error) => void;
}

type RequestRead = { ok: true; head: HttpHead; raw: Buffer } | { ok: false; error: string };

/** Reads one HTTP request head from a paused socket, keeping every byte read. */
function readRequest(sock: Duplex, initial: Buffer | null, timeoutMs: number): Promise<RequestRead> {
  return new Promise((resolve) => {
    let buf = initial ?? Buffer.alloc(0);
    const done = (r: RequestRead) => {
      clearTimeout(timer);
      sock.off('data', onData);
      sock.off('end', onEnd);
      sock.off('error', onErr);
      sock.pause();
      resolve(r);
    };
    const check = (): boolean => {
      const r = parseHead(buf, 'request');
      if (r.state === 'done') done({ ok: true, head: r.head, raw: buf });
      else if (r.state === 'error') done({ ok: false, error: r.error });
      return r.state !== 'partial';
    };
    const onData = (c: Buffer) => {
      buf = buf.length === 0 ? c : Buffer.concat([buf, c]);
      check();
    };
    const onEnd = () => done({ ok: false, error: 'connection closed mid-request' });
    const onErr = (e: Error) => done({ ok: false, error: e.message });
    const timer = setTimeout(() => done({ ok: false, error: `no complete request within ${timeoutMs}ms` }), timeoutMs);
    if (buf.length > 0 && check()) return;
    sock.on('data', onData);
    sock.once('end', onEnd);
    sock.once('error', onErr);
    sock.resume();
  });
}

function reply(sock: Duplex, status: number, body: string): void {
  sock.end(buildResponse(status, body));
  const t = setTimeout(() => sock.destroy(), 1000);
  t.unref();
  sock.once('close', () => clearTimeout(t));
}

export class WsServerTransport implements ServerTransport {
  readonly kind = 'ws';
  private closed = false;
  private readonly wss: WebSocketServer;

  constructor(private readonly opts: WsServerOptions) {
    this.wss = new WebSocketServer({
      noServer: true,
      perMessageDeflate: false,
      clientTracking: false,
      maxPayload: WS_MAX_PAYLOAD,
    });
    this.wss.on('headers', (headers, req) => {
      if (wantsEof(req.headers)) headers.push(`${FEATURES_HEADER}: ${WS_FEATURE_EOF}`);
    });
  }

  /**
   * Every socket that says something: TLS, an upgrade, or a plain request that is a client's new
   * tunnel handshake (handed back through onHandshake once its head is read).
   */
  owns(head: Buffer | null): boolean {
    return head !== null;
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
    if (head.length > 0 && head[0] === 0x16) {
      if (!this.opts.tls) {
        socket.destroy();
        this.opts.onError?.(new Error(`${remoteAddr}: TLS offered to a plain ws:// tunnel`));
        return;
      }
      tlsServer(socket, head, this.opts.tls, this.opts.handshakeTimeoutMs).then(
        (t) => {
          closeOnEnd(t, socket);
          void this.serveRequest(t, socket, null, true, remoteIp, remoteAddr);
        },
        (e: Error) => {
          socket.destroy();
          this.opts.onError?.(new Error(`${remoteAddr}: ${e.message}`));
        },
      );
      return;
    }
    void this.serveRequest(socket, socket, head, false, remoteIp, remoteAddr);
  }

  private async serveRequest(
    sock: net.Socket,
    raw: net.Socket,
    initial: Buffer | null,
    secure: boolean,
    remoteIp: string,
    remoteAddr: string,
  ): Promise<void> {
    const r = await readRequest(sock, initial, this.opts.handshakeTimeoutMs);
    if (!r.ok) {
      this.opts.onError?.(new Error(`${remoteAddr}: ${r.error}`));
      if (!sock.destroyed) reply(sock, 400, 'Bad Request\n');
      return;
    }
    const { head } = r;
    if ((head.headers.get('upgrade') ?? '').toLowerCase() !== 'websocket') {
      // The handshake is always plain HTTP; inside TLS only upgrades make sense.
      if (secure) reply(sock, 426, 'Upgrade Required\n');
      else this.opts.onHandshake(sock, r.raw);
      return;
    }
    if (!secure && this.opts.tls) {
      reply(sock, 400, 'Client sent an HTTP request to an HTTPS server.\n');
      return;
    }
    if (this.closed) {
      sock.destroy();
      return;
    }
    if (this.opts.full()) {
      reply(sock, 503, 'pool full\n');
      return;
    }
    const headers: Record<string, string> = Object.fromEntries(head.headers);
    const req = { method: head.first, url: head.second, headers, socket: sock } as unknown as IncomingMessage;
    this.wss.handleUpgrade(req, sock, head.rest, (ws) => {
      if (this.closed) {
        ws.terminate();
        raw.destroy();
        return;
      }
      this.opts.onStream({ stream: new WsStream(ws, sock, wantsEof(headers)), remoteIp, remoteAddr });
      // readRequest paused the socket, and a 'data' listener does not undo an explicit pause.
      sock.resume();
    });
  }

  close(): void {
    this.closed = true;
  }
}

// ---- client ----

export interface WsClientOptions {
  /** Resolves the tunnel address afresh (DNS cache) for every dial. */
  target: () => Promise<{ host: string; port: number }>;
  /** The tunnel host and port as written in the URL (for the ws URL, Host header and TLS name). */
  host: string;
  port: string;
  tls: 0 | 1 | 2;
  dialTimeoutMs: number;
  /** Deadline for the HTTP upgrade. */
  handshakeTimeoutMs: number;
  keepAliveMs: number;
}

export class WsClientTransport implements ClientTransport {
  readonly kind = 'ws';
  private readonly secure: boolean;
  private readonly url: string;
  private readonly hostHeader: string;
  private readonly tlsOptions: tls.ConnectionOptions | null;

  constructor(private readonly opts: WsClientOptions) {
    const { host, port } = opts;
    // Port 443 means a TLS-terminating proxy in front of a tls=0 server: wss with real verification.
    this.secure = opts.tls !== 0 || port === '443';
    const hostPort = joinHostPort(host, port);
    this.url = `${this.secure ? 'wss' : 'ws'}://${hostPort}/`;
    this.hostHeader = isIP(host) === 6 ? `[${host}]` : host;
    if (!this.secure) this.tlsOptions = null;
    else if (opts.tls === 1) {
      // No verification (the `verify` exchange covers it); SNI names the tunnel host as Go does.
      this.tlsOptions = { ...clientTlsOptions(1, host), ...(isIP(host) === 0 && host !== '' ? { servername: host } : {}) };
    } else this.tlsOptions = clientTlsOptions(2, host);
  }

  async open(): Promise<PooledStream> {
    const { host, port } = await this.opts.target();
    const sock = await dialTcp({ host, port, timeoutMs: this.opts.dialTimeoutMs });
    sock.setKeepAlive(true, this.opts.keepAliveMs);
    const remoteIp = normaliseIp(sock.remoteAddress ?? host);
    const remoteAddr = joinHostPort(remoteIp, sock.remotePort ?? 0);
    let conn: net.Socket = sock;
    let peerCert: Buffer | undefined;
    if (this.tlsOptions) {
      const t = await tlsClient(sock, this.tlsOptions, this.opts.dialTimeoutMs);
      closeOnEnd(t, sock);
      peerCert = t.getPeerCertificate().raw;
      conn = t;
    }
    const stream = await this.upgrade(conn);
    return { stream, remoteIp, remoteAddr, peerCert };
  }

  private upgrade(conn: net.Socket): Promise<WsStream> {
    return new Promise((resolve, reject) => {
      let halfClose = false;
      let settled = false;
      const fail = (msg: string) => {
        if (settled) return;
        settled = true;
        ws.terminate();
        conn.destroy();
        reject(new Error(msg));
      };
      const ws = new WebSocket(this.url, {
        createConnection: () => conn,
        perMessageDeflate: false,
        maxPayload: WS_MAX_PAYLOAD,
        handshakeTimeout: this.opts.handshakeTimeoutMs,
        headers: { Host: this.hostHeader, [FEATURES_HEADER]: WS_FEATURE_EOF },
      });
      ws.on('upgrade', (res) => {
        halfClose = wantsEof(res.headers);
      });
      ws.once('open', () => {
        if (settled) return;
        settled = true;
        ws.off('error', onError);
        resolve(new WsStream(ws, conn, halfClose));
      });
      ws.on('unexpected-response', (req, res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          if (body.length < 256) body += d;
        });
        const finish = () => {
          req.destroy();
          fail(`websocket upgrade refused: ${res.statusCode} ${body.trim().slice(0, 128)}`.trimEnd());
        };
        res.once('end', finish);
        res.once('error', finish);
        res.once('close', finish);
      });
      const onError = (e: Error) => fail(`websocket upgrade: ${e.message}`);
      ws.on('error', onError);
    });
  }

  reset(): void {}
  close(): void {}
}

export const wsTransport: TransportDescriptor = {
  type: 2,
  kind: 'ws',
  // Meant to pass proxies and CDNs, whose addresses are not the client's.
  pinsClientIp: false,
  unavailable: () => null,
  server: (ctx, pool) =>
    new WsServerTransport({
      tls: ctx.tls,
      keepAliveMs: ctx.keepAliveMs,
      handshakeTimeoutMs: ctx.handshakeTimeoutMs,
      full: () => pool.full,
      onStream: offerTo(pool, ctx.logger),
      onHandshake: ctx.onHandshake,
      onError: (e) => ctx.logger.debug(`Tunnel pool: ${e.message}`),
    }),
  client: (ctx, offer) =>
    new WsClientTransport({
      target: ctx.resolve,
      host: ctx.host,
      port: ctx.portText,
      tls: offer.tls,
      dialTimeoutMs: ctx.dialTimeoutMs,
      handshakeTimeoutMs: ctx.handshakeTimeoutMs,
      keepAliveMs: ctx.keepAliveMs,
    }),
};
