// HTTP routing for the master API (spec §9.3, §9.4): base path, CORS, OPTIONS before auth,
// `X-API-Key`, JSON in and out, and the extensions (traffic history, metrics). The operations
// themselves live in service.ts.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiResult } from '../api/contract';
import { readJson } from '../http/body';
import type { ApiKeyAuth } from './auth';
import type { EventHub } from './events';
import { goJson } from './gojson';
import { METRICS_CONTENT_TYPE } from './metrics';
import type { MasterService } from './service';
import type { Supervisor } from './supervisor';

export interface RoutesDeps {
  basePath: string;
  service: MasterService;
  auth: ApiKeyAuth;
  hub: EventHub;
  supervisor: Supervisor;
  /** Largest request body accepted (bytes); larger gets 413. */
  bodyLimit: number;
  openapi: () => string;
  docs: () => string;
  metrics: () => string;
  /** NPD_FAULT_INJECTION=1: enables POST …/debug/fault for tests. */
  faults: boolean;
  onError: (message: string) => void;
}

type Route =
  | { kind: 'instances' }
  | { kind: 'instance'; id: string }
  | { kind: 'traffic'; id: string }
  | { kind: 'events' | 'info' | 'tcping' | 'metrics' | 'openapi' | 'docs' | 'fault' };

const PUBLIC = new Set(['openapi', 'docs']);

function cors(res: ServerResponse): void {
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Access-Control-Allow-Methods', 'GET, PATCH, POST, PUT, DELETE, OPTIONS');
  res.setHeader('Access-Control-Allow-Headers', 'Content-Type, Authorization, X-API-Key, Cache-Control');
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  cors(res);
  res.setHeader('Content-Type', 'application/json');
  res.writeHead(status);
  res.end(goJson(value) + '\n');
}

function sendError(res: ServerResponse, status: number, error: string): void {
  sendJson(res, status, { error });
}

function sendResult<T>(res: ServerResponse, r: ApiResult<T>, okStatus = 200): void {
  if (r.ok) sendJson(res, okStatus, r.value);
  else sendError(res, r.status, r.error);
}

function notFound(res: ServerResponse): void {
  // Go's ServeMux answer for an unregistered path.
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.writeHead(404);
  res.end('404 page not found\n');
}

function matchRoute(base: string, pathname: string): Route | null | 'bad-path' {
  if (!pathname.startsWith(base + '/')) return null;
  const rest = pathname.slice(base.length);
  switch (rest) {
    case '/instances':
      return { kind: 'instances' };
    case '/events':
      return { kind: 'events' };
    case '/info':
      return { kind: 'info' };
    case '/tcping':
      return { kind: 'tcping' };
    case '/metrics':
      return { kind: 'metrics' };
    case '/openapi.json':
      return { kind: 'openapi' };
    case '/docs':
      return { kind: 'docs' };
    case '/debug/fault':
      return { kind: 'fault' };
  }
  if (!rest.startsWith('/instances/')) return null;
  let raw = rest.slice('/instances/'.length);
  let kind: 'instance' | 'traffic' = 'instance';
  if (raw.endsWith('/traffic') && raw.length > '/traffic'.length) {
    raw = raw.slice(0, -'/traffic'.length);
    kind = 'traffic';
  }
  try {
    return { kind, id: decodeURIComponent(raw) };
  } catch {
    return 'bad-path';
  }
}

export function createHandler(d: RoutesDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const methodNotAllowed = (res: ServerResponse) => sendError(res, 405, 'Method not allowed');

  async function withBody(req: IncomingMessage, res: ServerResponse, fn: (body: unknown) => Promise<void>): Promise<void> {
    const b = await readJson(req, d.bodyLimit);
    if (!b.ok) {
      if (b.status === 413) res.setHeader('Connection', 'close');
      return sendError(res, b.status, b.error);
    }
    if (b.value === undefined) return sendError(res, 400, 'Invalid request body: empty (expected a JSON object)');
    await fn(b.value);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://master');
    const route = matchRoute(d.basePath, url.pathname);
    if (route === 'bad-path') return sendError(res, 400, 'Invalid path encoding');
    if (!route || (route.kind === 'fault' && !d.faults)) return notFound(res);
    const method = req.method ?? 'GET';
    cors(res);
    if (method === 'OPTIONS') {
      res.writeHead(200);
      res.end();
      return;
    }
    if (!PUBLIC.has(route.kind)) {
      const a = d.auth.check(req.headers);
      if (!a.ok) return sendError(res, 401, a.error);
    }
    const s = d.service;
    switch (route.kind) {
      case 'instances':
        if (method === 'GET') return sendResult(res, await s.listInstances());
        if (method === 'POST') return withBody(req, res, async (b) => sendResult(res, await s.createInstance(b), 201));
        return methodNotAllowed(res);
      case 'instance': {
        const found = await s.getInstance(route.id);
        if (!found.ok) return sendResult(res, found);
        if (method === 'GET') return sendResult(res, found);
        if (method === 'PATCH') return withBody(req, res, async (b) => sendResult(res, await s.updateInstance(route.id, b)));
        if (method === 'PUT') return withBody(req, res, async (b) => sendResult(res, await s.replaceInstance(route.id, b)));
        if (method === 'DELETE') {
          const r = await s.deleteInstance(route.id);
          if (!r.ok) return sendResult(res, r);
          res.writeHead(204);
          res.end();
          return;
        }
        return methodNotAllowed(res);
      }
      case 'traffic':
        if (method !== 'GET') return methodNotAllowed(res);
        return sendResult(res, await s.trafficHistory(route.id, url.searchParams.get('resolution') ?? 'minute'));
      case 'events':
        if (method !== 'GET') return methodNotAllowed(res);
        req.socket.setTimeout(0);
        req.socket.setNoDelay(true);
        res.setHeader('Content-Type', 'text/event-stream');
        res.setHeader('Cache-Control', 'no-cache');
        res.setHeader('Connection', 'keep-alive');
        res.setHeader('X-Accel-Buffering', 'no');
        res.writeHead(200);
        d.hub.attach(res, s.initialEvents());
        return;
      case 'info':
        if (method === 'GET') return sendResult(res, await s.getInfo());
        if (method === 'POST') return withBody(req, res, async (b) => sendResult(res, await s.updateMasterAlias(b)));
        return methodNotAllowed(res);
      case 'tcping':
        if (method !== 'GET') return methodNotAllowed(res);
        return sendResult(res, await s.tcping(url.searchParams.get('target') ?? ''));
      case 'metrics':
        if (method !== 'GET') return methodNotAllowed(res);
        res.setHeader('Content-Type', METRICS_CONTENT_TYPE);
        res.writeHead(200);
        res.end(d.metrics());
        return;
      case 'openapi':
        res.setHeader('Content-Type', 'application/json');
        res.writeHead(200);
        res.end(d.openapi());
        return;
      case 'docs':
        res.setHeader('Content-Type', 'text/html; charset=utf-8');
        res.writeHead(200);
        res.end(d.docs());
        return;
      case 'fault': {
        const id = url.searchParams.get('id') ?? '';
        const kind = url.searchParams.get('kind') ?? '';
        if (kind !== 'throw' && kind !== 'hang' && kind !== 'exit') return sendError(res, 400, 'kind: expected throw, hang or exit');
        if (!d.supervisor.fault(id, kind)) return sendError(res, 404, 'Instance not running');
        return sendJson(res, 200, { id, kind });
      }
    }
  }

  return (req, res) => {
    handle(req, res).catch((e: Error) => {
      d.onError(`handler: ${req.method} ${req.url}: ${e.stack ?? e.message}`);
      if (!res.headersSent) sendError(res, 500, `Internal error: ${e.message}`);
      else res.destroy();
    });
  };
}
