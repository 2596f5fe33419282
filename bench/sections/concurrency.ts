// §3 Concurrency: N long-lived connections opened at once (a window of connects in flight),
// each proven end to end by a 1-byte echo, held while the tunnel's RSS is read, then closed.

import net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Ctx } from '../lib/context';
import { sleep } from '../lib/proc';
import { applyRatios, round, row, skipped, type Section } from '../lib/report';
import { Tunnel } from '../lib/tunnel';
import { firstLine } from './throughput';

/** Connects still in progress at once: a burst without overflowing the listen backlogs. */
const WINDOW = 256;
const DEADLINE_MS = 15_000;

interface Held {
  ok: number;
  failed: number;
  seconds: number;
  sockets: net.Socket[];
  lastError: string;
}

/** Opens `n` connections to `port`; each counts once its byte is echoed. */
function openMany(port: number, n: number): Promise<Held> {
  return new Promise((resolve) => {
    const sockets: net.Socket[] = [];
    let started = 0;
    let ok = 0;
    let failed = 0;
    let lastError = '';
    const t0 = performance.now();
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ ok, failed: n - ok, seconds: (performance.now() - t0) / 1000, sockets, lastError });
    };
    const timer = setTimeout(() => {
      lastError ||= `deadline of ${DEADLINE_MS / 1000} s passed`;
      finish();
    }, DEADLINE_MS);
    const next = () => {
      if (done) return;
      if (ok + failed === n) return finish();
      if (started >= n) return;
      started++;
      const s = net.connect({ host: '127.0.0.1', port, noDelay: true });
      sockets.push(s);
      let settled = false;
      const settle = (good: boolean, why = '') => {
        if (settled) return;
        settled = true;
        if (good) ok++;
        else {
          failed++;
          lastError = why;
        }
        next();
      };
      s.once('connect', () => s.write('x'));
      s.once('data', () => settle(true));
      s.on('error', (e) => settle(false, e.message));
      s.once('end', () => settle(false, 'closed by the peer'));
    };
    for (let i = 0; i < Math.min(WINDOW, n); i++) next();
  });
}

async function closeAll(sockets: net.Socket[]): Promise<void> {
  for (const s of sockets) s.destroy();
  await sleep(500);
}

export async function concurrency(ctx: Ctx): Promise<Section> {
  const section: Section = {
    title: 'Concurrency: connections held open at once through one tunnel',
    baseline: 'direct',
    columns: [
      { key: 'success', label: 'success %', digits: 1 },
      { key: 'seconds', label: 'open all s', digits: 3 },
      { key: 'serverKiB', label: 'server KiB/conn', digits: 1 },
      { key: 'clientKiB', label: 'client KiB/conn', digits: 1 },
      { key: 'cpuMs', label: 'CPU ms/conn', digits: 3 },
    ],
    rows: [],
    notes: [`${WINDOW} connects in flight at most; a connection counts once its byte is echoed; deadline ${DEADLINE_MS / 1000} s`],
  };
  // Each connection costs this process one descriptor and each tunnel process two.
  const max = ctx.profile.concurrency.filter((n) => n + 500 <= ctx.nofile);
  const tooMany = ctx.profile.concurrency.filter((n) => !max.includes(n));
  for (const n of tooMany) section.notes.push(`${n} skipped: the open-files limit is ${ctx.nofile} (run through \`npm run bench\`, which raises it to the hard limit)`);

  for (const n of max) {
    const label = `direct ${n}`;
    ctx.log(`concurrency: ${label}`);
    const h = await openMany(ctx.echo.port, n);
    section.rows.push(row(label, { success: round((100 * h.ok) / n, 2), seconds: round(h.seconds, 3), serverKiB: null, clientKiB: null, cpuMs: null }));
    await closeAll(h.sockets);
  }
  for (const impl of ctx.impls) {
    for (const n of max) {
      const label = `${impl.label} type 0 tls=0 ${n}`;
      let t: Tunnel;
      try {
        t = await Tunnel.start({ impl, type: 0, tls: 0, targetPort: ctx.echo.port });
      } catch (e) {
        section.rows.push(skipped(label, firstLine((e as Error).message), 'failed'));
        continue;
      }
      try {
        await sleep(1000);
        const s0 = t.server.rssKiB() ?? 0;
        const c0 = t.client.rssKiB() ?? 0;
        ctx.log(`concurrency: ${label}`);
        const cpu0 = t.cpuSeconds();
        const h = await openMany(t.entryPort, n);
        const cpu = t.cpuSeconds() - cpu0;
        await sleep(500);
        const s1 = t.server.rssKiB() ?? 0;
        const c1 = t.client.rssKiB() ?? 0;
        const per = (a: number, b: number) => (h.ok > 0 ? round((b - a) / h.ok, 2) : null);
        section.rows.push(
          row(
            label,
            { success: round((100 * h.ok) / n, 2), seconds: round(h.seconds, 3), serverKiB: per(s0, s1), clientKiB: per(c0, c1), cpuMs: h.ok > 0 ? round((cpu * 1000) / h.ok, 3) : null },
            { note: h.failed > 0 ? `${h.failed} failed, last: ${h.lastError}` : undefined, detail: { rssKiB: { server: [s0, s1], client: [c0, c1] } } },
          ),
        );
        await closeAll(h.sockets);
      } finally {
        await t.stop();
      }
    }
  }
  // Ratios within the same connection count.
  for (const n of max) {
    const sub: Section = { ...section, baseline: `direct ${n}`, rows: section.rows.filter((r) => r.label.endsWith(` ${n}`)) };
    applyRatios(sub);
  }
  section.baseline = 'direct (same count)';
  return section;
}
