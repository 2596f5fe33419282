// §5 Footprint: idle RSS and idle CPU of a server and a client with the default pool (64), next
// to a bare Node process; and CPU seconds per GB moved, from the throughput runs.

import type { Ctx } from '../lib/context';
import { Proc, sleep } from '../lib/proc';
import { round, row, skipped, type Section } from '../lib/report';
import { Tunnel } from '../lib/tunnel';
import { firstLine } from './throughput';

export async function footprint(ctx: Ctx): Promise<Section> {
  const p = ctx.profile;
  const section: Section = {
    title: `Footprint: idle after ${p.settleMs / 1000} s with the default pool, CPU over ${p.idleWindowMs / 1000} s idle`,
    baseline: 'bare node',
    columns: [
      { key: 'serverRssMiB', label: 'server RSS MiB', digits: 1 },
      { key: 'clientRssMiB', label: 'client RSS MiB', digits: 1 },
      { key: 'serverCpuPct', label: 'server idle CPU %', digits: 2 },
      { key: 'clientCpuPct', label: 'client idle CPU %', digits: 2 },
    ],
    rows: [],
    notes: [],
  };
  // The floor Node itself sets: an idle process with one timer.
  const bare = new Proc('bare node', process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)']);
  await sleep(Math.min(1000, p.settleMs));
  const bareRss = (bare.rssKiB() ?? 0) / 1024;
  const bareCpu0 = bare.cpuSeconds() ?? 0;
  await sleep(Math.min(1000, p.idleWindowMs));
  const bareCpu = (((bare.cpuSeconds() ?? 0) - bareCpu0) / (Math.min(1000, p.idleWindowMs) / 1000)) * 100;
  await bare.stop(500);
  section.rows.push(row('bare node', { serverRssMiB: round(bareRss, 1), clientRssMiB: round(bareRss, 1), serverCpuPct: round(bareCpu, 2), clientCpuPct: round(bareCpu, 2) }));

  for (const impl of ctx.impls) {
    for (const tls of ctx.profile.tls) {
      const label = `${impl.label} type 0 tls=${tls}`;
      ctx.log(`footprint: ${label}, settling ${p.settleMs / 1000} s and idling ${p.idleWindowMs / 1000} s`);
      let t: Tunnel;
      try {
        t = await Tunnel.start({ impl, type: 0, tls, targetPort: ctx.echo.port });
      } catch (e) {
        section.rows.push(skipped(label, firstLine((e as Error).message), 'failed'));
        continue;
      }
      try {
        await sleep(p.settleMs);
        const s0 = t.server.cpuSeconds() ?? 0;
        const c0 = t.client.cpuSeconds() ?? 0;
        await sleep(p.idleWindowMs);
        const secs = p.idleWindowMs / 1000;
        section.rows.push(
          row(label, {
            serverRssMiB: round((t.server.rssKiB() ?? 0) / 1024, 1),
            clientRssMiB: round((t.client.rssKiB() ?? 0) / 1024, 1),
            serverCpuPct: round((((t.server.cpuSeconds() ?? 0) - s0) / secs) * 100, 2),
            clientCpuPct: round((((t.client.cpuSeconds() ?? 0) - c0) / secs) * 100, 2),
          }),
        );
      } finally {
        await t.stop();
      }
    }
  }
  // Only RSS has a meaningful baseline (the bare process); idle CPU is shown as is.
  const base = section.rows[0];
  for (const r of section.rows) {
    r.ratios = {};
    if (r === base || r.status !== 'ok') continue;
    for (const k of ['serverRssMiB', 'clientRssMiB']) {
      const v = r.values[k];
      const b = base.values[k];
      r.ratios[k] = v != null && b ? round(v / b, 3) : null;
    }
  }
  return section;
}

/** CPU seconds per GB moved (server + client) during the throughput runs, against socat's. */
export function cpuPerGB(ctx: Ctx, socatPerGB: number | null): Section {
  const section: Section = {
    title: 'CPU seconds per GB moved (server + client), during the throughput runs',
    baseline: 'socat (1 hop)',
    columns: [{ key: 'cpuPerGB', label: 'CPU s/GB', digits: 3 }],
    rows: [],
    notes: ['NodePass v1.14 on this kind of machine: 1.30 (tls=0) / 2.12 (tls=1) CPU s/GB (issue 8)'],
  };
  section.rows.push(socatPerGB == null ? skipped('socat (1 hop)', 'no socat run') : row('socat (1 hop)', { cpuPerGB: socatPerGB }));
  for (const c of ctx.cpu) {
    section.rows.push(row(c.label, { cpuPerGB: c.bytes > 0 ? round(c.cpuSeconds / (c.bytes / 1e9), 3) : null }, { detail: { cpuSeconds: c.cpuSeconds, bytes: c.bytes } }));
  }
  const base = section.rows[0];
  for (const r of section.rows) {
    const v = r.values.cpuPerGB;
    const b = base.status === 'ok' ? base.values.cpuPerGB : null;
    r.ratios = { cpuPerGB: r !== base && v != null && b ? round(v / b, 3) : null };
  }
  return section;
}
