// §2 Connection latency: sequential connect → 1-byte echo → close, direct and through each
// tunnel (type 0): p50, p99, max and how many took longer than 50 ms.

import net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Ctx } from '../lib/context';
import { applyRatios, quantile, round, row, skipped, type Section } from '../lib/report';
import { Tunnel } from '../lib/tunnel';
import { firstLine } from './throughput';

const ONE = Buffer.from([0x2a]);

/** One connect → 1 byte → echo → close; resolves with the milliseconds to the echo. */
export function echoOnce(port: number, timeoutMs = 10_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const s = net.connect({ host: '127.0.0.1', port, noDelay: true });
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`no echo within ${timeoutMs} ms`));
    }, timeoutMs);
    s.once('connect', () => s.write(ONE));
    s.once('data', () => {
      const dt = performance.now() - t0;
      clearTimeout(timer);
      s.destroy();
      resolve(dt);
    });
    s.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    s.once('end', () => {
      clearTimeout(timer);
      s.destroy();
      reject(new Error('closed before the echo'));
    });
  });
}

export async function sequential(port: number, count: number) {
  const times: number[] = [];
  let failures = 0;
  let lastError = '';
  for (let i = 0; i < count; i++) {
    try {
      times.push(await echoOnce(port));
    } catch (e) {
      failures++;
      lastError = (e as Error).message;
    }
  }
  const sorted = [...times].sort((a, b) => a - b);
  return {
    values: {
      p50: round(quantile(sorted, 0.5), 3),
      p99: round(quantile(sorted, 0.99), 3),
      max: round(sorted[sorted.length - 1] ?? NaN, 3),
      over50: times.filter((t) => t > 50).length,
      failed: failures,
    },
    lastError,
  };
}

export async function latency(ctx: Ctx): Promise<Section> {
  const n = ctx.profile.latencyCount;
  const section: Section = {
    title: `Connection latency: ${n} sequential connect → 1-byte echo → close (ms)`,
    baseline: 'direct',
    columns: [
      { key: 'p50', label: 'p50', digits: 3 },
      { key: 'p99', label: 'p99', digits: 3 },
      { key: 'max', label: 'max', digits: 2 },
      { key: 'over50', label: '> 50 ms', digits: 0 },
      { key: 'failed', label: 'failed', digits: 0 },
      { key: 'cpuMs', label: 'CPU ms/conn', digits: 3 },
    ],
    rows: [],
    notes: [],
  };
  ctx.log(`latency: direct, ${n} connections`);
  const direct = await sequential(ctx.echo.port, n);
  section.rows.push(row('direct', { ...direct.values, cpuMs: null }));
  for (const impl of ctx.impls) {
    for (const tls of ctx.profile.tls) {
      const label = `${impl.label} type 0 tls=${tls}`;
      let t: Tunnel;
      try {
        t = await Tunnel.start({ impl, type: 0, tls, targetPort: ctx.echo.port });
      } catch (e) {
        section.rows.push(skipped(label, firstLine((e as Error).message), 'failed'));
        continue;
      }
      try {
        // Let the pool fill before timing, as a long-running tunnel would be.
        await new Promise((r) => setTimeout(r, 500));
        await sequential(t.entryPort, Math.min(50, n)); // warm-up
        ctx.log(`latency: ${label}, ${n} connections`);
        const cpu0 = t.cpuSeconds();
        const r = await sequential(t.entryPort, n);
        const cpuMs = round(((t.cpuSeconds() - cpu0) * 1000) / n, 3);
        section.rows.push(row(label, { ...r.values, cpuMs }, r.values.failed ? { note: `last failure: ${r.lastError}` } : {}));
      } finally {
        await t.stop();
      }
    }
  }
  applyRatios(section);
  return section;
}
