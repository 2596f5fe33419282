// Raw QUIC stream throughput of the QUIC driver (engine/pool/quic/) between two processes on loopback.
//   node --import tsx bench/quic-driver.ts [--streams 1,8] [--mib 64] [--cc reno|cubic|bbr] [--packet 1350]
// The parent dials; a child process listens and sinks each stream, answering one byte at its end.

import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { generateSelfSigned } from '../engine/tls/selfsigned';
import { makeConfig, tuningOf, type CcName, type QuicSettings } from '../engine/pool/quic/config';
import { dialQuic } from '../engine/pool/quic/dial';
import { bindQuicSocket, QuicListener } from '../engine/pool/quic/listener';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};

// Optimisation steps can be switched off one by one (both processes read the same flags).
const defaults = tuningOf();
const tuning = tuningOf({
  readView: Number(arg('reads', String(defaults.readView))),
  socketBuffer: Number(arg('sockbuf', String(defaults.socketBuffer))),
  bigWindows: arg('windows', 'big') === 'big',
  batch: !process.argv.includes('--nobatch'),
});

const settings = (): QuicSettings => ({
  alpn: 'np-quic',
  keepAliveMs: 5000,
  idleTimeoutMs: 15000,
  maxIncomingStreams: 1024,
  cc: arg('cc', 'cubic') as CcName,
  maxPacket: Number(arg('packet', '1350')),
  tuning,
});

async function serve(): Promise<void> {
  const pair = await generateSelfSigned('bench');
  const sock = await bindQuicSocket('127.0.0.1', 0);
  const cfg = makeConfig(settings(), { certPem: pair.certPem, keyPem: pair.keyPem });
  const l = QuicListener.attach(sock, {
    config: () => cfg,
    onConnection: (c) =>
      c.on('stream', (s) => {
        let got = 0;
        if (process.env.BENCH_DEBUG) setInterval(() => console.error('server got', got, (s as any).paused, s.readableFlowing, s.readableLength, c.streams.size, [...c.conn.readable()]), 1000).unref();
        s.on('data', (d: Buffer) => (got += d.length));
        s.on('end', () => {
          const b = Buffer.alloc(8);
          b.writeBigUInt64BE(BigInt(got));
          s.end(b);
        });
        s.on('error', () => {});
      }),
  }, 5000, tuning);
  process.on('disconnect', () => process.exit(0));
  process.send!({ port: l.port });
}

async function run(): Promise<void> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve', ...process.argv.slice(2)], { execArgv: ['--import', 'tsx', ...(process.env.BENCH_SERVER_PROF ? ['--cpu-prof'] : [])] });
  const port = await new Promise<number>((r) => child.once('message', (m: { port: number }) => r(m.port)));
  const c = await dialQuic({ host: '127.0.0.1', port, serverName: null, settings: settings(), tls: {}, timeoutMs: 5000 });
  if (process.env.BENCH_DEBUG) {
    setInterval(() => {
      const st = c.conn.stats();
      console.error(`sent ${st.sentBytes} recv ${st.recvBytes} lost ${st.lost} blocked ${c.blocked.size} streams ${c.streams.size}`, c.pathInfo());
    }, 1000).unref();
  }
  const mib = Number(arg('mib', '64'));
  const chunk = Buffer.alloc(64 * 1024, 7);
  for (const n of arg('streams', '1,8').split(',').map(Number)) {
    const per = Math.floor((mib * 1024 * 1024) / n);
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: n }, async () => {
        const s = await c.openStream(Uint8Array.of(0));
        await new Promise<void>((resolve, reject) => {
          let sent = 0;
          const pump = () => {
            while (sent < per) {
              sent += chunk.length;
              if (!s.write(chunk)) return void s.once('drain', pump);
            }
            s.end();
          };
          const back: Buffer[] = [];
          s.on('data', (d: Buffer) => back.push(d));
          s.on('end', () => {
            const got = Number(Buffer.concat(back).readBigUInt64BE(0));
            if (got !== sent + 1) reject(new Error(`server got ${got} of ${sent} bytes`));
            else resolve();
          });
          s.on('error', reject);
          pump();
        });
      }),
    );
    const secs = (performance.now() - t0) / 1000;
    const mbit = (per * n * 8) / secs / 1e6;
    const path = c.pathInfo();
    console.log(`streams=${n} cc=${arg('cc', 'cubic')} packet=${arg('packet', '1350')} reads=${tuning.readView} sockbuf=${tuning.socketBuffer} windows=${tuning.bigWindows ? 'big' : 'small'} batch=${tuning.batch} ${mib} MiB in ${secs.toFixed(2)} s = ${mbit.toFixed(0)} Mbit/s (rtt ${path?.rttMs} cwnd ${path?.cwnd})`);
  }
  c.close('done');
  child.disconnect();
}

if (process.argv.includes('--serve')) void serve();
else void run();
