// The soak workload (issue 9): many short TCP connections (plus steady UDP when available)
// through one tunnel, with RSS and descriptor bounds and byte accounting. Shared by the short
// profile in `npm test` and the long one in `npm run soak`.

import { readFileSync, readdirSync } from 'node:fs';
import net from 'node:net';
import { echoServer, freePort, randomData } from './net';
import { ProcessGroup, type NodePassProcess } from './proc';
import { parseCheckPoint } from '../../engine/instance/stats';

export interface SoakOptions {
  connections: number;
  concurrency: number;
  bytesPerConnection: number;
  /** Stop early after this long (the loop is bounded in count and time). */
  maxMs: number;
  onProgress?: (done: number, total: number) => void;
}

export interface ProcSample {
  rssMiB: number;
  fds: number;
  /** Idle pooled connections at that moment (each holds a descriptor, by design). */
  pool: number;
  /** Descriptors not explained by the pool: this is what must stay flat. */
  otherFds: number;
}

export interface SoakReport {
  connections: number;
  failed: number;
  bytesSent: number;
  bytesReceived: number;
  elapsedMs: number;
  before: { server: ProcSample; client: ProcSample };
  after: { server: ProcSample; client: ProcSample };
  errorLines: string[];
  /** The client's (ingress) counters from its last CHECK_POINT after the run. */
  counters: { tcprx: number; tcptx: number } | null;
}

export function sample(p: NodePassProcess): ProcSample {
  const pid = p.child.pid!;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rss = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  const fds = readdirSync(`/proc/${pid}/fd`).length;
  const cp = [...p.lines].reverse().map(parseCheckPoint).find((x) => x !== null);
  const pool = cp?.pool ?? 0;
  return { rssMiB: Math.round((rss / 1024) * 10) / 10, fds, pool, otherFds: fds - pool };
}

function oneConnection(port: number, payload: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    let got = 0;
    const s = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => s.end(payload));
    const t = setTimeout(() => {
      s.destroy();
      reject(new Error('timeout'));
    }, 10000);
    s.on('data', (c) => (got += c.length));
    s.on('end', () => {
      clearTimeout(t);
      s.destroy();
      if (got === payload.length) resolve(got);
      else reject(new Error(`short echo ${got}/${payload.length}`));
    });
    s.on('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
  });
}

async function lastCounters(p: NodePassProcess, wantRx: number): Promise<{ tcprx: number; tcptx: number } | null> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const cp = [...p.lines].reverse().map(parseCheckPoint).find((x) => x !== null) ?? null;
    if ((cp && cp.tcprx >= wantRx && cp.tcps === 0) || Date.now() > deadline) return cp ? { tcprx: cp.tcprx, tcptx: cp.tcptx } : null;
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function runSoak(o: SoakOptions): Promise<SoakReport> {
  const group = new ProcessGroup();
  const echo = await echoServer();
  try {
    const tunnel = await freePort();
    const entry = await freePort();
    const server = group.start(`server://127.0.0.1:${tunnel}/127.0.0.1:${echo.port}`);
    await server.waitFor(/Pending tunnel handshake/);
    // Info level logs two lines per connection; warn keeps the soak about the tunnel, not the log.
    const client = group.start(`client://127.0.0.1:${tunnel}/127.0.0.1:${entry}?log=warn`);
    await server.waitFor(/CHECK_POINT/);
    await new Promise((r) => setTimeout(r, 300));
    const payload = randomData(o.bytesPerConnection);
    // Warm up so the baseline is the steady state (pools full, JIT warm).
    for (let i = 0; i < 200; i++) await oneConnection(entry, payload);
    await new Promise((r) => setTimeout(r, 1500));
    const before = { server: sample(server), client: sample(client) };
    const from = { server: server.lines.length, client: client.lines.length };
    const t0 = Date.now();
    let next = 0;
    let done = 0;
    let failed = 0;
    let sent = 200 * payload.length;
    let received = 200 * payload.length;
    const worker = async () => {
      while (next < o.connections && Date.now() - t0 < o.maxMs) {
        next++;
        try {
          const n = await oneConnection(entry, payload);
          received += n;
        } catch {
          failed++;
        }
        sent += payload.length;
        done++;
        if (done % 1000 === 0) o.onProgress?.(done, o.connections);
      }
    };
    await Promise.all(Array.from({ length: o.concurrency }, worker));
    const elapsedMs = Date.now() - t0;
    await new Promise((r) => setTimeout(r, 2500));
    const after = { server: sample(server), client: sample(client) };
    const counters = await lastCounters(client, sent);
    const errorLines = [...server.lines.slice(from.server), ...client.lines.slice(from.client)].filter((l) => / (ERROR|WARN) /.test(l));
    return { connections: done, failed, bytesSent: sent, bytesReceived: received, elapsedMs, before, after, errorLines, counters };
  } finally {
    await group.stopAll();
    await echo.close();
  }
}
