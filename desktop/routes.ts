// Headless mode's side of the desktop API, on the web front's origin (so the page's strict CSP,
// connect-src 'self', still holds):
//   /desktop/masters[/<id>], /desktop/settings, /desktop/notify — the DesktopApi as JSON;
//   /fleet/<id>/<path>  — a pass-through to master <id>'s API (`<its base><path>`), SSE included.
// Both want the local master's API key in X-API-Key (the signed-in page has it); the proxy swaps it
// for the remote master's own key, which never reaches the browser. Bodies are checked by the
// desktop service against the desktop API's schemas, as IPC calls are.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { readJson } from '../engine/http/body';
import { sameSecret } from '../engine/master/auth';
import { proxyRequest } from './proxy';
import { agentFor } from './remote';
import { sendJson as send, sendResult as reply } from './reply';
import type { DesktopService } from './service';

/** The desktop API's bodies are small: a master's address and key, a settings patch. */
const BODY_LIMIT = 64 * 1024;

function decoded(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

function keyMatches(given: string | string[] | undefined, key: string): boolean {
  return typeof given === 'string' && key !== '' && sameSecret(given, key);
}

/** Returns a handler that answers `/desktop/…` and `/fleet/…` (true) and leaves the rest (false). */
export function desktopRoutes(svc: DesktopService, localKey: () => string): (req: IncomingMessage, res: ServerResponse) => boolean {
  /** The decoded JSON body, or null once the error has been answered. An empty body is `{}`. */
  async function body(req: IncomingMessage, res: ServerResponse): Promise<{ value: unknown } | null> {
    const b = await readJson(req, BODY_LIMIT);
    if (!b.ok) {
      send(res, b.status, { error: b.error });
      return null;
    }
    return { value: b.value ?? {} };
  }

  async function desktop(req: IncomingMessage, res: ServerResponse, p: string): Promise<void> {
    const m = /^\/desktop\/masters(?:\/([^/]+))?$/.exec(p);
    if (m) {
      const id = m[1] ? decoded(m[1]) : '';
      if (id === null) return send(res, 400, { error: 'master id: bad percent-encoding' });
      if (!id && req.method === 'GET') return reply(res, await svc.listMasters());
      if (!id && req.method === 'POST') {
        const b = await body(req, res);
        if (b) reply(res, await svc.addMaster(b.value), 201);
        return;
      }
      if (id && req.method === 'PATCH') {
        const b = await body(req, res);
        if (b) reply(res, await svc.updateMaster(id, b.value));
        return;
      }
      if (id && req.method === 'DELETE') return reply(res, await svc.removeMaster(id));
      return send(res, 405, { error: 'method not allowed' });
    }
    if (p === '/desktop/settings') {
      if (req.method === 'GET') return reply(res, await svc.getSettings());
      if (req.method === 'PATCH') {
        const b = await body(req, res);
        if (b) reply(res, await svc.setSettings(b.value));
        return;
      }
      return send(res, 405, { error: 'method not allowed' });
    }
    if (p === '/desktop/notify' && req.method === 'POST') {
      const b = await body(req, res);
      if (b) reply(res, await svc.notify(b.value));
      return;
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
      const id = m ? decoded(m[1]) : '';
      if (id === null) {
        send(res, 400, { error: 'master id: bad percent-encoding' });
        return true;
      }
      const target = m ? svc.targetOf(id) : null;
      if (!m || !target) {
        send(res, 404, { error: `no master "${id}" in the fleet` });
        return true;
      }
      // `rest` (path and query after the API base) is appended to the master's base.
      const to = new URL(target.base.replace(/\/+$/, '') + (m[2] ?? '') + url.search);
      proxyRequest(req, res, { url: to, agent: agentFor(to, target.fingerprint), apiKey: target.key });
      return true;
    }
    desktop(req, res, p).catch((e: Error) => {
      if (!res.headersSent) send(res, 500, { error: e.message });
    });
    return true;
  };
}
