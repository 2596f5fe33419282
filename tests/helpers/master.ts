// A real master process (bin/nodepass master://…) on 127.0.0.1 with its state in a temp dir, plus
// our HTTP client pointed at it, an event collector and /proc helpers for memory and children.

import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HttpApi } from '../../engine/api/http-client';
import type { ApiResult, Subscription } from '../../engine/api/contract';
import type { InstanceEvent } from '../../engine/api/types';
import { NodePassProcess } from './proc';

export interface MasterHandle {
  proc: NodePassProcess;
  port: number;
  /** The current API key (tests update it after regenerating). */
  key: string;
  /** http://127.0.0.1:<port><prefix>/v1 */
  base: string;
  api: HttpApi;
  stateDir: string;
  statePath: string;
  /** One request with full control (status, headers, raw text). */
  raw(method: string, p: string, o?: { body?: string; headers?: Record<string, string>; key?: string | null }): Promise<RawResponse>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

export function tempStateDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'np-master-'));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export async function startMaster(o: { stateDir?: string; env?: Record<string, string>; port?: number; prefix?: string; log?: string } = {}): Promise<MasterHandle> {
  const stateDir = o.stateDir ?? tempStateDir();
  const statePath = path.join(stateDir, 'master.json');
  const prefix = o.prefix ?? '/api';
  const url = `master://127.0.0.1:${o.port ?? 0}${prefix}?log=${o.log ?? 'info'}`;
  const proc = new NodePassProcess(url, { NP_MASTER_STATE: statePath, NPD_SSE_HEARTBEAT: '15s', ...o.env });
  const started = await proc.waitFor(/Master started: 127\.0\.0\.1:(\d+)\//, 15000);
  const keyLine = await proc.waitFor(/API Key (created|loaded): [0-9a-f]{32}/, 5000);
  const port = Number(/127\.0\.0\.1:(\d+)\//.exec(started)![1]);
  const key = /([0-9a-f]{32})/.exec(keyLine)![1];
  const base = `http://127.0.0.1:${port}${prefix.replace(/\/+$/, '') || '/api'}/v1`;
  const api = new HttpApi({ baseUrl: base, apiKey: key, reconnectMinMs: 100, reconnectMaxMs: 1000 });
  const handle: MasterHandle = {
    proc,
    port,
    key,
    base,
    api,
    stateDir,
    statePath,
    async raw(method, p, r = {}) {
      const headers: Record<string, string> = { ...r.headers };
      const k = r.key === undefined ? handle.key : r.key;
      if (k !== null) headers['X-API-Key'] = k;
      const res = await fetch(base + p, { method, headers, body: r.body });
      const text = await res.text();
      let json: unknown = undefined;
      try {
        json = JSON.parse(text);
      } catch {
        // not JSON
      }
      return { status: res.status, headers: res.headers, text, json };
    },
    kill: (signal = 'SIGKILL') => proc.stop(signal),
  };
  return handle;
}

export function must<T>(r: ApiResult<T>): T {
  if (!r.ok) throw new Error(`API call failed: ${r.status} ${r.error}`);
  return r.value;
}

/** Collects events from a subscription; wait() resolves when a matching event arrived. */
export class EventLog {
  readonly events: InstanceEvent[] = [];
  readonly sub: Subscription;
  connected = false;
  private waiters: Array<{ from: number; pred: (e: InstanceEvent) => boolean; resolve: (e: InstanceEvent) => void }> = [];

  constructor(api: HttpApi) {
    this.sub = api.subscribe(
      (e) => {
        this.events.push(e);
        this.waiters = this.waiters.filter((w) => {
          if (w.pred(e)) {
            w.resolve(e);
            return false;
          }
          return true;
        });
      },
      (c) => {
        this.connected = c;
      },
    );
  }

  /** Waits for an event matching pred, looking at events from index `from` (default: all so far). */
  wait(pred: (e: InstanceEvent) => boolean, timeoutMs = 10000, from = 0): Promise<InstanceEvent> {
    for (let i = from; i < this.events.length; i++) if (pred(this.events[i])) return Promise.resolve(this.events[i]);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        const tail = this.events.slice(-8).map((e) => `${e.type}:${e.instance?.id}:${e.instance?.status}:${e.logs.slice(0, 80)}`);
        reject(new Error(`timeout waiting for an event; last events:\n${tail.join('\n')}`));
      }, timeoutMs);
      const done = (e: InstanceEvent) => {
        clearTimeout(t);
        resolve(e);
      };
      this.waiters.push({ from, pred, resolve: done });
    });
  }

  close(): void {
    this.sub.close();
  }
}

/** VmRSS of a process in bytes (0 when it is gone). */
export function rssOf(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Direct children of a process (Linux /proc). */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (text) out.push(...text.split(/\s+/).map(Number));
    }
  } catch {
    // gone
  }
  return out;
}

export function cmdlineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie still answers kill(0); it is gone for our purposes.
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}
