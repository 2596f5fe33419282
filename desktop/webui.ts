// Headless mode's web front: serves the renderer bundle, trades a one-time login token (printed
// on the console, Jupyter style) for the master's API key plus an HttpOnly session cookie, and
// passes API calls through to the master on the same origin. A plain request handler, so it can
// run on its own server (desktop/headless.ts) or be mounted next to the master's routes.
//
// Security: tokens are single-use; the session cookie is HttpOnly + SameSite=Strict; the Host
// header must name this server when it listens on loopback (no DNS rebinding); every page carries
// a strict CSP; repeated failed logins are slowed down.

import { randomBytes } from 'node:crypto';
import { sameSecret } from '../engine/master/auth';
import { createReadStream, statSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import path from 'node:path';

export const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
  "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const COOKIE = 'npd_session';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

export interface WebUiOptions {
  /** The built renderer (dist/renderer). */
  root: string;
  /** Where the master listens, e.g. `http://127.0.0.1:9090`. */
  masterOrigin: string;
  /** The master's API base path, e.g. `/api/v1`; everything under its first segment is proxied. */
  apiBase: string;
  /** The master's API key (what a successful login hands to the page). */
  apiKey: () => string;
  /**
   * Host header values accepted (`127.0.0.1:8800`, `localhost:8800`…). Empty = any host (for a
   * server reachable under names we cannot know; the login still protects it).
   */
  allowedHosts: string[];
  /** Cookie gets `Secure` (when served over HTTPS by a front proxy). */
  secureCookie?: boolean;
  /** Called with each new one-time token after the previous one was used. */
  onTokenUsed?: (next: string) => void;
  sessionTtlMs?: number;
  /** How to reach an https master (e.g. an agent pinned to its self-signed certificate). */
  masterAgent?: http.Agent;
  /** More routes on this origin (after the Host check); returns true when it answered. */
  routes?: (req: IncomingMessage, res: ServerResponse) => boolean;
}

export interface WebUi {
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** A fresh single-use login token (the previous unused ones stay valid). */
  newToken(): string;
  readonly sessions: number;
}


function json(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const text = body === null ? '' : JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...extra,
  });
  res.end(text);
}

function cookieOf(req: IncomingMessage, name: string): string {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return '';
}

async function readBody(req: IncomingMessage, limit = 4096): Promise<string | null> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > limit) return null;
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function createWebUi(o: WebUiOptions): WebUi {
  const root = path.resolve(o.root);
  const tokens = new Set<string>();
  const sessions = new Map<string, number>();
  const ttl = o.sessionTtlMs ?? 30 * 24 * 3600_000;
  const apiPrefix = '/' + o.apiBase.split('/').filter(Boolean)[0] + '/';
  const base = o.apiBase.replace(/\/+$/, '');
  const allowed = new Set(o.allowedHosts.map((h) => h.toLowerCase()));
  const master = new URL(o.masterOrigin);
  let failures: number[] = [];

  const newToken = () => {
    const tok = randomBytes(24).toString('hex');
    tokens.add(tok);
    return tok;
  };

  const session = (req: IncomingMessage): boolean => {
    const sid = cookieOf(req, COOKIE);
    const exp = sid ? sessions.get(sid) : undefined;
    if (!exp) return false;
    if (exp < Date.now()) {
      sessions.delete(sid);
      return false;
    }
    sessions.set(sid, Date.now() + ttl);
    return true;
  };

  const cookie = (value: string, maxAgeS: number) =>
    `${COOKIE}=${value}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAgeS}${o.secureCookie ? '; Secure' : ''}`;

  async function login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const now = Date.now();
    failures = failures.filter((t) => now - t < 60_000);
    if (failures.length >= 20) return json(res, 429, { error: 'too many failed sign-ins; wait a minute' });
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
      return json(res, 415, { error: 'Content-Type must be application/json' });
    }
    const text = await readBody(req);
    let body: { token?: unknown; key?: unknown } = {};
    try {
      body = text ? (JSON.parse(text) as typeof body) : {};
    } catch {
      return json(res, 400, { error: 'request body is not JSON' });
    }
    let ok = false;
    if (typeof body.token === 'string' && tokens.has(body.token)) {
      tokens.delete(body.token);
      ok = true;
      o.onTokenUsed?.(newToken());
    } else if (typeof body.key === 'string' && body.key !== '' && sameSecret(body.key, o.apiKey())) {
      ok = true;
    }
    if (!ok) {
      failures.push(now);
      const error = typeof body.token === 'string' ? 'sign-in link already used or not valid' : typeof body.key === 'string' ? 'wrong API key' : 'token or key required';
      return json(res, 401, { error });
    }
    const sid = randomBytes(24).toString('hex');
    sessions.set(sid, now + ttl);
    json(res, 200, { key: o.apiKey(), base }, { 'Set-Cookie': cookie(sid, Math.floor(ttl / 1000)) });
  }

  function proxy(req: IncomingMessage, res: ServerResponse): void {
    const headers = { ...req.headers };
    delete headers.cookie;
    delete headers.host;
    const up = (master.protocol === 'https:' ? https : http).request(
      { host: master.hostname, port: master.port, method: req.method, path: req.url, headers: { ...headers, host: master.host }, agent: o.masterAgent },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        res.flushHeaders();
        r.pipe(res);
      },
    );
    up.on('error', (e) => {
      if (!res.headersSent) json(res, 502, { error: `master unreachable: ${e.message}` });
      else res.destroy();
    });
    res.on('close', () => up.destroy());
    req.pipe(up);
  }

  function serveFile(req: IncomingMessage, res: ServerResponse, pathname: string): void {
    let rel: string;
    try {
      rel = decodeURIComponent(pathname);
    } catch {
      return json(res, 400, { error: 'bad path' });
    }
    if (rel.includes('\0')) return json(res, 400, { error: 'bad path' });
    let file = path.resolve(root, '.' + path.posix.normalize('/' + rel));
    if (file !== root && !file.startsWith(root + path.sep)) return json(res, 403, { error: 'forbidden' });
    let st = statSync(file, { throwIfNoEntry: false });
    if (!st || st.isDirectory()) {
      // The app uses hash routes; any other page path gets the app itself.
      if (path.extname(rel) !== '' && rel !== '/') return json(res, 404, { error: 'not found' });
      file = path.join(root, 'index.html');
      st = statSync(file, { throwIfNoEntry: false });
      if (!st) return json(res, 503, { error: 'the renderer is not built (run npm run build)' });
    }
    const isIndex = file.endsWith('index.html');
    res.writeHead(200, {
      'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'Content-Length': String(st.size),
      'Cache-Control': isIndex ? 'no-store' : 'public, max-age=31536000, immutable',
      'Content-Security-Policy': CSP,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'X-Frame-Options': 'DENY',
      'Cross-Origin-Opener-Policy': 'same-origin',
    });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(file).pipe(res);
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const host = (req.headers.host ?? '').toLowerCase();
    if (allowed.size > 0 && !allowed.has(host)) {
      return json(res, 403, { error: `unexpected Host header "${host}"` });
    }
    const url = new URL(req.url ?? '/', 'http://x');
    const p = url.pathname;
    if (p.startsWith(apiPrefix)) return proxy(req, res);
    if (o.routes?.(req, res)) return;
    if (p === '/auth/login' && req.method === 'POST') {
      login(req, res).catch((e: Error) => json(res, 500, { error: e.message }));
      return;
    }
    if (p === '/auth/session' && req.method === 'GET') {
      return session(req) ? json(res, 200, { key: o.apiKey(), base }) : json(res, 401, { error: 'not signed in' });
    }
    if (p === '/auth/logout' && req.method === 'POST') {
      sessions.delete(cookieOf(req, COOKIE));
      return json(res, 204, null, { 'Set-Cookie': cookie('', 0) });
    }
    if (p.startsWith('/auth/')) return json(res, 405, { error: 'method not allowed' });
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { error: 'method not allowed' });
    serveFile(req, res, p);
  }

  return {
    handle,
    newToken,
    get sessions() {
      return sessions.size;
    },
  };
}
