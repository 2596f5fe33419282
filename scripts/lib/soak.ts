// The soak workload: many short TCP connections plus steady long-lived UDP flows through
// one tunnel, with RSS and descriptor bounds and byte and datagram accounting. Shared by the short
// profile in `npm test` and the long one in `npm run soak`.

import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import net from 'node:net';
import { echoServer, freePort, randomData, UdpClient, udpEchoServer } from './net';
import { ProcessGroup, type NodePassProcess } from './proc';
import { parseCheckPoint } from '../../engine/instance/stats';

export interface SoakOptions {
  connections: number;
  concurrency: number;
  bytesPerConnection: number;
  /** Stop early after this long (the loop is bounded in count and time). */
  maxMs: number;
  /** Long-lived UDP flows that run alongside the TCP connections the whole time (0 = none). */
  udpFlows?: number;
  /** Pace of each UDP flow: one datagram (1…1400 bytes, lock-step with its echo) per this many ms. */
  udpIntervalMs?: number;
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
  counters: { tcprx: number; tcptx: number; udprx: number; udptx: number } | null;
  udp: UdpReport;
}

export interface UdpReport {
  flows: number;
  datagrams: number;
  /** Datagrams whose echo did not come back (within 5 s) or came back different. */
  lost: number;
  bytesSent: number;
  bytesReceived: number;
  /** The longest a flow went without a successful echo: a flow that silently stopped shows here. */
  maxGapMs: number;
}

/**
 * One long-lived UDP flow (one source port, so one tunnel UDP session throughout): datagrams of
 * random size, each waiting for its echo, paced every `intervalMs` until `stop()` says so.
 */
async function udpFlow(port: number, intervalMs: number, stop: () => boolean, r: UdpReport): Promise<void> {
  const c = new UdpClient(port);
  await c.bind();
  let last = Date.now();
  try {
    while (!stop()) {
      const started = Date.now();
      const d = randomBytes(1 + Math.floor(Math.random() * 1400));
      r.datagrams++;
      r.bytesSent += d.length;
      try {
        const got = await c.request(d, 5000);
        r.bytesReceived += got.length;
        if (!got.equals(d)) r.lost++;
        const now = Date.now();
        r.maxGapMs = Math.max(r.maxGapMs, now - last);
        last = now;
      } catch {
        r.lost++;
      }
      const wait = intervalMs - (Date.now() - started);
      if (wait > 0) await new Promise((res) => setTimeout(res, wait));
    }
  } finally {
    c.close();
  }
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

async function lastCounters(p: NodePassProcess, wantRx: number, wantUdpRx: number): Promise<SoakReport['counters']> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const cp = [...p.lines].reverse().map(parseCheckPoint).find((x) => x !== null) ?? null;
    const done = cp && cp.tcprx >= wantRx && cp.udprx >= wantUdpRx && cp.tcps === 0;
    if (done || Date.now() > deadline) return cp ? { tcprx: cp.tcprx, tcptx: cp.tcptx, udprx: cp.udprx, udptx: cp.udptx } : null;
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function runSoak(o: SoakOptions): Promise<SoakReport> {
  const group = new ProcessGroup();
  // TCP and UDP echo on one port: the server dials the same target for both.
  const echoPort = await freePort();
  const echo = await echoServer(echoPort);
  const udpEcho = await udpEchoServer(echoPort);
  const udp: UdpReport = { flows: o.udpFlows ?? 0, datagrams: 0, lost: 0, bytesSent: 0, bytesReceived: 0, maxGapMs: 0 };
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
    // The UDP flows run from before the baseline to after the final sample, so both samples
    // include their sessions, and every datagram of the whole run is accounted for.
    let udpStop = false;
    const flows = Array.from({ length: udp.flows }, () => udpFlow(entry, o.udpIntervalMs ?? 5, () => udpStop, udp));
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
    udpStop = true;
    await Promise.all(flows);
    const counters = await lastCounters(client, sent, udp.bytesSent);
    const errorLines = [...server.lines.slice(from.server), ...client.lines.slice(from.client)].filter((l) => / (ERROR|WARN) /.test(l));
    return { connections: done, failed, bytesSent: sent, bytesReceived: received, elapsedMs, before, after, errorLines, counters, udp };
  } finally {
    await group.stopAll();
    await echo.close();
    await udpEcho.close();
  }
}
