// Headless mode's web front: serves the renderer bundle, trades a one-time login token (printed
// on the console, Jupyter style) for the master's API key plus an HttpOnly session cookie, and
// passes API calls through to the master on the same origin. A plain request handler, so it can
// run on its own server (desktop/headless.ts) or be mounted next to the master's routes.
//
// Security: tokens are single-use; the session cookie is HttpOnly + SameSite=Strict; the Host
// header must name this server when it listens on loopback (no DNS rebinding); every page carries
// a strict CSP; repeated failed logins are slowed down.

import { randomBytes } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import type { Agent, IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { readJson } from '../engine/http/body';
import { sameSecret } from '../engine/master/auth';
import { BUNDLE_HEADERS, contentTypeOf, fileInBundle } from './bundle';
import { proxyRequest } from './proxy';
import { sendJson as json } from './reply';

const COOKIE = 'npd_session';

/** A sign-in body is a token or a key: a few hundred bytes at most. */
const LOGIN_BODY_LIMIT = 4096;

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
  masterAgent?: Agent;
  /** More routes on this origin (after the Host check); returns true when it answered. */
  routes?: (req: IncomingMessage, res: ServerResponse) => boolean;
}

export interface WebUi {
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** A fresh single-use login token (the previous unused ones stay valid). */
  newToken(): string;
  readonly sessions: number;
}

function cookieOf(req: IncomingMessage, name: string): string {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return '';
}

export function createWebUi(o: WebUiOptions): WebUi {
  const root = path.resolve(o.root);
  const tokens = new Set<string>();
  const sessions = new Map<string, number>();
  const ttl = o.sessionTtlMs ?? 30 * 24 * 3600_000;
  const apiPrefix = '/' + o.apiBase.split('/').filter(Boolean)[0] + '/';
  const base = o.apiBase.replace(/\/+$/, '');
  const allowed = new Set(o.allowedHosts.map((h) => h.toLowerCase()));
  const masterOrigin = new URL(o.masterOrigin).origin;
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
    const read = await readJson(req, LOGIN_BODY_LIMIT);
    if (!read.ok) return json(res, read.status, { error: read.error });
    const body = (typeof read.value === 'object' && read.value !== null ? read.value : {}) as { token?: unknown; key?: unknown };
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
    // Joined as text, so a path such as `//elsewhere/api/…` stays a path on the master.
    proxyRequest(req, res, { url: new URL(masterOrigin + (req.url ?? '/')), agent: o.masterAgent });
  }

  function serveFile(req: IncomingMessage, res: ServerResponse, pathname: string): void {
    const found = fileInBundle(root, pathname);
    if (!found.ok) return json(res, found.status, { error: found.status === 400 ? 'bad path' : 'forbidden' });
    let file = found.file;
    let st = statSync(file, { throwIfNoEntry: false });
    if (!st || st.isDirectory()) {
      // The app uses hash routes; any other page path gets the app itself.
      if (path.extname(file) !== '' && file !== root) return json(res, 404, { error: 'not found' });
      file = path.join(root, 'index.html');
      st = statSync(file, { throwIfNoEntry: false });
      if (!st) return json(res, 503, { error: 'the renderer is not built (run npm run build)' });
    }
    const isIndex = file.endsWith('index.html');
    res.writeHead(200, {
      ...BUNDLE_HEADERS,
      'Content-Type': contentTypeOf(file),
      'Content-Length': String(st.size),
      'Cache-Control': isIndex ? 'no-store' : 'public, max-age=31536000, immutable',
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
