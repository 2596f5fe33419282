// Persistence with a real master process: SIGKILL in the middle of 200 PATCH/POST calls loses no
// acknowledged change and restart=true instances run again after the restart; the event client
// reconnects by itself; SIGTERM stops everything and saves within NP_SHUTDOWN_TIMEOUT; a corrupt
// state file falls back to the backup with a clear log line; one master per state file.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { eventually, freePort } from '../../helpers/net';
import { NodePassProcess } from '../../helpers/proc';
import { EventLog, must, removeDir, startMaster, tempStateDir, type MasterHandle } from '../../helpers/master';

describe('state file', () => {
  const dir = tempStateDir();
  let port: number;
  let key: string;
  let ids: string[] = [];
  const noRestart = new Set<string>();
  const masters: MasterHandle[] = [];
  before(async () => {
    port = await freePort();
  });
  after(async () => {
    for (const m of masters) await m.kill('SIGKILL');
    removeDir(dir);
  });

  test('SIGKILL during a burst of 200 PATCH/POST calls: every acknowledged change survives; restart=true instances run again', async () => {
    const a = await startMaster({ stateDir: dir, port, env: { NPD_SSE_HEARTBEAT: '0' } });
    masters.push(a);
    key = a.key;
    for (let i = 0; i < 10; i++) {
      ids.push(must(await a.api.createInstance({ url: `server://127.0.0.1:${await freePort()}/127.0.0.1:${await freePort()}`, alias: `base-${i}` })).id);
    }
    for (const id of ids.slice(0, 3)) {
      must(await a.api.updateInstance(id, { restart: false, action: 'stop' }));
      noRestart.add(id);
    }
    const events = new EventLog(a.api);
    await events.wait((e) => e.type === 'initial' && e.instance?.id === ids[9]);

    // 10 chains of 18 sequential alias PATCHes + 5 chains of 4 sequential POSTs = 200 calls.
    const lastAcked = new Map<string, number>();
    const ackedPosts: string[] = [];
    let acks = 0;
    let killed: Promise<unknown> | null = null;
    const acked = () => {
      acks++;
      if (acks === 100) killed = a.kill('SIGKILL');
    };
    const patchChains = ids.map(async (id, c) => {
      for (let n = 1; n <= 18; n++) {
        const r = await a.api.updateInstance(id, { alias: `c${c}-${n}` });
        if (!r.ok) return;
        lastAcked.set(id, n);
        acked();
      }
    });
    const postChains = Array.from({ length: 5 }, async () => {
      for (let n = 0; n < 4; n++) {
        const r = await a.api.createInstance({ url: `server://127.0.0.1:${await freePort()}/127.0.0.1:${await freePort()}` });
        if (!r.ok) return;
        ackedPosts.push(r.value.id);
        acked();
      }
    });
    await Promise.all([...patchChains, ...postChains]);
    assert.ok(killed, `the master was killed mid-burst (acks: ${acks})`);
    await killed;
    assert.ok(acks >= 100 && acks < 200, `acknowledged before the kill: ${acks}`);
    await eventually(async () => assert.equal(events.connected, false), 5000);
    const beforeRestart = events.events.length;

    const b = await startMaster({ stateDir: dir, port });
    masters.push(b);
    assert.equal(b.key, key, 'same API key');
    assert.match(b.proc.output(), /API Key loaded: /);
    const list = must(await b.api.listInstances());
    const byId = new Map(list.map((i) => [i.id, i]));
    for (const id of ackedPosts) assert.ok(byId.has(id), `acknowledged POST ${id} is there`);
    ids.forEach((id, c) => {
      const alias = byId.get(id)!.alias;
      const n = lastAcked.get(id) ?? 0;
      const got = alias.startsWith(`c${c}-`) ? Number(alias.split('-')[1]) : 0;
      assert.ok(got >= n, `instance ${id}: alias ${alias}, last acknowledged c${c}-${n}`);
    });
    // restart=true instances start with the master (100 ms apart); restart=false ones stay stopped.
    await eventually(async () => {
      const now = must(await b.api.listInstances()).filter((i) => i.id !== '********');
      for (const i of now) assert.equal(i.status, i.restart ? 'running' : 'stopped', `${i.id} restart=${i.restart}`);
      assert.equal(now.filter((i) => !i.restart).length, 3);
    }, 20000, 250);
    assert.match(b.proc.output(), /Loaded \d+ instances from /);
    assert.match(b.proc.output(), new RegExp(`Auto-starting instance: server://.* \\[${ids[5]}\\]`));

    // The event client found the new master by itself and got a fresh initial burst.
    await events.wait((e) => e.type === 'initial' && e.instance?.id === ids[9], 10000, beforeRestart);
    events.close();
    ids = list.filter((i) => i.id !== '********').map((i) => i.id);
  });

  test('SIGTERM: shutdown event, every instance stopped, state saved, exit 0 within NP_SHUTDOWN_TIMEOUT', async () => {
    const b = masters[masters.length - 1];
    const events = new EventLog(b.api);
    await events.wait((e) => e.type === 'initial' && e.instance?.id === ids[0]);
    const t0 = Date.now();
    const code = await b.kill('SIGTERM');
    assert.equal(code, 0);
    assert.ok(Date.now() - t0 < 5000, `stopped in ${Date.now() - t0} ms`);
    await events.wait((e) => e.type === 'shutdown' && e.instance === null, 2000);
    events.close();
    assert.match(b.proc.output(), /Instances saved: .*master\.json/);
    assert.match(b.proc.output(), /Master shutdown complete/);
    assert.ok(!existsSync(`${b.statePath}.lock`), 'lock released');
    const saved = JSON.parse(readFileSync(b.statePath, 'utf8'));
    assert.equal(saved.format, 'nodepass-desktop-master');
    assert.equal(saved.master.apiKey, key);
    assert.deepEqual(saved.instances.map((i: { id: string }) => i.id).sort(), [...ids].sort());
    assert.ok(existsSync(b.statePath.replace(/\.json$/, '.traffic.json')), 'traffic history saved');
  });

  test('a corrupt state file falls back to the backup with a clear log line; a second master on the same file is refused', async () => {
    const statePath = `${dir}/master.json`;
    writeFileSync(statePath, '{"format": "nodepass-desktop-master", "instances": [');
    const c = await startMaster({ stateDir: dir, port });
    masters.push(c);
    assert.match(c.proc.output(), /ERROR {2}State file .*master\.json is corrupt \(.*\); kept it as .*master\.json\.corrupt-.*: loaded the backup .*master\.json\.backup/);
    assert.equal(c.key, key);
    const list = must(await c.api.listInstances());
    assert.deepEqual(list.filter((i) => i.id !== '********').map((i) => i.id).sort(), [...ids].sort());
    assert.ok(JSON.parse(readFileSync(statePath, 'utf8')).instances.length === ids.length, 'main file rewritten');

    const second = new NodePassProcess(`master://127.0.0.1:0/api`, { NP_MASTER_STATE: statePath });
    assert.equal(await second.exited, 1);
    assert.match(second.stderr.join('\n'), /state file .*master\.json is in use by another master \(pid \d+\)/);
  });
});
