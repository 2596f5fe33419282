// One HTTP call with a deadline, turned into an ApiResult: what every HTTP client of the contract
// does per request (HttpApi for a master's API, the page's desktop API client, the desktop service
// asking a new master who it is). Browser-safe: fetch, AbortController, no node: imports.

import type { ApiResult } from './contract';

/** Per-request deadline when the caller names none. */
const DEFAULT_TIMEOUT_MS = 15_000;

export interface CallOptions {
  method: string;
  headers?: Record<string, string>;
  /** Sent as JSON (with its Content-Type) when present. */
  body?: unknown;
  timeoutMs?: number;
  /** What the page adds in a browser (same-origin cookies, no HTTP cache). */
  credentials?: RequestCredentials;
  cache?: RequestCache;
}

export type Fetched = { ok: true; response: Response; text: string } | { ok: false; timedOut: boolean; error: unknown };

/** The response and its whole text, or why there is none (timed out, refused, TLS…). */
export async function fetchText(f: typeof fetch, url: string, o: CallOptions): Promise<Fetched> {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), o.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const json = o.body !== undefined;
  try {
    const response = await f(url, {
      method: o.method,
      headers: { ...o.headers, ...(json ? { 'Content-Type': 'application/json' } : {}) },
      body: json ? JSON.stringify(o.body) : undefined,
      signal: ctl.signal,
      ...(o.credentials ? { credentials: o.credentials } : {}),
      ...(o.cache ? { cache: o.cache } : {}),
    });
    return { ok: true, response, text: await response.text() };
  } catch (error) {
    return { ok: false, timedOut: ctl.signal.aborted, error };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A JSON call as an ApiResult: the decoded value (null for 204 or an empty body), or the status
 * with the server's `{ error }` (else its text, else the status line). Status 0: no answer.
 */
export async function callJson<T>(f: typeof fetch, url: string, o: CallOptions): Promise<ApiResult<T>> {
  const r = await fetchText(f, url, o);
  if (!r.ok) {
    const what = r.timedOut ? `request timed out: ${o.method} ${url}` : (r.error as Error)?.message ?? String(r.error);
    return { ok: false, status: 0, error: what };
  }
  const { response: res, text } = r;
  if (!res.ok) {
    let error = text.trim() || res.statusText || `HTTP ${res.status}`;
    try {
      const j = JSON.parse(text) as { error?: unknown };
      if (typeof j?.error === 'string') error = j.error;
    } catch {
      // not JSON (e.g. Go's plain-text 404)
    }
    return { ok: false, status: res.status, error };
  }
  if (res.status === 204 || text === '') return { ok: true, value: null as T };
  try {
    return { ok: true, value: JSON.parse(text) as T };
  } catch (e) {
    return { ok: false, status: 0, error: `${o.method} ${url}: the answer is not JSON (${(e as Error).message})` };
  }
}
