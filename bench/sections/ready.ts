// §6 Time to ready: from spawning the client process to the first byte echoed through the tunnel
// (the server is already up, so tls=1 does not count its certificate generation). The baseline
// is a bare Node process that connects straight to the echo: what starting Node costs at all.

import net from 'node:net';
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import type { Ctx } from '../lib/context';
import { Proc, sleep } from '../lib/proc';
import { applyRatios, median, round, row, skipped, type Section } from '../lib/report';
import { Tunnel } from '../lib/tunnel';
import { firstLine } from './throughput';

/** Connects, sends a byte and waits for its echo, retrying until `deadline` (ms, performance clock). */
async function firstEcho(port: number, deadline: number): Promise<number> {
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port, noDelay: true });
      const timer = setTimeout(() => {
        s.destroy();
        resolve(false);
      }, Math.max(1, deadline - performance.now()));
      s.once('connect', () => s.write('x'));
      s.once('data', () => {
        clearTimeout(timer);
        s.destroy();
        resolve(true);
      });
      const fail = () => {
        clearTimeout(timer);
        s.destroy();
        resolve(false);
      };
      s.once('error', fail);
      s.once('end', fail);
    });
    if (ok) return performance.now();
    if (performance.now() >= deadline) throw new Error('no echo through the tunnel before the deadline');
    await sleep(2);
  }
}

async function bareNode(echoPort: number): Promise<number> {
  const code = `const s=require('net').connect(${echoPort},'127.0.0.1',()=>s.write('x'));s.setNoDelay(true);s.on('data',()=>{process.stdout.write('ok\\n');process.exit(0)})`;
  const t0 = performance.now();
  const c = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    c.stdout.once('data', () => resolve());
    c.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`bare node exited ${code}`))));
  });
  return performance.now() - t0;
}

export async function ready(ctx: Ctx): Promise<Section> {
  const reps = ctx.profile.readyReps;
  const section: Section = {
    title: `Time to ready: client process start → first byte through the tunnel (ms, median of ${reps})`,
    baseline: 'bare node (direct)',
    columns: [
      { key: 'median', label: 'median', digits: 1 },
      { key: 'min', label: 'min', digits: 1 },
      { key: 'max', label: 'max', digits: 1 },
    ],
    rows: [],
    notes: [],
  };
  const summarise = (xs: number[]) => ({ median: round(median(xs), 1), min: round(Math.min(...xs), 1), max: round(Math.max(...xs), 1) });
  const bare: number[] = [];
  for (let i = 0; i < reps; i++) bare.push(await bareNode(ctx.echo.port));
  section.rows.push(row('bare node (direct)', summarise(bare), { detail: { samples: bare.map((x) => round(x, 1)) } }));

  for (const impl of ctx.impls) {
    for (const tls of ctx.profile.tls) {
      const label = `${impl.label} type 0 tls=${tls}`;
      const samples: number[] = [];
      let failure = '';
      for (let i = 0; i < reps && !failure; i++) {
        ctx.log(`time to ready: ${label} (${i + 1}/${reps})`);
        const spec = { impl, type: 0 as const, tls, targetPort: ctx.echo.port };
        let server: Proc | null = null;
        let client: Proc | null = null;
        try {
          const s = await Tunnel.startServer(spec);
          server = s.server;
          await sleep(200); // the server is idle when the client starts
          const cmd = Tunnel.clientCommand(spec, s.tunnelPort);
          const t0 = performance.now();
          client = new Proc(`${impl.label} client`, cmd.cmd, cmd.args);
          const t1 = await firstEcho(s.entryPort, t0 + 20_000);
          samples.push(t1 - t0);
        } catch (e) {
          failure = firstLine((e as Error).message);
        } finally {
          await client?.stop();
          await server?.stop();
        }
      }
      section.rows.push(failure ? skipped(label, failure, 'failed') : row(label, summarise(samples), { detail: { samples: samples.map((x) => round(x, 1)) } }));
    }
  }
  applyRatios(section);
  return section;
}
