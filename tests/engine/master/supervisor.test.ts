// The supervisor with real instances: a crashing or hanging instance goes to `error` with the
// reason and comes back by itself while a server+client pair keeps carrying traffic (worker
// threads and child processes); no orphans when the master is SIGKILLed; 20 idle instances under
// 400 MB RSS in total with the default isolation.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { echoServer, eventually, freePort, randomData, roundTrip, sha256, type TestServer } from '../../helpers/net';
import { alive, childrenOf, cmdlineOf, EventLog, must, removeDir, rssOf, startMaster, type MasterHandle } from '../../helpers/master';
import type { Instance } from '../../../engine/api/types';

const MiB = 1024 * 1024;
let echo: TestServer;
before(async () => {
  echo = await echoServer();
});
after(async () => {
  await echo.close();
});

/** A server+client pair through the master, ready for traffic; returns the entry port. */
async function pair(m: MasterHandle): Promise<{ entry: number; server: Instance; client: Instance }> {
  const tunnel = await freePort();
  const entry = await freePort();
  const server = must(await m.api.createInstance({ url: `server://127.0.0.1:${tunnel}/127.0.0.1:${entry}?log=warn` }));
  const client = must(await m.api.createInstance({ url: `client://127.0.0.1:${tunnel}/127.0.0.1:${echo.port}?mode=2&log=warn` }));
  const d = randomData(512);
  await eventually(async () => assert.equal(sha256(await roundTrip(entry, d, '127.0.0.1', 5000)), sha256(d)), 20000, 200);
  return { entry, server, client };
}

/** Round trips on `port` until stop(); every one must come back intact. */
function keepTraffic(port: number): { stop(): Promise<{ ok: number; failures: string[] }> } {
  let running = true;
  let ok = 0;
  const failures: string[] = [];
  const loop = (async () => {
    while (running) {
      const d = randomData(64 * 1024);
      try {
        const back = await roundTrip(port, d, '127.0.0.1', 10000);
        if (sha256(back) === sha256(d)) ok++;
        else failures.push('corrupted');
      } catch (e) {
        failures.push((e as Error).message);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { ok, failures };
    },
  };
}

describe('worker isolation (default)', () => {
  let m: MasterHandle;
  let events: EventLog;
  before(async () => {
    m = await startMaster({ env: { NPD_FAULT_INJECTION: '1', NPD_RESTART_MIN: '200ms', NPD_HANG_TIMEOUT: '2s' } });
    events = new EventLog(m.api);
  });
  after(async () => {
    events.close();
    await m.kill('SIGKILL');
    removeDir(m.stateDir);
  });

  test('an instance that throws, or hangs in a busy loop, goes to error with the reason and comes back; the others keep carrying traffic', async () => {
    const p = await pair(m);
    const victim = must(await m.api.createInstance({ url: `server://127.0.0.1:${await freePort()}/127.0.0.1:${await freePort()}` }));
    await eventually(async () => assert.equal(must(await m.api.getInstance(victim.id)).mode, 1), 10000);
    const traffic = keepTraffic(p.entry);

    for (const [kind, reason] of [
      ['throw', /^instance uncaught exception: injected fault/],
      ['hang', /^instance stopped responding \(no statistics for \d+s\)/],
    ] as const) {
      const from = events.events.length;
      const f = await m.raw('POST', `/debug/fault?id=${victim.id}&kind=${kind}`);
      assert.equal(f.status, 200, f.text);
      const err = await events.wait((e) => e.type === 'update' && e.instance?.id === victim.id && e.instance.status === 'error', 10000, from);
      assert.match(err.instance!.error ?? '', reason);
      const down = must(await m.api.getInstance(victim.id));
      assert.ok(down.status === 'error' || down.status === 'running');
      const back = await events.wait((e) => e.type === 'update' && e.instance?.id === victim.id && e.instance.status === 'running' && e.instance.mode === 1, 15000, events.events.indexOf(err));
      assert.equal(back.instance!.error, undefined, 'no error field once running');
      assert.match(m.proc.output(), new RegExp(`Instance restart in \\d+ms \\[${victim.id}\\]`));
    }
    const t = await traffic.stop();
    assert.deepEqual(t.failures, [], 'the pair never failed');
    assert.ok(t.ok >= 5, `round trips during the faults: ${t.ok}`);
    const metrics = await m.raw('GET', '/metrics');
    assert.match(metrics.text, new RegExp(`nodepass_instance_restarts_total\\{id="${victim.id}"\\} 2\\n`));
    for (const id of [p.server.id, p.client.id]) assert.match(metrics.text, new RegExp(`nodepass_instance_restarts_total\\{id="${id}"\\} 0\\n`));
    assert.equal(must(await m.api.getInstance(p.server.id)).status, 'running');
  });
});

describe('an instance that stays in error', () => {
  test('shows the error line, is restarted after NPD_ERROR_RESTART, and recovers once the cause is gone', async () => {
    const m = await startMaster({ env: { NPD_ERROR_RESTART: '1s' } });
    const blocker = net.createServer();
    const port = await freePort();
    await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', () => r()));
    try {
      const inst = must(await m.api.createInstance({ url: `server://127.0.0.1:${port}/127.0.0.1:${await freePort()}` }));
      const err = await eventually(async () => {
        const i = must(await m.api.getInstance(inst.id));
        assert.equal(i.status, 'error');
        return i;
      }, 10000);
      assert.match(err.error ?? '', new RegExp(`^Server error: start: initTunnelListener failed: .*127\\.0\\.0\\.1:${port}.*address already in use`));
      await m.proc.waitFor(new RegExp(`Instance in error for 1s: restarting it \\[${inst.id}\\]`), 10000);
      await new Promise<void>((r) => blocker.close(() => r()));
      await eventually(async () => {
        const i = must(await m.api.getInstance(inst.id));
        assert.equal(i.status, 'running');
        assert.equal(i.mode, 1);
        assert.equal(i.error, undefined);
      }, 15000, 200);
    } finally {
      blocker.close();
      await m.kill('SIGKILL');
      removeDir(m.stateDir);
    }
  });
});

describe('process isolation (NP_ISOLATION=process)', () => {
  test('a killed child goes to error and is restarted; the pair keeps working; SIGKILL of the master leaves no orphans', async () => {
    const m = await startMaster({ env: { NP_ISOLATION: 'process', NPD_RESTART_MIN: '200ms' } });
    const events = new EventLog(m.api);
    try {
      const p = await pair(m);
      const tunnel = await freePort();
      const victim = must(await m.api.createInstance({ url: `server://127.0.0.1:${tunnel}/127.0.0.1:${await freePort()}` }));
      const master = m.proc.child.pid!;
      const pidOf = () => childrenOf(master).find((pid) => cmdlineOf(pid).includes(`--instance=${victim.id}`));
      const first = await eventually(async () => {
        const pid = pidOf();
        assert.ok(pid, 'victim child process');
        return pid;
      }, 10000);
      await eventually(async () => assert.equal(must(await m.api.getInstance(victim.id)).mode, 1), 10000);
      const traffic = keepTraffic(p.entry);
      const from = events.events.length;
      process.kill(first, 'SIGKILL');
      const err = await events.wait((e) => e.type === 'update' && e.instance?.id === victim.id && e.instance.status === 'error', 10000, from);
      assert.match(err.instance!.error ?? '', /^instance killed by SIGKILL/);
      await events.wait((e) => e.type === 'update' && e.instance?.id === victim.id && e.instance.status === 'running' && e.instance.mode === 1, 15000, events.events.indexOf(err));
      const second = pidOf();
      assert.ok(second && second !== first, 'a new child');
      const t = await traffic.stop();
      assert.deepEqual(t.failures, []);
      assert.ok(t.ok >= 3, `round trips: ${t.ok}`);

      const kids = childrenOf(master);
      assert.equal(kids.length, 3, 'one child per instance');
      // The URLs (with their keys) are in no command line that other local users can read.
      for (const pid of kids) assert.doesNotMatch(cmdlineOf(pid), /(server|client):\/\//, `command line of ${pid}`);
      const keyOf = (url: string) => /^\w+:\/\/([^@/]*)@/.exec(url)?.[1] ?? '';
      for (const i of must(await m.api.listInstances())) {
        const key = keyOf(i.config ?? i.url);
        if (key) for (const pid of kids) assert.ok(!cmdlineOf(pid).includes(key), `key of ${i.id} in the command line of ${pid}`);
      }
      await m.kill('SIGKILL');
      await eventually(async () => assert.deepEqual(kids.filter(alive), [], 'children exit with their master'), 10000, 100);
    } finally {
      events.close();
      await m.kill('SIGKILL');
      removeDir(m.stateDir);
    }
  });
});

describe('memory', () => {
  test('20 idle instances (default isolation) stay under 400 MB RSS in total', async () => {
    const m = await startMaster();
    try {
      const pid = m.proc.child.pid!;
      const base = rssOf(pid);
      const ids: string[] = [];
      for (let i = 0; i < 20; i++) ids.push(must(await m.api.createInstance({ url: `server://127.0.0.1:${await freePort()}/127.0.0.1:${await freePort()}` })).id);
      // Started and settled: listening (mode 1) or, if another test grabbed a port meanwhile, retrying.
      await eventually(async () => {
        const list = must(await m.api.listInstances()).filter((i) => ids.includes(i.id));
        assert.equal(list.filter((i) => (i.status === 'running' && i.mode === 1) || i.status === 'error').length, 20);
      }, 30000, 200);
      await new Promise((r) => setTimeout(r, 1500));
      const procs = [pid, ...childrenOf(pid)];
      const total = procs.reduce((a, p) => a + rssOf(p), 0);
      console.log(`# RSS: master alone ${(base / MiB).toFixed(1)} MB; with 20 idle instances ${(total / MiB).toFixed(1)} MB in ${procs.length} process(es)`);
      assert.ok(total < 400 * MiB, `total RSS ${(total / MiB).toFixed(1)} MB`);
    } finally {
      await m.kill('SIGKILL');
      removeDir(m.stateDir);
    }
  });
});
