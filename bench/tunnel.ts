// Throughput through a real bin/nodepass server + client pair on loopback, per pool type.
//   npm run build && node --import tsx bench/tunnel.ts [--types 0,1] [--conns 1,8] [--mib 64] [--runs 3]
// Reverse mode at the type's default TLS: user → server target port → pool → client → sink.
// The sink counts what arrives and answers the count; the figure is user payload Mbit/s
// (median of the runs).

import net from 'node:net';
import { freePort } from '../tests/helpers/net';
import { ProcessGroup } from '../tests/helpers/proc';
import { ready, reversePair } from '../tests/helpers/tunnel';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};

function sink(): Promise<{ port: number; close: () => void }> {
  return new Promise((resolve) => {
    const srv = net.createServer({ allowHalfOpen: true }, (s) => {
      let got = 0;
      s.on('data', (d) => (got += d.length));
      s.on('end', () => s.end(`${got}`));
      s.on('error', () => {});
    });
    srv.listen(0, '127.0.0.1', () => resolve({ port: (srv.address() as net.AddressInfo).port, close: () => srv.close() }));
  });
}

function upload(port: number, bytes: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const chunk = Buffer.alloc(64 * 1024, 1);
    let sent = 0;
    let reply = '';
    const s = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    const pump = () => {
      while (sent < bytes) {
        const n = Math.min(chunk.length, bytes - sent);
        sent += n;
        if (!s.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void s.once('drain', pump);
      }
      s.end();
    };
    s.on('connect', pump);
    s.on('data', (d) => (reply += d.toString()));
    s.on('end', () => {
      s.destroy();
      if (Number(reply) === bytes) resolve();
      else reject(new Error(`sink got ${reply} of ${bytes} bytes`));
    });
    s.on('error', reject);
  });
}

async function main(): Promise<void> {
  const types = arg('types', '0,1').split(',');
  const conns = arg('conns', '1,8').split(',').map(Number);
  const mib = Number(arg('mib', '64'));
  const runs = Number(arg('runs', '3'));
  const target = await sink();
  const group = new ProcessGroup();
  try {
    for (const type of types) {
      const p = await reversePair(group, target.port, { serverQuery: `type=${type}`, env: { NP_REPORT_INTERVAL: '5s' } });
      await ready(p, type === '0' ? 0 : 1);
      if (type !== '0') await new Promise((r) => setTimeout(r, 200));
      for (const n of conns) {
        const rates: number[] = [];
        const watchdog = setInterval(() => {
          if (p.server.exitCode !== null || p.client.exitCode !== null) {
            console.error(`a process exited: server ${p.server.exitCode} client ${p.client.exitCode}\n${p.server.output().slice(-3000)}\n${p.server.stderr.join('\n')}\n${p.client.output().slice(-3000)}\n${p.client.stderr.join('\n')}`);
            process.exit(1);
          }
        }, 500);
        for (let r = 0; r < runs; r++) {
          const per = Math.floor((mib * 1024 * 1024) / n);
          const t0 = performance.now();
          await Promise.all(Array.from({ length: n }, () => upload(p.entryPort, per)));
          rates.push((per * n * 8) / ((performance.now() - t0) / 1000) / 1e6);
        }
        clearInterval(watchdog);
        rates.sort((a, b) => a - b);
        const median = rates[Math.floor(rates.length / 2)];
        console.log(`type=${type} connections=${n} ${mib} MiB: ${median.toFixed(0)} Mbit/s (runs: ${rates.map((x) => x.toFixed(0)).join(', ')})`);
      }
      await group.stopAll();
    }
  } finally {
    await group.stopAll();
    target.close();
  }
  // Not a port-holding test: make sure nothing lingers.
  void freePort;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
