// `npm run soak`: the long soak profile — 100k short TCP connections plus steady long-lived UDP
// flows through one tunnel (bounded in count and time), printing progress and the bounds it measured.
import { runSoak } from './lib/soak';

const connections = Number(process.env.SOAK_CONNECTIONS ?? 100_000);
const t0 = Date.now();
const r = await runSoak({
  connections,
  concurrency: 50,
  bytesPerConnection: 4096,
  udpFlows: Number(process.env.SOAK_UDP_FLOWS ?? 8),
  udpIntervalMs: 5,
  maxMs: Number(process.env.SOAK_MAX_MS ?? 30 * 60_000),
  onProgress: (done, total) => {
    const pct = Math.round((done / total) * 100);
    const bar = '█'.repeat(Math.round(pct / 4)).padEnd(25, '·');
    process.stdout.write(`\r  ${bar} ${pct}%  ${done}/${total} connections, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  },
});
process.stdout.write('\n');
const rows = [
  ['connections', `${r.connections} (${r.failed} failed) in ${(r.elapsedMs / 1000).toFixed(1)} s`],
  ['bytes', `${r.bytesSent} sent, ${r.bytesReceived} received; client counters ${JSON.stringify(r.counters)}`],
  ['UDP', `${r.udp.flows} flows, ${r.udp.datagrams} datagrams (${r.udp.lost} lost), ${r.udp.bytesSent} bytes sent, ${r.udp.bytesReceived} received, longest gap ${r.udp.maxGapMs} ms`],
  ['server RSS / fds', `${r.before.server.rssMiB} → ${r.after.server.rssMiB} MiB; fds outside the pool ${r.before.server.otherFds} → ${r.after.server.otherFds} (pool ${r.before.server.pool} → ${r.after.server.pool})`],
  ['client RSS / fds', `${r.before.client.rssMiB} → ${r.after.client.rssMiB} MiB; fds outside the pool ${r.before.client.otherFds} → ${r.after.client.otherFds} (pool ${r.before.client.pool} → ${r.after.client.pool})`],
  ['warn/error lines', String(r.errorLines.length)],
];
for (const [k, v] of rows) console.log(`${k.padEnd(18)} ${v}`);
for (const l of r.errorLines.slice(0, 10)) console.log(`  ${l}`);
const ok =
  r.failed === 0 &&
  r.errorLines.length === 0 &&
  r.counters?.tcprx === r.bytesSent &&
  r.counters?.tcptx === r.bytesReceived &&
  r.udp.lost === 0 &&
  r.udp.maxGapMs < 2000 &&
  r.counters?.udprx === r.udp.bytesSent &&
  r.counters?.udptx === r.udp.bytesReceived &&
  Math.abs(r.after.server.otherFds - r.before.server.otherFds) <= 8 &&
  Math.abs(r.after.client.otherFds - r.before.client.otherFds) <= 8 &&
  r.after.server.rssMiB - r.before.server.rssMiB <= 80 &&
  r.after.client.rssMiB - r.before.client.rssMiB <= 80;
process.exit(ok ? 0 : 1);
