// §4 UDP: datagrams of a fixed size offered at a paced rate, direct and through the tunnel;
// the receiver (a peer process) counts the ones that arrive intact.

import dgram from 'node:dgram';
import { performance } from 'node:perf_hooks';
import type { Ctx } from '../lib/context';
import { Peer, sleep } from '../lib/proc';
import { applyRatios, round, row, skipped, type Section } from '../lib/report';
import { Tunnel } from '../lib/tunnel';
import { stamp, udpTemplate } from '../helpers/udp-format';
import { firstLine } from './throughput';

/** Sends `rate` datagrams/s for `seconds` (paced on the clock, bursts capped); returns how many. */
async function offer(port: number, rate: number, seconds: number, size: number): Promise<number> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.connect(port, '127.0.0.1', () => r()));
  const template = udpTemplate(size);
  const total = Math.round(rate * seconds);
  let sent = 0;
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate));
      let burst = 0;
      while (sent < due && burst++ < 2000) sock.send(stamp(template, sent++));
      if (sent >= total) resolve();
      else setImmediate(tick);
    };
    tick();
  });
  await sleep(50);
  sock.close();
  return sent;
}

async function measure(sink: Peer, port: number, rate: number, seconds: number, size: number) {
  await sink.ask('reset');
  const sent = await offer(port, rate, seconds, size);
  // Let what is in flight arrive.
  let last = -1;
  for (let i = 0; i < 20; i++) {
    await sleep(100);
    const s = await sink.ask('stats');
    if (s.received === last) break;
    last = Number(s.received);
  }
  const s = await sink.ask('stats');
  const intact = Number(s.intact);
  return { sent, received: Number(s.received), intact, perSecond: round(intact / seconds, 0), intactPct: round((100 * intact) / sent, 2) };
}

export async function udp(ctx: Ctx): Promise<Section> {
  const p = ctx.profile;
  const section: Section = {
    title: `UDP: ${p.udpSize}-byte datagrams offered for ${p.udpSeconds} s`,
    baseline: 'direct',
    columns: p.udpRates.flatMap((r) => [
      { key: `r${r}pps`, label: `${r / 1000}k/s: delivered/s`, digits: 0 },
      { key: `r${r}pct`, label: `intact %`, digits: 1 },
    ]),
    rows: [],
    notes: [],
  };
  const sink = await new Peer('udpsink', [String(p.udpSize)]).ready();
  try {
    const runAll = async (label: string, port: number) => {
      const values: Record<string, number | null> = {};
      const detail: Record<string, unknown> = {};
      for (const r of p.udpRates) {
        ctx.log(`udp: ${label}, ${r} datagrams/s`);
        const m = await measure(sink, port, r, p.udpSeconds, p.udpSize);
        values[`r${r}pps`] = m.perSecond;
        values[`r${r}pct`] = m.intactPct;
        detail[`r${r}`] = m;
      }
      return row(label, values, { detail });
    };
    section.rows.push(await runAll('direct', sink.port));
    for (const impl of ctx.impls) {
      const label = `${impl.label} type 0 tls=0`;
      let t: Tunnel;
      try {
        t = await Tunnel.start({ impl, type: 0, tls: 0, targetPort: sink.port });
      } catch (e) {
        section.rows.push(skipped(label, firstLine((e as Error).message), 'failed'));
        continue;
      }
      try {
        await sleep(300);
        // A few datagrams first: a build without UDP over the tunnel delivers none.
        const probe = await measure(sink, t.entryPort, 200, 0.1, p.udpSize);
        if (probe.received === 0) await sleep(1000);
        if (probe.received === 0 && Number((await sink.ask('stats')).received) === 0) {
          section.rows.push(skipped(label, 'no datagram came through the tunnel (UDP over the tunnel is not in this build)'));
          continue;
        }
        section.rows.push(await runAll(label, t.entryPort));
      } finally {
        await t.stop();
      }
    }
  } finally {
    await sink.stop();
  }
  applyRatios(section);
  return section;
}
