// The HTTP handshake on the tunnel port, both ends (Go: Client.tunnelHandshake with net/http's
// client, Server.tunnelHandshake with a net/http server on the tunnel listener).
//
// observed (raw requests to the Go server): 405 / 404 / 401 for a wrong method, path or token;
// the first good request gets the 200 (request formats in wire.ts), and from then on the port is
// the pool's: a second handshake's connection was closed without a byte (at tls=1 it fails the
// pool's TLS handshake), and the server then waited for its pool, `setControlConn: handshake
// timeout` after 5 s, `Server restart` 3 s later.
// observed (6 Go pairs started at once on a loaded machine): one Go client got `tunnelHandshake:
// Get "http://…/": EOF` — the Go server closes its HTTP server as soon as its handler has run,
// racing the flush of the 200. This peer always flushes the 200 first.

import net from 'node:net';
import type { Common } from './common';
import { dialTcp } from './conn';
import { handshakeRequest, handshakeResponse, bearer } from './wire';

export interface TunnelConfig {
  flow: '-' | '+';
  max: number;
  tls: '0' | '1' | '2';
  type: string;
}

/** The client's GET; resolves with the server's JSON, rejects with Go's error text. */
export async function clientHandshake(c: Common, host: string, port: number, hostHeader: string): Promise<TunnelConfig> {
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/`;
  let sock: net.Socket;
  try {
    // Go's http.Client has no timeout; the dial is the system's.
    sock = await dialTcp(host, port, 30_000, (s) => c.track(s));
  } catch (e) {
    throw new Error(`tunnelHandshake: Get "${url}": ${(e as Error).message}`);
  }
  try {
    sock.write(handshakeRequest(hostHeader, c.key));
    const { status, body } = await readResponse(sock);
    if (status !== 200) throw new Error(`tunnelHandshake: status ${status}`);
    let cfg: TunnelConfig;
    try {
      cfg = JSON.parse(body) as TunnelConfig;
    } catch (e) {
      throw new Error(`tunnelHandshake: ${(e as Error).message}`);
    }
    return cfg;
  } catch (e) {
    const msg = (e as Error).message;
    throw new Error(msg.startsWith('tunnelHandshake:') ? msg : `tunnelHandshake: Get "${url}": ${msg}`);
  } finally {
    sock.destroy();
  }
}

function readResponse(sock: net.Socket): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const done = (err: Error | null, r?: { status: number; body: string }) => {
      sock.off('data', onData);
      sock.off('end', onEnd);
      sock.off('error', onEnd);
      sock.off('close', onEnd);
      if (err) reject(err);
      else resolve(r!);
    };
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.subarray(0, end).toString('latin1');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? NaN);
      const len = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? NaN);
      if (!Number.isFinite(status)) return done(new Error('malformed HTTP response'));
      const body = buf.subarray(end + 4);
      if (Number.isFinite(len) && body.length >= len) done(null, { status, body: body.subarray(0, len).toString('utf8') });
    };
    const onEnd = () => done(new Error('EOF'));
    sock.on('data', onData);
    sock.once('end', onEnd);
    sock.once('error', onEnd);
    sock.once('close', onEnd);
  });
}

/**
 * Serves handshakes on `listener` until one carries the right token; answers it with `cfg` and
 * resolves with the client's IP. Refusals answer as Go's http.Error does and go on waiting.
 */
export function serveHandshake(c: Common, listener: net.Server, cfg: TunnelConfig): Promise<string | null> {
  return new Promise((resolve) => {
    const ctx = c.ctx;
    const onAbort = () => {
      listener.off('connection', onConn);
      resolve(null);
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    const onConn = (sock: net.Socket) => {
      c.track(sock);
      sock.on('error', () => {});
      let buf = Buffer.alloc(0);
      sock.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        sock.removeAllListeners('data');
        const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
        const [method, path] = lines[0].split(' ');
        const auth = lines.find((l) => /^authorization:/i.test(l))?.replace(/^authorization: */i, '') ?? '';
        const reply = (status: number, body: string, json = false) => sock.end(handshakeResponse(status, body, json));
        if (method !== 'GET') return reply(405, 'Method Not Allowed\n');
        if (path.split('?')[0] !== '/') return reply(404, 'Not Found\n');
        if (!auth.startsWith('Bearer ') || auth.slice(7) !== bearer(c.key)) return reply(401, 'Unauthorized\n');
        if (ctx.err) return sock.destroy();
        const ip = (sock.remoteAddress ?? '').replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');
        reply(200, JSON.stringify({ flow: cfg.flow, max: cfg.max, tls: cfg.tls, type: cfg.type }) + '\n', true);
        c.log.info(`Sending tunnel config: FLOW=${cfg.flow}|MAX=${cfg.max}|TLS=${cfg.tls}|TYPE=${cfg.type}`);
        listener.off('connection', onConn);
        ctx.signal.removeEventListener('abort', onAbort);
        resolve(ip);
      });
    };
    listener.on('connection', onConn);
  });
}
