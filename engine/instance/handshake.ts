// The HTTP handshake on the tunnel port (spec §4.1), both ends. Bounded in size and time on the
// server (a slow or garbage-sending peer is cut off), and with a timeout on the client (NodePass's
// has none, §10.2 #9).

import type net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { dialTcp } from '../relay/dial';
import { authToken, verifyAuthToken } from '../wire/token';
import {
  buildRequest,
  buildResponse,
  FEATURES_HEADER,
  offerBody,
  parseFeatureList,
  parseHead,
  parseOffer,
  type HttpHead,
  type TunnelOffer,
} from '../wire/http';

/** Reads an HTTP head from a socket; rejects on garbage, oversize, close or timeout. */
export function readHead(
  stream: Duplex,
  kind: 'request' | 'response',
  timeoutMs: number,
  initial: Buffer | null = null,
): Promise<HttpHead> {
  return new Promise((resolve, reject) => {
    let buf = initial ?? Buffer.alloc(0);
    const done = (err: Error | null, head?: HttpHead) => {
      clearTimeout(timer);
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onErr);
      stream.pause();
      if (err) reject(err);
      else resolve(head!);
    };
    const check = () => {
      // A pool-mode server writes 4 ID bytes before it recognises a handshake (type 0, tls=0);
      // skip them when they precede the status line.
      let view = buf;
      if (kind === 'response' && buf.length >= 5 && !buf.subarray(0, 5).equals(Buffer.from('HTTP/'))) {
        const at = buf.indexOf('HTTP/1.');
        if (at > 0 && at <= 4) view = buf.subarray(at);
      }
      const r = parseHead(view, kind);
      if (r.state === 'done') done(null, r.head);
      else if (r.state === 'error') done(new Error(r.error));
    };
    const onData = (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      check();
    };
    const onEnd = () => done(new Error(buf.length === 0 ? 'connection closed' : 'connection closed mid-header'));
    const onErr = (e: Error) => done(e);
    const timer = setTimeout(() => done(new Error(`no complete header within ${timeoutMs}ms`)), timeoutMs);
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('error', onErr);
    if (buf.length > 0) check();
    stream.resume();
  });
}

export type HandshakeVerdict =
  | { ok: true; features: string[] }
  | { ok: false; status: number; body: string; reason: string };

/** Decides a handshake request as NodePass does: 405, 404, 401 or accepted. */
export function judgeHandshake(head: HttpHead, key: string): HandshakeVerdict {
  if (head.first !== 'GET') return { ok: false, status: 405, body: 'Method Not Allowed\n', reason: `method ${head.first}` };
  const path = head.second.split('?')[0];
  if (path !== '/') return { ok: false, status: 404, body: 'Not Found\n', reason: `path ${head.second.slice(0, 64)}` };
  const auth = head.headers.get('authorization') ?? '';
  if (!auth.startsWith('Bearer ') || !verifyAuthToken(key, auth.slice(7))) {
    return { ok: false, status: 401, body: 'Unauthorized\n', reason: auth === '' ? 'no token' : 'wrong tunnel key' };
  }
  return { ok: true, features: parseFeatureList(head.headers.get(FEATURES_HEADER.toLowerCase())) };
}

/**
 * Type 0 at tls=0: the server writes a pooled connection's ID before the client says anything, so
 * a reconnecting client's handshake lands on what looks like an idle pooled connection. Decides
 * from the bytes that arrived on it whether they are a handshake with our key ('more': cannot
 * tell yet).
 */
export function idleHandshake(data: Buffer, key: string): 'yes' | 'no' | 'more' {
  if (data.length < 4) return 'more';
  if (!data.subarray(0, 4).equals(GET)) return 'no';
  const r = parseHead(data, 'request');
  if (r.state === 'partial') return 'more';
  if (r.state === 'error') return 'no';
  const auth = r.head.headers.get('authorization') ?? '';
  return auth.startsWith('Bearer ') && verifyAuthToken(key, auth.slice(7)) ? 'yes' : 'no';
}

const GET = Buffer.from('GET ');

export function refuse(socket: Duplex, status: number, body: string): void {
  socket.end(buildResponse(status, body));
  const t = setTimeout(() => socket.destroy(), 1000);
  t.unref();
  socket.once('close', () => clearTimeout(t));
}

/** Sends the 200 with the tunnel config and closes the connection once it is flushed. */
export function accept(socket: Duplex, offer: TunnelOffer): void {
  socket.end(buildResponse(200, offerBody(offer), 'application/json'));
  socket.resume(); // drain anything the client still sends so the close is a clean FIN
  const t = setTimeout(() => socket.destroy(), 1000);
  t.unref();
  socket.once('close', () => clearTimeout(t));
}

export interface ClientHandshakeOptions {
  host: string;
  port: number;
  /** The port as written in the URL: `443` means HTTPS (for a TLS-terminating proxy). */
  portText: string;
  serverName: string;
  key: string;
  timeoutMs: number;
  features: readonly string[];
}

export interface ClientHandshakeResult {
  offer: TunnelOffer;
  /** Address of the server as seen on the handshake connection. */
  remoteIp: string;
}

function describeStatus(status: number): string {
  if (status === 401) return 'status 401 (the server refused the tunnel key)';
  return `status ${status}`;
}

/** Performs the handshake; rejects with `tunnelHandshake: …` text. */
export async function clientHandshake(o: ClientHandshakeOptions): Promise<ClientHandshakeResult> {
  let sock: net.Socket;
  try {
    sock = await dialTcp({ host: o.host, port: o.port, timeoutMs: o.timeoutMs });
  } catch (e) {
    throw new Error(`tunnelHandshake: ${(e as Error).message}`);
  }
  let stream: Duplex = sock;
  try {
    if (o.portText === '443') {
      stream = await new Promise<tls.TLSSocket>((resolve, reject) => {
        const t = tls.connect({ socket: sock, servername: o.host, rejectUnauthorized: true });
        t.once('secureConnect', () => resolve(t));
        t.once('error', reject);
      });
    }
    stream.write(buildRequest(o.serverName, authToken(o.key), o.features));
    const head = await readHead(stream, 'response', o.timeoutMs);
    const status = Number(head.first);
    if (status !== 200) throw new Error(describeStatus(status));
    const body = await readBody(stream, head, o.timeoutMs);
    const parsed = parseOffer(body);
    if (!parsed.ok) throw new Error(parsed.error);
    return { offer: parsed.offer, remoteIp: sock.remoteAddress ?? '' };
  } catch (e) {
    throw new Error(`tunnelHandshake: ${(e as Error).message}`);
  } finally {
    stream.destroy();
    sock.destroy();
  }
}

/** Reads the body by Content-Length, chunked encoding, or until close. */
function readBody(stream: Duplex, head: HttpHead, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = head.rest;
    const len = head.headers.get('content-length');
    const chunked = (head.headers.get('transfer-encoding') ?? '').toLowerCase() === 'chunked';
    const want = len !== undefined ? Number(len) : -1;
    const finish = (err: Error | null) => {
      clearTimeout(timer);
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onErr);
      if (err) return reject(err);
      if (chunked) {
        const out: Buffer[] = [];
        let i = 0;
        for (;;) {
          const nl = buf.indexOf('\r\n', i);
          if (nl < 0) return reject(new Error('malformed chunked body'));
          const size = parseInt(buf.subarray(i, nl).toString('latin1'), 16);
          if (!Number.isFinite(size)) return reject(new Error('malformed chunked body'));
          if (size === 0) break;
          out.push(buf.subarray(nl + 2, nl + 2 + size));
          i = nl + 2 + size + 2;
        }
        return resolve(Buffer.concat(out).toString('utf8'));
      }
      resolve(buf.subarray(0, want >= 0 ? want : buf.length).toString('utf8'));
    };
    const complete = () =>
      (want >= 0 && buf.length >= want) || (chunked && buf.indexOf('\r\n0\r\n') >= 0) || (chunked && buf.subarray(0, 3).toString() === '0\r\n');
    const onData = (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      if (complete()) finish(null);
    };
    const onEnd = () => finish(want >= 0 && buf.length < want ? new Error('body truncated') : null);
    const onErr = (e: Error) => finish(e);
    const timer = setTimeout(() => finish(new Error(`no complete body within ${timeoutMs}ms`)), timeoutMs);
    if (complete()) return finish(null);
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('error', onErr);
    stream.resume();
  });
}
