// NodePassApi over HTTP: the renderer in a browser, the Electron main process for remote masters,
// and our tests. fetch + a streaming SSE reader (EventSource cannot send X-API-Key), reconnecting
// with back-off. Works against NodePass's own master as well as ours; extension endpoints answer
// 404 on NodePass. Browser-safe: no node: imports.

import type { ApiResult, NodePassApi, Subscription } from './contract';
import { callJson } from './request';
import { SseParser } from './sse';
import type {
  CreateInstanceRequest,
  Instance,
  InstanceEvent,
  MasterInfo,
  PutInstanceRequest,
  TCPingResult,
  TrafficHistory,
  TrafficResolution,
  UpdateInstanceRequest,
} from './types';

export interface HttpApiOptions {
  /** The API base including `/v1`, e.g. `http://127.0.0.1:9090/api/v1`. */
  baseUrl: string;
  apiKey: string;
  /** A fetch to use (e.g. one that accepts a self-signed certificate). Default: global fetch. */
  fetch?: typeof fetch;
  /** Reconnect back-off bounds for the event stream (ms). */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** Per-request timeout (ms); the event stream has none. Default 15000. */
  timeoutMs?: number;
}

export class HttpApi implements NodePassApi {
  private readonly base: string;
  private apiKey: string;
  private readonly f: typeof fetch;

  constructor(private readonly o: HttpApiOptions) {
    this.base = o.baseUrl.replace(/\/+$/, '');
    this.apiKey = o.apiKey;
    this.f = o.fetch ?? ((...a: Parameters<typeof fetch>) => fetch(...a));
  }

  setApiKey(key: string): void {
    this.apiKey = key;
  }

  private call<T>(method: string, path: string, body?: unknown): Promise<ApiResult<T>> {
    return callJson<T>(this.f, this.base + path, { method, headers: { 'X-API-Key': this.apiKey }, body, timeoutMs: this.o.timeoutMs });
  }

  listInstances() {
    return this.call<Instance[]>('GET', '/instances');
  }
  createInstance(req: CreateInstanceRequest) {
    return this.call<Instance>('POST', '/instances', req);
  }
  getInstance(id: string) {
    return this.call<Instance>('GET', `/instances/${encodeURIComponent(id)}`);
  }
  updateInstance(id: string, req: UpdateInstanceRequest) {
    return this.call<Instance>('PATCH', `/instances/${encodeURIComponent(id)}`, req);
  }
  replaceInstance(id: string, req: PutInstanceRequest) {
    return this.call<Instance>('PUT', `/instances/${encodeURIComponent(id)}`, req);
  }
  deleteInstance(id: string) {
    return this.call<null>('DELETE', `/instances/${encodeURIComponent(id)}`);
  }
  getInfo() {
    return this.call<MasterInfo>('GET', '/info');
  }
  setMasterAlias(alias: string) {
    return this.call<MasterInfo>('POST', '/info', { alias });
  }
  tcping(target: string) {
    return this.call<TCPingResult>('GET', `/tcping?target=${encodeURIComponent(target)}`);
  }
  trafficHistory(id: string, resolution: TrafficResolution) {
    return this.call<TrafficHistory>('GET', `/instances/${encodeURIComponent(id)}/traffic?resolution=${resolution}`);
  }

  /**
   * Follows `…/events` until close(): reconnects after the server's `retry` hint when a stream
   * ends (shutdown, resync, restart) and with exponential back-off while it cannot connect.
   */
  subscribe(onEvent: (e: InstanceEvent) => void, onState?: (connected: boolean) => void): Subscription {
    const min = this.o.reconnectMinMs ?? 500;
    const max = this.o.reconnectMaxMs ?? 30_000;
    let closed = false;
    let ctl: AbortController | null = null;
    let retryMs = 3000;
    let failures = 0;
    let connected = false;
    let wake: (() => void) | null = null;
    const setConnected = (c: boolean) => {
      if (c !== connected) {
        connected = c;
        onState?.(c);
      }
    };
    const sleep = (ms: number) =>
      new Promise<void>((r) => {
        const t = setTimeout(r, ms);
        wake = () => {
          clearTimeout(t);
          r();
        };
      });

    const once = async (): Promise<'ended' | 'failed' | 'resync'> => {
      ctl = new AbortController();
      let res: Response;
      try {
        res = await this.f(this.base + '/events', { headers: { 'X-API-Key': this.apiKey, Accept: 'text/event-stream' }, signal: ctl.signal });
      } catch {
        return 'failed';
      }
      if (!res.ok || !res.body) {
        await res.body?.cancel().catch(() => {});
        return 'failed';
      }
      failures = 0;
      setConnected(true);
      let resync = false;
      const parser = new SseParser({
        retry: (ms) => {
          retryMs = ms;
        },
        message: (m) => {
          if (m.event === 'instance') {
            try {
              onEvent(JSON.parse(m.data) as InstanceEvent);
            } catch {
              // a malformed event is skipped, the stream goes on
            }
          } else if (m.event === 'resync') {
            resync = true;
          }
        },
      });
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          parser.push(decoder.decode(value, { stream: true }));
          if (resync) break;
        }
      } catch {
        // connection lost
      } finally {
        reader.cancel().catch(() => {});
        setConnected(false);
      }
      return resync ? 'resync' : 'ended';
    };

    void (async () => {
      while (!closed) {
        const r = await once();
        if (closed) break;
        if (r === 'failed') {
          failures++;
          await sleep(Math.min(max, min * 2 ** (failures - 1)));
        } else {
          // resync: we fell behind, catch up at once; ended: the server said when to come back.
          await sleep(r === 'resync' ? min : retryMs);
        }
      }
    })();

    return {
      close: () => {
        closed = true;
        ctl?.abort();
        wake?.();
        setConnected(false);
      },
    };
  }
}
