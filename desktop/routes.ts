// Headless mode's side of the desktop API, on the web front's origin (so the page's strict CSP,
// connect-src 'self', still holds):
//   /desktop/masters[/<id>], /desktop/settings, /desktop/notify — the DesktopApi as JSON;
//   /fleet/<id>/<path>  — a pass-through to master <id>'s API (`<its base><path>`), SSE included.
// Both want the local master's API key in X-API-Key (the signed-in page has it); the proxy swaps it
// for the remote master's own key, which never reaches the browser.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { sameSecret } from '../engine/master/auth';
import type { ApiResult } from '../engine/api/contract';
import type { DesktopService } from './service';
import { proxyToMaster } from './remote';

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
  res.end(body === null ? '' : JSON.stringify(body));
}

function reply<T>(res: ServerResponse, r: ApiResult<T>, okStatus = 200): void {
  if (r.ok) send(res, r.value === null ? 204 : okStatus, r.value);
  else send(res, r.status || 500, { error: r.error });
}

async function body(req: IncomingMessage, limit = 64 * 1024): Promise<{ ok: true; value: Record<string, unknown> } | { ok: false; error: string }> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > limit) return { ok: false, error: `request body larger than ${limit} bytes` };
    chunks.push(c as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    const v = text ? (JSON.parse(text) as unknown) : {};
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return { ok: false, error: 'expected a JSON object' };
    return { ok: true, value: v as Record<string, unknown> };
  } catch {
    return { ok: false, error: 'request body is not JSON' };
  }
}

function keyMatches(given: string | string[] | undefined, key: string): boolean {
  return typeof given === 'string' && key !== '' && sameSecret(given, key);
}

/** Returns a handler that answers `/desktop/…` and `/fleet/…` (true) and leaves the rest (false). */
export function desktopRoutes(svc: DesktopService, localKey: () => string): (req: IncomingMessage, res: ServerResponse) => boolean {
  async function desktop(req: IncomingMessage, res: ServerResponse, p: string): Promise<void> {
    const m = /^\/desktop\/masters(?:\/([^/]+))?$/.exec(p);
    if (m) {
      const id = m[1] ? decodeURIComponent(m[1]) : '';
      if (!id && req.method === 'GET') return reply(res, await svc.listMasters());
      if (!id && req.method === 'POST') {
        const b = await body(req);
        if (!b.ok) return send(res, 400, { error: b.error });
        const { url, key, name, fingerprint } = b.value;
        if (typeof url !== 'string' || typeof key !== 'string') return send(res, 400, { error: 'expected { url, key, name?, fingerprint? }' });
        return reply(res, await svc.addMaster({ url, key, name: typeof name === 'string' ? name : undefined, fingerprint: typeof fingerprint === 'string' ? fingerprint : undefined }), 201);
      }
      if (id && req.method === 'PATCH') {
        const b = await body(req);
        if (!b.ok) return send(res, 400, { error: b.error });
        const pick = (k: string) => (typeof b.value[k] === 'string' ? (b.value[k] as string) : undefined);
        return reply(res, await svc.updateMaster(id, { name: pick('name'), url: pick('url'), key: pick('key'), fingerprint: pick('fingerprint') }));
      }
      if (id && req.method === 'DELETE') return reply(res, await svc.removeMaster(id));
      return send(res, 405, { error: 'method not allowed' });
    }
    if (p === '/desktop/settings') {
      if (req.method === 'GET') return reply(res, await svc.getSettings());
      if (req.method === 'PATCH') {
        const b = await body(req);
        if (!b.ok) return send(res, 400, { error: b.error });
        return reply(res, await svc.setSettings(b.value));
      }
      return send(res, 405, { error: 'method not allowed' });
    }
    if (p === '/desktop/notify' && req.method === 'POST') {
      const b = await body(req);
      if (!b.ok) return send(res, 400, { error: b.error });
      return reply(res, await svc.notify({ title: String(b.value.title ?? ''), body: String(b.value.body ?? '') }));
    }
    send(res, 404, { error: 'not found' });
  }

  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const p = url.pathname;
    const isFleet = p.startsWith('/fleet/');
    if (!isFleet && !p.startsWith('/desktop/')) return false;
    if (!keyMatches(req.headers['x-api-key'], localKey())) {
      send(res, 401, { error: 'Unauthorized: the local API key is required' });
      return true;
    }
    if (isFleet) {
      const m = /^\/fleet\/([^/]+)(\/.*)?$/.exec(p);
      const target = m ? svc.targetOf(decodeURIComponent(m[1])) : null;
      if (!m || !target) {
        send(res, 404, { error: `no master "${m ? decodeURIComponent(m[1]) : ''}" in the fleet` });
        return true;
      }
      proxyToMaster(req, res, target, (m[2] ?? '') + url.search);
      return true;
    }
    desktop(req, res, p).catch((e: Error) => {
      if (!res.headersSent) send(res, 500, { error: e.message });
    });
    return true;
  };
}
