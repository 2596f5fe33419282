// The byte-level formats of v1.14, written here independently of engine/wire so that a mistake
// there cannot cancel out against the same mistake in the peer.
//
// observed (strace of the Go client's handshake write, 173 bytes with a 64-hex token):
//   GET / HTTP/1.1\r\nHost: none\r\nUser-Agent: Go-http-client/1.1\r\n
//   Authorization: Bearer <hex>\r\nAccept-Encoding: gzip\r\n\r\n
// observed (raw request to the Go server): the 200 is
//   HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/json\r\nDate: …\r\n
//   Content-Length: 45\r\n\r\n{"flow":"-","max":1024,"tls":"1","type":"0"}\n
// and refusals are Go's http.Error texts (405 `Method Not Allowed\n`, 404 `Not Found\n`,
// 401 `Unauthorized\n`, text/plain; charset=utf-8, X-Content-Type-Options: nosniff).

import { createHash, createHmac } from 'node:crypto';

/** The key when the URL has none: FNV-1a 32 of the port string, 8 hex digits. */
export function defaultKey(port: string): string {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(port, 'utf8')) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/** Bearer token: hex HMAC-SHA256 keyed with the tunnel key over nothing. */
export function bearer(key: string): string {
  return createHmac('sha256', Buffer.from(key, 'utf8')).digest('hex');
}

export interface GoSignal {
  action: string;
  remote?: string;
  id?: string;
  fp?: string;
}

function xor(data: Buffer, key: string): Buffer {
  const k = Buffer.from(key, 'utf8');
  for (let i = 0; i < data.length; i++) data[i] ^= k[i % k.length];
  return data;
}

/** One control line: base64(xor(json)) + LF; Go's struct order, empty fields omitted. */
export function encodeLine(s: GoSignal, key: string): Buffer {
  const o: Record<string, string> = { action: s.action };
  if (s.remote) o.remote = s.remote;
  if (s.id) o.id = s.id;
  if (s.fp) o.fp = s.fp;
  return Buffer.from(xor(Buffer.from(JSON.stringify(o), 'utf8'), key).toString('base64') + '\n', 'latin1');
}

/** Decodes a line (LF stripped); errors as values, as commonQueue logs and skips them. */
export function decodeLine(line: Buffer, key: string): { ok: true; signal: GoSignal } | { ok: false; error: string } {
  const text = line.toString('latin1');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) {
    return { ok: false, error: 'decode: base64 decode failed: illegal base64 data' };
  }
  try {
    const o = JSON.parse(xor(Buffer.from(text, 'base64'), key).toString('utf8')) as Record<string, unknown>;
    const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
    return { ok: true, signal: { action: str(o.action) ?? '', remote: str(o.remote), id: str(o.id), fp: str(o.fp) } };
  } catch (e) {
    return { ok: false, error: `unmarshal signal failed: ${(e as Error).message}` };
  }
}

/** `sha256:AB:CD:…` of a certificate's DER. */
export function fingerprint(der: Buffer): string {
  const hex = createHash('sha256').update(der).digest('hex').toUpperCase();
  return 'sha256:' + hex.match(/../g)!.join(':');
}

/** The request the Go client sends, byte for byte. */
export function handshakeRequest(hostHeader: string, key: string): Buffer {
  return Buffer.from(
    `GET / HTTP/1.1\r\nHost: ${hostHeader}\r\nUser-Agent: Go-http-client/1.1\r\n` +
      `Authorization: Bearer ${bearer(key)}\r\nAccept-Encoding: gzip\r\n\r\n`,
    'latin1',
  );
}

const REASON: Record<number, string> = { 200: 'OK', 401: 'Unauthorized', 404: 'Not Found', 405: 'Method Not Allowed' };

/** A response of the Go handshake server (Go's net/http with `Connection: close` set). */
export function handshakeResponse(status: number, body: string, json: boolean): Buffer {
  const head =
    `HTTP/1.1 ${status} ${REASON[status]}\r\nConnection: close\r\n` +
    (json ? 'Content-Type: application/json\r\n' : 'Content-Type: text/plain; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\n') +
    `Date: ${new Date().toUTCString()}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
  return Buffer.from(head + body, 'utf8');
}
