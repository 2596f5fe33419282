// NodePassApi over the master's REST API (spec §9), for the browser: fetch for the calls and a
// fetch-streamed SSE reader for /events (EventSource cannot send the X-API-Key header). Works
// against our master and the Go NodePass master alike.

import type { ApiResult, NodePassApi, Subscription } from '../../engine/api/contract';
import type { InstanceEvent } from '../../engine/api/types';

export interface HttpApiOptions {
  /** API base, absolute or same-origin: `https://host:9090/api/v1` or `/api/v1`. */
  base: string;
  /** The master's API key; omitted when a same-origin proxy adds it. */
  key?: string;
  fetch?: typeof fetch;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Splits an SSE byte stream into events (WHATWG rules, the subset masters use). */
export class SseParser {
  private buf = '';
  private data: string[] = [];
  private event = '';
  retryMs: number | null = null;

  constructor(private readonly onEvent: (name: string, data: string) => void) {}

  push(chunk: string): void {
    this.buf += chunk;
    let nl: number;
    while ((nl = this.buf.search(/\r\n|\n|\r/)) >= 0) {
      const line = this.buf.slice(0, nl);
      const sep = this.buf.startsWith('\r\n', nl) ? 2 : 1;
      this.buf = this.buf.slice(nl + sep);
      this.line(line);
    }
  }

  private line(line: string): void {
    if (line === '') {
      if (this.data.length > 0) this.onEvent(this.event || 'message', this.data.join('\n'));
      this.data = [];
      this.event = '';
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon >= 0 ? line.slice(0, colon) : line;
    let value = colon >= 0 ? line.slice(colon + 1) : '';
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    else if (field === 'retry' && /^\d+$/.test(value)) this.retryMs = Number(value);
  }
}

export function httpApi(o: HttpApiOptions): NodePassApi {
  const base = o.base.replace(/\/+$/, '');
  const doFetch = o.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const headers = (json: boolean): Record<string, string> => ({
    ...(o.key ? { 'X-API-Key': o.key } : {}),
    ...(json ? { 'Content-Type': 'application/json' } : {}),
  });

  async function call<T>(method: string, path: string, body?: unknown): Promise<ApiResult<T>> {
    let r: Response;
    try {
      r = await doFetch(base + path, {
        method,
        headers: headers(body !== undefined),
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: 'no-store',
      });
    } catch (e) {
      return { ok: false, status: 0, error: `cannot reach the master: ${(e as Error).message}` };
    }
    const text = await r.text().catch(() => '');
    let json: unknown = null;
    if (text.trim() !== '') {
      try {
        json = JSON.parse(text);
      } catch {
        json = null;
      }
    }
    if (!r.ok) {
      const error = json && typeof json === 'object' && typeof (json as { error?: unknown }).error === 'string' ? (json as { error: string }).error : text.trim() || `HTTP ${r.status}`;
      return { ok: false, status: r.status, error };
    }
    return { ok: true, value: (r.status === 204 ? null : json) as T };
  }

  const id = (s: string) => encodeURIComponent(s);

  return {
    listInstances: () => call('GET', '/instances'),
    createInstance: (req) => call('POST', '/instances', req),
    getInstance: (i) => call('GET', `/instances/${id(i)}`),
    updateInstance: (i, req) => call('PATCH', `/instances/${id(i)}`, req),
    replaceInstance: (i, req) => call('PUT', `/instances/${id(i)}`, req),
    deleteInstance: (i) => call('DELETE', `/instances/${id(i)}`),
    getInfo: () => call('GET', '/info'),
    setMasterAlias: (alias) => call('POST', '/info', { alias }),
    tcping: (target) => call('GET', `/tcping?target=${encodeURIComponent(target)}`),
    trafficHistory: (i, resolution) => call('GET', `/instances/${id(i)}/history?resolution=${resolution}`),
    subscribe(onEvent, onState): Subscription {
      let closed = false;
      let ctrl: AbortController | null = null;
      const run = async () => {
        let delay = 500;
        while (!closed) {
          ctrl = new AbortController();
          const parser = new SseParser((name, data) => {
            if (name !== 'instance') return;
            try {
              onEvent(JSON.parse(data) as InstanceEvent);
            } catch {
              // A malformed frame is skipped; the next update carries the full record again.
            }
          });
          let up = false;
          try {
            const r = await doFetch(base + '/events', {
              headers: { ...headers(false), Accept: 'text/event-stream' },
              signal: ctrl.signal,
              cache: 'no-store',
            });
            if (!r.ok || !r.body) throw new Error(`HTTP ${r.status}`);
            up = true;
            onState?.(true);
            delay = 500;
            const reader = r.body.getReader();
            const dec = new TextDecoder();
            for (;;) {
              const { value, done } = await reader.read();
              if (done) break;
              parser.push(dec.decode(value, { stream: true }));
            }
          } catch {
            // Reconnect below.
          }
          if (closed) break;
          if (up) onState?.(false);
          else if (delay === 500) onState?.(false);
          await sleep(Math.min(parser.retryMs ?? delay, 10_000) * (0.8 + Math.random() * 0.4));
          delay = Math.min(delay * 2, 10_000);
        }
      };
      void run();
      return {
        close() {
          closed = true;
          ctrl?.abort();
        },
      };
    },
  };
}
