// The tunnel handshake is one HTTP/1.1 exchange on the tunnel port (spec §4.1). This is the pure
// part: building and parsing the request and response heads. I/O lives in instance/handshake.ts.

const MAX_HEAD_BYTES = 16 * 1024;

export interface HttpHead {
  /** Request: method; response: the status code as text. */
  first: string;
  /** Request: path; response: reason phrase. */
  second: string;
  version: string;
  headers: Map<string, string>;
  /** Bytes after the blank line. */
  rest: Buffer;
}

export type HeadResult = { state: 'partial' } | { state: 'error'; error: string } | { state: 'done'; head: HttpHead };

const CRLFCRLF = Buffer.from('\r\n\r\n');

/** Parses a request (`GET / HTTP/1.1`) or response (`HTTP/1.1 200 OK`) head from the bytes so far. */
export function parseHead(buf: Buffer, kind: 'request' | 'response'): HeadResult {
  const end = buf.indexOf(CRLFCRLF);
  if (end < 0) {
    if (buf.length > MAX_HEAD_BYTES) return { state: 'error', error: `header larger than ${MAX_HEAD_BYTES} bytes` };
    // Fail fast on bytes that cannot start an HTTP message rather than waiting for a timeout.
    const probe = buf.subarray(0, 8).toString('latin1');
    if (kind === 'request' && probe.length > 0 && !/^[A-Z]{1,7}( |$)/.test(probe)) {
      return { state: 'error', error: 'not an HTTP request' };
    }
    return { state: 'partial' };
  }
  if (end > MAX_HEAD_BYTES) return { state: 'error', error: `header larger than ${MAX_HEAD_BYTES} bytes` };
  const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
  const startLine = lines[0];
  let first: string, second: string, version: string;
  if (kind === 'request') {
    const m = /^([A-Z]+) (\S+) (HTTP\/1\.[01])$/.exec(startLine);
    if (!m) return { state: 'error', error: `malformed request line: ${JSON.stringify(startLine.slice(0, 80))}` };
    [, first, second, version] = m;
  } else {
    const m = /^(HTTP\/1\.[01]) (\d{3})(?: (.*))?$/.exec(startLine);
    if (!m) return { state: 'error', error: `malformed status line: ${JSON.stringify(startLine.slice(0, 80))}` };
    version = m[1];
    first = m[2];
    second = m[3] ?? '';
  }
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) return { state: 'error', error: `malformed header line: ${JSON.stringify(line.slice(0, 80))}` };
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    // Repeated headers keep the first value, as Go's Header.Get does.
    if (!headers.has(name)) headers.set(name, value);
  }
  return { state: 'done', head: { first, second, version, headers, rest: buf.subarray(end + 4) } };
}

const REASONS: Record<number, string> = {
  200: 'OK',
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  426: 'Upgrade Required',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** A complete response with `Connection: close`, as NodePass's handshake server sends. */
export function buildResponse(status: number, body: string, contentType = 'text/plain; charset=utf-8'): Buffer {
  const payload = Buffer.from(body, 'utf8');
  const head =
    `HTTP/1.1 ${status} ${REASONS[status] ?? 'Status'}\r\n` +
    `Connection: close\r\n` +
    `Content-Type: ${contentType}\r\n` +
    (contentType.startsWith('text/plain') ? 'X-Content-Type-Options: nosniff\r\n' : '') +
    `Date: ${new Date().toUTCString()}\r\n` +
    `Content-Length: ${payload.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), payload]);
}

export function buildRequest(host: string, token: string, features: readonly string[]): Buffer {
  return Buffer.from(
    `GET / HTTP/1.1\r\n` +
      `Host: ${host}\r\n` +
      `User-Agent: NodePass-Desktop\r\n` +
      `Authorization: Bearer ${token}\r\n` +
      (features.length > 0 ? `${FEATURES_HEADER}: ${features.join(', ')}\r\n` : '') +
      `Accept-Encoding: identity\r\n` +
      `\r\n`,
    'latin1',
  );
}

/**
 * Extensions negotiated between two NodePass Desktop peers. A Go NodePass ignores the request
 * header and the extra `features` field of the 200 JSON, so both sides fall back to v1.14 wire.
 */
export const FEATURES_HEADER = 'X-NodePass-Features';
export const FEATURE_UDP_FRAMES = 'udp-frames';
export const OUR_FEATURES: readonly string[] = [FEATURE_UDP_FRAMES];

export function parseFeatureList(value: string | undefined): string[] {
  if (!value) return [];
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** The server's 200 body (§4.1): keys in Go's sorted map order, one JSON object plus LF. */
export interface TunnelOffer {
  flow: '-' | '+';
  max: number;
  tls: '0' | '1' | '2';
  type: '0' | '1' | '2' | '3';
  features?: string[];
}

export function offerBody(o: TunnelOffer): string {
  const obj: Record<string, unknown> = {};
  if (o.features && o.features.length > 0) obj.features = o.features;
  obj.flow = o.flow;
  obj.max = o.max;
  obj.tls = o.tls;
  obj.type = o.type;
  return JSON.stringify(obj) + '\n';
}

export type OfferResult = { ok: true; offer: TunnelOffer } | { ok: false; error: string };

export function parseOffer(body: string): OfferResult {
  let o: unknown;
  try {
    o = JSON.parse(body);
  } catch (e) {
    return { ok: false, error: `invalid tunnel config: ${(e as Error).message}` };
  }
  if (typeof o !== 'object' || o === null) return { ok: false, error: 'invalid tunnel config: not an object' };
  const r = o as Record<string, unknown>;
  if (r.flow !== '-' && r.flow !== '+') return { ok: false, error: `invalid tunnel config: flow ${JSON.stringify(r.flow)}` };
  if (typeof r.max !== 'number' || !Number.isInteger(r.max) || r.max < 0) {
    return { ok: false, error: `invalid tunnel config: max ${JSON.stringify(r.max)}` };
  }
  if (r.tls !== '0' && r.tls !== '1' && r.tls !== '2') return { ok: false, error: `invalid tunnel config: tls ${JSON.stringify(r.tls)}` };
  if (r.type !== '0' && r.type !== '1' && r.type !== '2' && r.type !== '3') {
    return { ok: false, error: `invalid tunnel config: type ${JSON.stringify(r.type)}` };
  }
  const features = Array.isArray(r.features) ? r.features.filter((f): f is string => typeof f === 'string') : [];
  return { ok: true, offer: { flow: r.flow, max: r.max, tls: r.tls, type: r.type, features } };
}
