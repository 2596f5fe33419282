// Headless mode's login (desktop/headless.ts serves the page): the URL printed by `npm start`
// carries a one-time token; the page trades it for the API key and an HttpOnly session cookie, then
// drops it from the address bar. A reload (or a new tab) asks the session for the key again.

export interface SessionInfo {
  /** The master API key. */
  key: string;
  /** The API base path (e.g. `/api/v1`), same origin as the page. */
  base: string;
}

export type SessionResult = { ok: true; session: SessionInfo } | { ok: false; status: number; error: string };

async function call(path: string, init?: RequestInit): Promise<SessionResult> {
  try {
    const r = await fetch(path, { credentials: 'same-origin', cache: 'no-store', ...init });
    const body = (await r.json().catch(() => ({}))) as Partial<SessionInfo> & { error?: string };
    if (r.ok && typeof body.key === 'string' && typeof body.base === 'string') {
      return { ok: true, session: { key: body.key, base: body.base } };
    }
    return { ok: false, status: r.status, error: body.error ?? `HTTP ${r.status}` };
  } catch (e) {
    return { ok: false, status: 0, error: (e as Error).message };
  }
}

const post = (path: string, body: unknown) =>
  call(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

/** Token from the address bar (consumed), else the cookie session. */
export async function resumeSession(): Promise<SessionResult> {
  const url = new URL(window.location.href);
  const token = url.searchParams.get('token');
  if (token) {
    url.searchParams.delete('token');
    window.history.replaceState(null, '', url.pathname + url.search + url.hash);
    const r = await post('/auth/login', { token });
    if (r.ok) return r;
    // A used or stale token: the cookie may still be good (e.g. the link was opened twice).
    const s = await call('/auth/session');
    return s.ok ? s : r;
  }
  return call('/auth/session');
}

/** Signs in with the API key itself (the fallback when no link is at hand). */
export function loginWithKey(key: string): Promise<SessionResult> {
  return post('/auth/login', { key });
}

export async function logout(): Promise<void> {
  await fetch('/auth/logout', { method: 'POST', credentials: 'same-origin' }).catch(() => undefined);
}
