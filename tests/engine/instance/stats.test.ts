// Live statistics: the structured `stats` events of the engine API carry the same figures as the
// CHECK_POINT line, both equal to the bytes the test moved; the CLI sends them to a parent over IPC.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInstance, type TunnelInstance } from '../../../engine/instance/index';
import { parseCheckPoint, type StatsSnapshot } from '../../../engine/instance/stats';
import { echoServer, eventually, freePort, roundTrip, udpEchoCheck, UdpClient, udpEchoServer, datagramLadder } from '../../helpers/net';
import { BIN } from '../../helpers/proc';

const running: TunnelInstance[] = [];
after(async () => {
  await Promise.all(running.map((i) => i.stop()));
});

type Stamped = StatsSnapshot & { time: number };

function start(url: string): { inst: TunnelInstance; events: Stamped[]; checkPoints: Array<{ at: number; s: StatsSnapshot }> } {
  const r = createInstance(url, { env: { NP_REPORT_INTERVAL: '1s' }, statsIntervalMs: 250, colour: false });
  if (!r.ok) throw new Error(r.message);
  const events: Stamped[] = [];
  const checkPoints: Array<{ at: number; s: StatsSnapshot }> = [];
  r.instance.on('stats', (s) => events.push(s));
  r.logger.addSink((rec) => {
    const s = parseCheckPoint(rec.message);
    if (s && rec.message.startsWith('CHECK_POINT|')) checkPoints.push({ at: rec.time, s });
  });
  running.push(r.instance);
  void (async () => {
    await r.instance.checkAddresses();
    await r.instance.prepare();
    await r.instance.run();
  })();
  return { inst: r.instance, events, checkPoints };
}

const FIELDS = ['mode', 'tcps', 'udps', 'tcprx', 'tcptx', 'udprx', 'udptx', 'ping', 'pool'] as const;
const pick = (s: StatsSnapshot) => FIELDS.map((f) => s[f]);

test('stats events every 250 ms equal the CHECK_POINT figures and the bytes moved', async () => {
  const port = await freePort();
  const tcpT = await echoServer(port);
  const udpT = await udpEchoServer(port);
  const tunnel = await freePort();
  const user = await freePort();
  const server = start(`server://127.0.0.1:${tunnel}/127.0.0.1:${user}?mode=1`);
  await eventually(async () => assert.equal(server.inst.state, 'waiting'), 3000);
  const client = start(`client://127.0.0.1:${tunnel}/127.0.0.1:${port}?mode=2`);
  await eventually(async () => assert.equal(server.inst.state, 'running'), 5000);

  const tcpBytes = Buffer.alloc(300_000, 7);
  assert.equal((await roundTrip(user, tcpBytes)).length, tcpBytes.length);
  const u = new UdpClient(user);
  const udpBytes = await udpEchoCheck(u, datagramLadder(50, 4000));
  u.close();

  for (const side of [server, client]) {
    const mode = side === server ? 1 : 2;
    // A CHECK_POINT with all traffic in it, and the stats event right after it: same figures.
    await eventually(async () => {
      const cp = side.checkPoints.at(-1);
      assert.ok(cp);
      assert.deepEqual(pick(cp.s).slice(0, 7), [mode, 0, 1, tcpBytes.length, tcpBytes.length, udpBytes, udpBytes]);
      const ev = side.events.find((e) => e.time >= cp.at);
      assert.ok(ev, 'a stats event after the CHECK_POINT');
      assert.deepEqual(pick(ev), pick(cp.s));
    }, 6000, 100);
  }
  // Cadence: 250 ms apart (timer jitter aside), never faster.
  await eventually(async () => assert.ok(server.events.length >= 9), 5000, 100);
  const times = server.events.map((e) => e.time);
  const gaps = times.slice(1).map((t, i) => t - times[i]);
  assert.ok(gaps.length >= 8, `${gaps.length} gaps`);
  assert.ok(Math.min(...gaps) >= 240, `smallest gap ${Math.min(...gaps)} ms`);
  await tcpT.close();
  await udpT.close();
});

test('the CLI under a parent process sends the same figures as structured IPC messages', async () => {
  const port = await freePort();
  const t = await echoServer(port);
  const listen = await freePort();
  const child = spawn(process.execPath, [BIN, `client://127.0.0.1:${listen}/127.0.0.1:${port}?mode=1`], {
    env: { ...process.env, NP_REPORT_INTERVAL: '1s', NPD_STATS_INTERVAL: '250' },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const messages: Array<{ type: string; stats?: Stamped; state?: string }> = [];
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.on('message', (m) => messages.push(m as never));
  try {
    await eventually(async () => assert.ok(messages.some((m) => m.type === 'state' && m.state === 'running')), 5000);
    const data = Buffer.alloc(12_345, 1);
    assert.equal((await roundTrip(listen, data)).length, data.length);
    await eventually(async () => {
      const last = messages.filter((m) => m.type === 'stats').at(-1)?.stats;
      assert.ok(last);
      assert.deepEqual([last.mode, last.tcprx, last.tcptx, last.tcps, last.pool], [1, 12_345, 12_345, 0, 0]);
      const cps = out.split('\n').map(parseCheckPoint).filter((s): s is StatsSnapshot => s !== null);
      assert.equal(cps.at(-1)?.tcprx, 12_345);
    }, 5000, 100);
  } finally {
    child.kill('SIGKILL');
    await t.close();
  }
});
