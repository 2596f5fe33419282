// §1 TCP throughput, 1 and N streams: direct, a socat relay, and each tunnel configuration.
// iperf3 when installed (the same method as the NodePass figures), else a built-in
// sender (this process) and receiver (a peer process).

import net from 'node:net';
import { freePort } from '../../scripts/lib/net';
import type { Ctx } from '../lib/context';
import { Peer, Proc, cpuSecondsOf, sleep } from '../lib/proc';
import { applyRatios, median, round, row, skipped, type Row, type Section } from '../lib/report';
import { Tunnel } from '../lib/tunnel';

interface Run {
  gbps: number;
  bytes: number;
}

/** One measurement towards `port`, where a receiver is waiting (started by `receiver`). */
type Measure = (port: number, streams: number) => Promise<Run>;

/** A receiver for the built-in path or iperf3; `port` is where the tunnel's client dials. */
interface Receiver {
  port: number;
  measure: Measure;
  /** Back to a clean state before the next configuration. */
  fresh(): Promise<void>;
  stop(): Promise<void>;
}

async function iperfReceiver(bin: string, seconds: number): Promise<Receiver> {
  const port = await freePort();
  let server: Proc | null = null;
  const startServer = async () => {
    server = new Proc('iperf3 -s', bin, ['-s', '-p', String(port), '-B', '127.0.0.1', '--forceflush']);
    await server.waitFor(/Server listening/, 5000);
  };
  await startServer();
  const restart = async () => {
    await server?.stop(500);
    await startServer();
  };
  const omit = seconds >= 5 ? 1 : 0;
  const secs = Math.max(1, Math.round(seconds)); // iperf3 takes whole seconds (0 would mean forever)
  return {
    port,
    measure: async (entry, streams) => {
      const c = new Proc('iperf3 -c', bin, ['-c', '127.0.0.1', '-p', String(entry), '-t', String(secs), '-O', String(omit), '-P', String(streams), '-J']);
      const kill = setTimeout(() => void c.stop(500), (secs + omit + 30) * 1000);
      const code = await c.exit;
      clearTimeout(kill);
      const text = c.lines.join('\n');
      let j: { end?: { sum_received?: { bits_per_second: number; bytes: number } }; error?: string };
      try {
        j = JSON.parse(text.slice(text.indexOf('{')));
      } catch {
        throw new Error(`iperf3 exited ${code} without JSON: ${c.tail(3).join(' | ')}`);
      }
      if (j.error || !j.end?.sum_received) {
        // A failed test can leave the server stuck on the old control connection: restart it.
        await restart();
        throw new Error(`iperf3: ${j.error ?? 'no result'}`);
      }
      return { gbps: j.end.sum_received.bits_per_second / 1e9, bytes: j.end.sum_received.bytes };
    },
    // A test through a tunnel that was just torn down can leave the server busy with it.
    fresh: restart,
    stop: async () => {
      await server?.stop(500);
    },
  };
}

const CHUNK = Buffer.alloc(128 * 1024, 0x5a);

/** Writes as fast as the socket takes it for `seconds`, then ends every stream. */
function send(port: number, streams: number, seconds: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let open = streams;
    const deadline = Date.now() + seconds * 1000;
    const socks: net.Socket[] = [];
    for (let i = 0; i < streams; i++) {
      const s = net.connect({ host: '127.0.0.1', port, noDelay: true });
      socks.push(s);
      const pump = () => {
        while (Date.now() < deadline) {
          sent += CHUNK.length;
          if (!s.write(CHUNK)) return;
        }
        s.end();
      };
      s.on('connect', pump);
      s.on('drain', pump);
      s.on('error', (e) => {
        for (const x of socks) x.destroy();
        reject(e);
      });
      s.on('close', () => {
        if (--open === 0) resolve(sent);
      });
      s.resume();
    }
  });
}

async function builtinReceiver(seconds: number): Promise<Receiver> {
  const sink = await new Peer('sink').ready();
  return {
    port: sink.port,
    measure: async (entry, streams) => {
      await sink.ask('reset');
      await send(entry, streams, seconds);
      // Wait until the receiver has seen everything that was in flight.
      let last = -1;
      for (let i = 0; i < 50; i++) {
        const s = await sink.ask('stats');
        if (s.bytes === last) break;
        last = Number(s.bytes);
        await sleep(100);
      }
      const s = await sink.ask('stats');
      const bytes = Number(s.bytes);
      const secs = Number(s.seconds);
      if (bytes === 0 || secs <= 0) throw new Error('no bytes arrived at the receiver');
      return { gbps: (bytes * 8) / secs / 1e9, bytes };
    },
    fresh: async () => {},
    stop: () => sink.stop(),
  };
}

export async function throughput(ctx: Ctx): Promise<Section> {
  const p = ctx.profile;
  const cols = p.streams.map((n) => ({ key: `s${n}`, label: `${n} stream${n > 1 ? 's' : ''} Gbit/s`, digits: 2 }));
  const section: Section = {
    title: `TCP throughput (${ctx.useIperf ? 'iperf3' : 'built-in sender/receiver'}, ${p.tputSeconds} s per run, median of ${p.tputRepeats})`,
    baseline: 'direct',
    columns: [...cols, { key: 'cpuPerGB', label: 'CPU s/GB', digits: 2 }],
    rows: [],
    notes: [],
  };
  const recv = ctx.useIperf ? await iperfReceiver(ctx.tools.iperf3!, p.tputSeconds) : await builtinReceiver(p.tputSeconds);
  try {
    /** Runs every stream count against `entry`; `cpu` reads the CPU seconds of the relay processes. */
    const measureAll = async (label: string, entry: number, cpu: (() => number) | null): Promise<Row> => {
      await recv.fresh();
      const values: Record<string, number | null> = {};
      const detail: Record<string, unknown> = {};
      let cpuUsed = 0;
      let bytes = 0;
      for (const n of p.streams) {
        const runs: number[] = [];
        for (let r = 0; r < p.tputRepeats; r++) {
          ctx.log(`throughput: ${label}, ${n} stream${n > 1 ? 's' : ''}${p.tputRepeats > 1 ? ` (run ${r + 1}/${p.tputRepeats})` : ''}`);
          const c0 = cpu?.() ?? 0;
          const run = await recv.measure(entry, n);
          // socat's children are counted once they exit and are reaped.
          if (cpu) await sleep(200);
          cpuUsed += (cpu?.() ?? 0) - c0;
          bytes += run.bytes;
          runs.push(run.gbps);
        }
        values[`s${n}`] = round(median(runs), 3);
        detail[`s${n}Runs`] = runs.map((x) => round(x, 3));
      }
      values.cpuPerGB = cpu && bytes > 0 ? round(cpuUsed / (bytes / 1e9), 3) : null;
      detail.bytes = bytes;
      detail.cpuSeconds = round(cpuUsed, 2);
      return row(label, values, { detail });
    };

    section.rows.push(await measureAll('direct', recv.port, null));

    if (ctx.tools.socat) {
      const port = await freePort();
      const socat = new Proc('socat', ctx.tools.socat, [`TCP-LISTEN:${port},bind=127.0.0.1,reuseaddr,fork,backlog=1024`, `TCP:127.0.0.1:${recv.port}`]);
      await sleep(300);
      // Forked children are reaped by the parent, so their CPU lands in its cutime/cstime.
      const cpu = () => cpuSecondsOf(socat.pid, true) ?? 0;
      try {
        section.rows.push(await measureAll('socat (1 hop)', port, cpu));
      } catch (e) {
        section.rows.push(skipped('socat (1 hop)', (e as Error).message, 'failed'));
      }
      await socat.stop(500);
    } else {
      section.rows.push(skipped('socat (1 hop)', 'socat not installed'));
    }

    for (const impl of ctx.impls) {
      for (const type of p.types) {
        for (const tls of p.tputTls) {
          const label = `${impl.label} type ${type} tls=${tls}`;
          let t: Tunnel;
          try {
            ctx.log(`throughput: starting ${label}`);
            t = await Tunnel.start({ impl, type, tls, targetPort: recv.port, readyTimeoutMs: 10_000 });
          } catch (e) {
            section.rows.push(skipped(label, `not available: ${firstLine((e as Error).message)}`));
            continue;
          }
          try {
            await sleep(300);
            const r = await measureAll(label, t.entryPort, () => t.cpuSeconds());
            section.rows.push(r);
            ctx.cpu.push({ label, impl: impl.id, tls, type, cpuSeconds: Number(r.detail!.cpuSeconds), bytes: Number(r.detail!.bytes) });
          } catch (e) {
            section.rows.push(skipped(label, firstLine((e as Error).message), 'failed'));
          } finally {
            await t.stop();
          }
        }
      }
    }
  } finally {
    await recv.stop();
  }
  applyRatios(section);
  return section;
}

export function firstLine(s: string): string {
  return s.split('\n')[0];
}
