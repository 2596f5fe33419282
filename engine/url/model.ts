// The NodePass URL model: parse ⇄ format, validation and the effective configuration (spec §2).
// Pure and browser-safe: the CLI, the master and the renderer's form all use these functions, so a
// bad URL gets the same words everywhere. Unlike NodePass, a present-but-invalid value is an error
// that names the parameter and what it accepts, never a silent zero.

import { formatGoDuration, parseGoDuration } from './duration';
import { isHostName, isIP, joinHostPort, splitHostPort } from './ip';
import { PARAM_BY_NAME, PARAMS, type Scheme } from './params';
import { portDerivedKey } from '../wire/fnv';

export type { Scheme } from './params';

export interface UrlIssue {
  /** The query parameter name, or the URL part: `url`, `scheme`, `tunnel address`, `target address`. */
  param: string;
  value: string;
  expected: string;
  message: string;
}

export type UrlResult<T> = { ok: true; value: T } | { ok: false; errors: UrlIssue[] };

export interface NodePassUrl {
  scheme: Scheme;
  /** The URL's user part: the tunnel key ('' = derive from the port). */
  key: string;
  /** Host without IPv6 brackets ('' = all interfaces / local). */
  host: string;
  /** Port exactly as written (the derived key hashes this string). */
  port: string;
  /** Target entries `host:port` as written (server/client). */
  targets: string[];
  /** The raw path (for master URLs: the API prefix). */
  path: string;
  /** Query parameters, decoded, in the order written; empty values are treated as absent. */
  params: Record<string, string>;
}

export type LogLevel = 'none' | 'debug' | 'info' | 'warn' | 'error' | 'event';

export interface HostPort {
  host: string;
  port: number;
  /** `host:port`, IPv6 bracketed. */
  addr: string;
}

export interface TunnelConfig {
  scheme: 'server' | 'client';
  url: NodePassUrl;
  key: string;
  keyFromPort: boolean;
  tunnel: HostPort;
  targets: HostPort[];
  log: LogLevel;
  /** Effective TLS code (server; for a client this is learnt in the handshake). */
  tls: 0 | 1 | 2;
  /** Why TLS is what it is: as written, default, or promoted because type 1/3 need it (§2.6). */
  tlsReason: 'param' | 'default' | 'stream-pool';
  crtFile: string;
  keyFile: string;
  dnsTtlMs: number;
  /** Host header / TLS server name (§2.4 `sni`). */
  serverName: string;
  min: number;
  max: number;
  mode: 0 | 1 | 2;
  type: 0 | 1 | 2 | 3;
  dial: string;
  readMs: number;
  rateMbps: number;
  slot: number;
  proxy: boolean;
  block: { socks: boolean; http: boolean; tls: boolean };
  blockText: string;
  notcp: boolean;
  noudp: boolean;
  /** Parameters NodePass does not know; kept, ignored, reported as a warning. */
  unknown: string[];
}

export interface MasterConfig {
  url: NodePassUrl;
  host: string;
  port: number;
  /** The API base path including `/v1`, e.g. `/api/v1`. */
  basePath: string;
  log: LogLevel;
  tls: 0 | 1 | 2;
  crtFile: string;
  keyFile: string;
  unknown: string[];
}

const SCHEMES: readonly Scheme[] = ['server', 'client', 'master'];

function issue(param: string, value: string, expected: string, message?: string): UrlIssue {
  return {
    param,
    value,
    expected,
    message: message ?? `${param}=${value}: expected ${expected}`,
  };
}

function partIssue(part: string, value: string, expected: string): UrlIssue {
  return issue(part, value, expected, `${part} "${value}": expected ${expected}`);
}

function decodePart(s: string, plusIsSpace: boolean): string | null {
  try {
    return decodeURIComponent(plusIsSpace ? s.replace(/\+/g, ' ') : s);
  } catch {
    return null;
  }
}

function validPort(p: string, allowZero: boolean): boolean {
  if (!/^\d{1,5}$/.test(p)) return false;
  const n = Number(p);
  return n <= 65535 && (allowZero || n > 0);
}

function validHost(h: string): boolean {
  return h === '' || isIP(h) !== 0 || isHostName(h);
}

/**
 * The URL with its tunnel key (the user part) replaced by `***`, for log lines: a key the user
 * chose is a shared secret. URLs without a user part are returned unchanged.
 */
export function maskUrlKey(url: string): string {
  const i = url.indexOf('://');
  if (i < 0) return url;
  const start = i + 3;
  let end = url.length;
  for (const ch of ['/', '?', '#']) {
    const j = url.indexOf(ch, start);
    if (j >= 0 && j < end) end = j;
  }
  const at = url.lastIndexOf('@', end - 1);
  return at < start ? url : url.slice(0, start) + '***' + url.slice(at);
}

/** Splits a URL string into its NodePass parts; only structural errors are reported here. */
export function parseNodePassUrl(input: string): UrlResult<NodePassUrl> {
  const text = input.trim();
  const errors: UrlIssue[] = [];
  if (text === '') return { ok: false, errors: [partIssue('url', '', 'server://, client:// or master:// URL')] };
  const schemeEnd = text.indexOf('://');
  if (schemeEnd <= 0) {
    return { ok: false, errors: [partIssue('url', text, 'scheme://host:port/… (server, client or master)')] };
  }
  const schemeText = text.slice(0, schemeEnd).toLowerCase();
  if (!SCHEMES.includes(schemeText as Scheme)) {
    return { ok: false, errors: [partIssue('scheme', schemeText, 'server, client or master')] };
  }
  const scheme = schemeText as Scheme;
  let rest = text.slice(schemeEnd + 3);
  const hash = rest.indexOf('#');
  if (hash >= 0) rest = rest.slice(0, hash);
  let query = '';
  const q = rest.indexOf('?');
  if (q >= 0) {
    query = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  const slash = rest.indexOf('/');
  const authority = slash >= 0 ? rest.slice(0, slash) : rest;
  const rawPath = slash >= 0 ? rest.slice(slash) : '';

  let key = '';
  let hostPort = authority;
  const at = authority.lastIndexOf('@');
  if (at >= 0) {
    const userinfo = authority.slice(0, at);
    hostPort = authority.slice(at + 1);
    const colon = userinfo.indexOf(':');
    const user = colon >= 0 ? userinfo.slice(0, colon) : userinfo; // NodePass ignores a password part
    const decoded = decodePart(user, false);
    // The key is a secret: the error says what is wrong with it without repeating it.
    if (decoded === null) errors.push(issue('key', user, 'a percent-encoded tunnel key', 'key: expected a percent-encoded tunnel key (it has a % not followed by two hex digits)'));
    else key = decoded;
  }

  let host = '';
  let port = '';
  const tunnelPart = scheme === 'master' ? 'master address' : 'tunnel address';
  const hp = splitHostPort(hostPort);
  if (hostPort === '' || !hp) {
    errors.push(partIssue(tunnelPart, hostPort, 'host:port'));
  } else {
    host = hp.host;
    port = hp.port;
    // A listener may use port 0 (the OS picks one); a client dials, so needs a real port.
    const allowZero = scheme !== 'client';
    if (!validHost(host)) errors.push(partIssue(tunnelPart, hostPort, 'a host name or IP address before the port'));
    else if (!validPort(port, allowZero)) {
      errors.push(partIssue(tunnelPart, hostPort, `a port number ${allowZero ? '0' : '1'}-65535 after the host`));
    }
  }

  const path = decodePart(rawPath, false);
  const targets: string[] = [];
  if (path === null) {
    errors.push(partIssue('target address', rawPath, 'a percent-encoded path'));
  } else if (scheme !== 'master') {
    for (const entry of path.replace(/^\//, '').split(',')) {
      const t = entry.trim();
      if (t === '') continue;
      const thp = splitHostPort(t);
      if (!thp || !validHost(thp.host)) errors.push(partIssue('target address', t, 'host:port'));
      else if (!validPort(thp.port, false)) errors.push(partIssue('target address', t, 'a port number 1-65535 after the host'));
      else targets.push(t);
    }
    if (targets.length === 0 && errors.every((e) => e.param !== 'target address')) {
      errors.push(partIssue('target address', path.replace(/^\//, ''), 'at least one host:port after the tunnel address'));
    }
  }

  const params: Record<string, string> = {};
  if (query !== '') {
    for (const pair of query.split('&')) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      const k = decodePart(eq >= 0 ? pair.slice(0, eq) : pair, true);
      const v = decodePart(eq >= 0 ? pair.slice(eq + 1) : '', true);
      if (k === null || v === null) {
        errors.push(partIssue('query', pair, 'name=value pairs joined by &'));
        continue;
      }
      if (v === '') continue;
      if (Object.prototype.hasOwnProperty.call(params, k)) {
        errors.push(issue(k, v, 'the parameter once', `${k}: given more than once (${params[k]}, ${v})`));
        continue;
      }
      params[k] = v;
    }
  }

  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, value: { scheme, key, host, port, targets, path: path ?? '', params } };
}

/** Checks every known parameter's value; unknown parameters are not errors (NodePass ignores them). */
export function validateParams(url: NodePassUrl): UrlIssue[] {
  const errors: UrlIssue[] = [];
  for (const [name, value] of Object.entries(url.params)) {
    const spec = PARAM_BY_NAME.get(name);
    if (spec && !spec.valid(value)) errors.push(issue(name, value, spec.expected));
  }
  const tls = url.params.tls;
  if ((url.scheme === 'server' || url.scheme === 'master') && tls === '2') {
    if (!url.params.crt) errors.push(issue('crt', '', 'a PEM certificate file path', 'crt: required when tls=2 (a PEM certificate file path)'));
    if (!url.params.key) errors.push(issue('key', '', 'a PEM private key file path', 'key: required when tls=2 (a PEM private key file path)'));
  }
  if (url.scheme === 'server' || url.scheme === 'client') {
    if (url.params.notcp === '1' && url.params.noudp === '1') {
      errors.push(issue('noudp', '1', '0 when notcp=1', 'notcp=1 and noudp=1: nothing would be forwarded (expected at most one of them)'));
    }
  }
  return errors;
}

function hostPortOf(entry: string): HostPort {
  const hp = splitHostPort(entry)!;
  return { host: hp.host, port: Number(hp.port), addr: joinHostPort(hp.host, hp.port) };
}

export function unknownParams(url: NodePassUrl): string[] {
  return Object.keys(url.params).filter((k) => !PARAM_BY_NAME.has(k));
}

/** Parses and validates a server:// or client:// URL into the effective configuration. */
export function tunnelConfigOf(url: NodePassUrl): UrlResult<TunnelConfig> {
  if (url.scheme === 'master') {
    return { ok: false, errors: [partIssue('scheme', 'master', 'server or client')] };
  }
  const errors = validateParams(url);
  if (errors.length > 0) return { ok: false, errors };
  const p = url.params;
  const type = Number(p.type ?? '0') as 0 | 1 | 2 | 3;
  let tls: 0 | 1 | 2 = 0;
  let tlsReason: TunnelConfig['tlsReason'] = 'default';
  if (p.tls === '1' || p.tls === '2') {
    tls = Number(p.tls) as 1 | 2;
    tlsReason = 'param';
  } else if (url.scheme === 'server' && (type === 1 || type === 3)) {
    tls = 1;
    tlsReason = 'stream-pool';
  } else if (p.tls === '0') {
    tlsReason = 'param';
  }
  const block = p.block ?? '0';
  const serverName = p.sni ?? (url.host !== '' && isIP(url.host) === 0 ? url.host : 'none');
  const dns = p.dns !== undefined ? parseGoDuration(p.dns)! : 5 * 60_000;
  return {
    ok: true,
    value: {
      scheme: url.scheme,
      url,
      key: url.key !== '' ? url.key : portDerivedKey(url.port),
      keyFromPort: url.key === '',
      tunnel: { host: url.host, port: Number(url.port), addr: joinHostPort(url.host, url.port) },
      targets: url.targets.map(hostPortOf),
      log: (p.log ?? 'info') as LogLevel,
      tls,
      tlsReason,
      crtFile: p.crt ?? '',
      keyFile: p.key ?? '',
      dnsTtlMs: dns,
      serverName,
      min: Number(p.min ?? '64'),
      max: Number(p.max ?? '1024'),
      mode: Number(p.mode ?? '0') as 0 | 1 | 2,
      type,
      dial: (p.dial ?? 'auto').replace(/^\[|\]$/g, ''),
      readMs: p.read !== undefined ? parseGoDuration(p.read)! : 0,
      rateMbps: Number(p.rate ?? '0'),
      slot: Number(p.slot ?? '65536'),
      proxy: p.proxy === '1',
      block: { socks: block.includes('1'), http: block.includes('2'), tls: block.includes('3') },
      blockText: block,
      notcp: p.notcp === '1',
      noudp: p.noudp === '1',
      unknown: unknownParams(url),
    },
  };
}

/** Parses and validates a master:// URL (spec §9.1). */
export function masterConfigOf(url: NodePassUrl): UrlResult<MasterConfig> {
  if (url.scheme !== 'master') return { ok: false, errors: [partIssue('scheme', url.scheme, 'master')] };
  const errors = validateParams(url);
  if (errors.length > 0) return { ok: false, errors };
  const p = url.params;
  let tls: 0 | 1 | 2 = 0;
  if (p.tls === '1' || p.tls === '2') tls = Number(p.tls) as 1 | 2;
  else if (p.type === '1' || p.type === '3') tls = 1;
  let prefix = url.path.replace(/\/+$/, '');
  if (prefix === '') prefix = '/api';
  if (!prefix.startsWith('/')) prefix = '/' + prefix;
  return {
    ok: true,
    value: {
      url,
      host: url.host,
      port: Number(url.port),
      basePath: prefix + '/v1',
      log: (p.log ?? 'info') as LogLevel,
      tls,
      crtFile: p.crt ?? '',
      keyFile: p.key ?? '',
      unknown: unknownParams(url),
    },
  };
}

/** Parse + validate in one step, for callers that only want a config or the first error text. */
export function parseTunnelUrl(input: string): UrlResult<TunnelConfig> {
  const r = parseNodePassUrl(input);
  return r.ok ? tunnelConfigOf(r.value) : r;
}

export function parseMasterUrl(input: string): UrlResult<MasterConfig> {
  const r = parseNodePassUrl(input);
  return r.ok ? masterConfigOf(r.value) : r;
}

/** Go's url.QueryEscape: form encoding with spaces as `+`. */
export function queryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
    .replace(/%20/g, '+');
}

function userEscape(s: string): string {
  // Go keeps sub-delims in the user part but must escape the characters that end it.
  return encodeURIComponent(s).replace(/%(24|26|2B|2C|3B|3D)/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

function pathEscape(s: string): string {
  return s.replace(/[^A-Za-z0-9\-._~!$&'()*+,;=:@/[\]%]/g, (c) => encodeURIComponent(c));
}

/** Query string the Go way (`url.Values.Encode`): keys sorted, values form-encoded. */
export function encodeQuery(params: Record<string, string>): string {
  return Object.keys(params)
    .sort()
    .map((k) => `${queryEscape(k)}=${queryEscape(params[k])}`)
    .join('&');
}

/** Formats a URL model back to text. parse(format(u)) gives u back (with the query sorted). */
export function formatNodePassUrl(url: NodePassUrl): string {
  let s = `${url.scheme}://`;
  if (url.key !== '') s += userEscape(url.key) + '@';
  s += joinHostPort(url.host, url.port);
  if (url.scheme === 'master') s += pathEscape(url.path);
  else s += '/' + pathEscape(url.targets.join(','));
  const q = encodeQuery(url.params);
  if (q !== '') s += '?' + q;
  return s;
}

/** The master's `config` field: the URL with every missing default filled in (spec §9.9). */
export function withConfigDefaults(url: NodePassUrl): NodePassUrl {
  if (url.scheme === 'master') return url;
  const params = { ...url.params };
  for (const spec of PARAMS) {
    const d = spec.configDefault?.[url.scheme];
    if (d !== undefined && params[spec.name] === undefined) params[spec.name] = d;
  }
  return { ...url, params };
}

/** `5m0s`-style rendering of a millisecond value, as NodePass prints durations. */
export const goDuration = formatGoDuration;

/** The first error as one line, for the CLI and log output. */
export function firstError(errors: UrlIssue[]): string {
  return errors.map((e) => e.message).join('; ');
}
