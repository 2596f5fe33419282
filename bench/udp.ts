// UDP on loopback: datagrams/s delivered and loss at a given offered rate, direct and through a
// tunnel (server reverse + client, our framing), one way (sender → sink), 1400-byte datagrams.
//
//   node --import tsx bench/udp.ts [rate1,rate2,…] [seconds]     (default 10000,50000 and 3 s)
//
// The sender runs in a worker thread; the sink counts in the main thread. Numbers depend on the machine and what else runs on it.

import dgram from 'node:dgram';
import { Worker } from 'node:worker_threads';
import { parseCheckPoint } from '../engine/instance/stats';
import { freePort } from '../scripts/lib/net';
import { ProcessGroup, type NodePassProcess } from '../scripts/lib/proc';

const SIZE = 1400;

/** The sender, as plain JS for a worker thread (paced by the clock, batches every ~1 ms). */
const SENDER = `
const dgram = require('node:dgram');
const { parentPort, workerData: job } = require('node:worker_threads');
(async () => {
  const sock = dgram.createSocket('udp4');
  await new Promise((r) => sock.bind(0, '127.0.0.1', r));
  sock.setSendBufferSize(4 * 1024 * 1024);
  sock.connect(job.port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  const payload = Buffer.alloc(${SIZE}, 0x5a);
  const t0 = performance.now();
  const start = Date.now();
  const total = Math.round(job.rate * job.seconds);
  let sent = 0, errors = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * job.rate));
    while (sent < due) {
      sock.send(payload, (e) => { if (e) errors++; });
      sent++;
    }
    await new Promise((r) => setImmediate(r));
  }
  const secs = (performance.now() - t0) / 1000;
  await new Promise((r) => setTimeout(r, 50));
  sock.close();
  parentPort.postMessage({ sent, errors, secs, start });
})();
`;

let last = 0;

/** Server (reverse, listening for users on `port`) and client (dialling `target`), both ready. */
async function reversePair(g: ProcessGroup, target: string, env: Record<string, string>): Promise<{ port: number; ingress: NodePassProcess; egress: NodePassProcess }> {
  const tunnel = await freePort();
  const port = await freePort();
  const server = g.start(`server://127.0.0.1:${tunnel}/127.0.0.1:${port}?mode=1`, env);
  await server.waitFor(/Pending tunnel handshake/);
  const client = g.start(`client://127.0.0.1:${tunnel}/${target}?mode=2`, env);
  await client.waitFor(/CHECK_POINT/);
  await server.waitFor(/CHECK_POINT/);
  return { port, ingress: server, egress: client };
}

async function sink(): Promise<{ port: number; count: () => number; close: () => void }> {
  const sock = dgram.createSocket('udp4');
  let n = 0;
  sock.on('message', () => {
    n++;
    last = Date.now();
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  sock.setRecvBufferSize(4 * 1024 * 1024);
  return { port: sock.address().port, count: () => n, close: () => sock.close() };
}

async function run(port: number, s: { count: () => number }, rate: number, seconds: number) {
  const before = s.count();
  const w = new Worker(SENDER, { eval: true, workerData: { port, rate, seconds } });
  const r = await new Promise<{ sent: number; errors: number; secs: number; start: number }>((res, rej) => {
    w.once('message', res);
    w.once('error', rej);
  });
  await new Promise((res) => setTimeout(res, 500)); // let queued datagrams land
  const got = s.count() - before;
  // Delivered rate over the sending window, or until the last datagram landed if later.
  const secs = Math.max(r.secs, (last - r.start) / 1000);
  return { offered: rate, sent: r.sent, got, perSec: Math.round(got / secs), loss: 1 - got / r.sent, sendErrors: r.errors };
}

async function main(): Promise<void> {
  const rates = (process.argv[2] ?? '10000,50000').split(',').map(Number);
  const seconds = Number(process.argv[3] ?? 3);
  const rows: Array<Record<string, string | number>> = [];
  const g = new ProcessGroup();
  try {
    const s = await sink();
    for (const rate of rates) {
      const direct = await run(s.port, s, rate, seconds);
      rows.push({ path: 'direct', ...direct, loss: `${(direct.loss * 100).toFixed(2)}%` });
    }
    const pair = await reversePair(g, `127.0.0.1:${s.port}`, { NP_REPORT_INTERVAL: '1s' });
    let base = { in: 0, out: 0 };
    for (const rate of rates) {
      const t = await run(pair.port, s, rate, seconds);
      // Where datagrams were lost: before the ingress read them (its socket buffer), inside the
      // tunnel, or after the egress sent them (the sink's buffer).
      const ing = parseCheckPoint(await pair.ingress.waitFor(/CHECK_POINT/, 3000, pair.ingress.lines.length))!;
      const eg = parseCheckPoint(await pair.egress.waitFor(/CHECK_POINT/, 3000, pair.egress.lines.length))!;
      const readIn = (ing.udprx - base.in) / SIZE;
      const sentOut = (eg.udptx - base.out) / SIZE;
      base = { in: ing.udprx, out: eg.udptx };
      rows.push({
        path: 'tunnel (reverse, frames, tcp pool)',
        ...t,
        loss: `${(t.loss * 100).toFixed(2)}%`,
        where: `ingress read ${readIn}, egress sent ${sentOut}`,
      });
    }
    await g.stopAll();
    const single = await freePort();
    const p = g.start(`client://127.0.0.1:${single}/127.0.0.1:${s.port}?mode=1`, { NP_REPORT_INTERVAL: '5s' });
    await p.waitFor(/CHECK_POINT/);
    for (const rate of rates) {
      const t = await run(single, s, rate, seconds);
      rows.push({ path: 'single-end', ...t, loss: `${(t.loss * 100).toFixed(2)}%` });
    }
    s.close();
  } finally {
    await g.stopAll();
  }
  console.table(rows);
}

void main();
