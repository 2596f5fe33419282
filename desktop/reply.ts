// JSON answers of the desktop's own routes (sign-in, desktop API, proxy errors): never cached,
// never sniffed.

import type { ServerResponse } from 'node:http';
import type { ApiResult } from '../engine/api/contract';

export function sendJson(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', ...extra });
  res.end(body === null ? '' : JSON.stringify(body));
}

/** An ApiResult as HTTP: the value (204 when it is null) or `{ error }` with the result's status. */
export function sendResult<T>(res: ServerResponse, r: ApiResult<T>, okStatus = 200): void {
  if (r.ok) sendJson(res, r.value === null ? 204 : okStatus, r.value);
  else sendJson(res, r.status || 500, { error: r.error });
}
