// The one reverse proxy of the desktop's web front: the local master's API on the page's own
// origin (webui.ts) and each fleet master under /fleet/<id> (routes.ts), event streams included.
// What identifies the browser — its cookies, Origin and Referer — stays here; the master sees a
// request from this host.

import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import { sendJson } from './reply';

export interface ProxyTarget {
  /** Where the request goes: origin, path and query. */
  url: URL;
  /** How to reach it (e.g. a connection pinned to a self-signed certificate). */
  agent?: http.Agent;
  /** Replaces the caller's X-API-Key (a fleet master's own key, which never reaches the browser). */
  apiKey?: string;
}

export function proxyRequest(req: IncomingMessage, res: ServerResponse, target: ProxyTarget): void {
  const headers: http.OutgoingHttpHeaders = { ...req.headers };
  delete headers.cookie;
  delete headers.host;
  delete headers.origin;
  delete headers.referer;
  if (target.apiKey !== undefined) headers['x-api-key'] = target.apiKey;
  const mod = target.url.protocol === 'https:' ? https : http;
  const up = mod.request(target.url, { method: req.method, headers, agent: target.agent }, (r) => {
    res.writeHead(r.statusCode ?? 502, r.headers);
    res.flushHeaders();
    r.pipe(res);
  });
  up.on('error', (e) => {
    if (!res.headersSent) sendJson(res, 502, { error: `master unreachable: ${e.message}` });
    else res.destroy();
  });
  res.on('close', () => up.destroy());
  req.pipe(up);
}
