// The master SIGKILLed at random moments while it is writing, 50 rounds (issue 9). Each round
// starts the master on the same state file, checks that the file loaded (the main file, not the
// backup) with every acknowledged change in it, then runs concurrent write chains — PATCH alias +
// tags, the master alias, create → delete — and kills the master 20…300 ms in. A chain has at most
// one request in flight, so for each value the state must hold the last acknowledged one or the
// one in flight, never anything older.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { must, removeDir, startMaster, tempStateDir, type MasterHandle } from '../../helpers/master';

const ROUNDS = 50;
const dir = tempStateDir();
let live: MasterHandle | null = null;
after(async () => {
  await live?.kill('SIGKILL');
  removeDir(dir);
});

/** A sequential chain's view: the last value acknowledged, and the one in flight (if any). */
interface Chain {
  acked: string | null;
  inFlight: string | null;
}

function allowed(c: Chain): Array<string | null> {
  return c.inFlight === null ? [c.acked] : [c.acked, c.inFlight];
}

test(`${ROUNDS} rounds of SIGKILL during writes: the state file always loads, nothing acknowledged is lost`, async (t) => {
  // Setup: fixed instances that stay stopped across restarts (restart=false).
  let m = await startMaster({ stateDir: dir, env: { NPD_SSE_HEARTBEAT: '0' } });
  live = m;
  const fixed: string[] = [];
  for (let i = 0; i < 4; i++) {
    const inst = must(await m.api.createInstance({ url: `client://127.0.0.1:1/127.0.0.1:${20000 + i}?mode=2`, alias: 'init' }));
    must(await m.api.updateInstance(inst.id, { restart: false, action: 'stop' }));
    fixed.push(inst.id);
  }
  const aliasChains = new Map<string, Chain>(fixed.map((id) => [id, { acked: 'init', inFlight: null }]));
  const masterAlias: Chain = { acked: '', inFlight: null };
  const mustExist = new Set<string>(); // created (acknowledged), delete not acknowledged
  const mustNotExist = new Set<string>(); // delete acknowledged
  let deleting: string | null = null; // delete in flight: either outcome is fine
  let acks = 0;
  let landedInFlight = 0;
  const killedAfterAcks: number[] = [];

  for (let round = 1; round <= ROUNDS; round++) {
    if (round > 1) {
      m = await startMaster({ stateDir: dir, env: { NPD_SSE_HEARTBEAT: '0' } });
      live = m;
    }
    // ---- check what the previous round acknowledged ----
    const out = m.proc.output();
    if (round > 1) assert.match(out, /Loaded \d+ instances from \S+master\.json$/m, `round ${round}: loaded from the main file`);
    assert.doesNotMatch(out, /backup|unreadable|corrupt/i, `round ${round}: no fallback`);
    const list = must(await m.api.listInstances());
    const byId = new Map(list.map((i) => [i.id, i]));
    for (const [id, c] of aliasChains) {
      const inst = byId.get(id);
      assert.ok(inst, `round ${round}: fixed instance ${id} is there`);
      assert.ok(allowed(c).includes(inst.alias), `round ${round}: ${id} alias ${inst.alias}, expected one of ${JSON.stringify(allowed(c))}`);
      // alias and tags were set by one PATCH: both or neither.
      if (c.inFlight !== null && inst.alias === c.inFlight) landedInFlight++;
      if (inst.alias !== 'init') assert.deepEqual(inst.meta.tags, { step: inst.alias }, `round ${round}: ${id} PATCH applied atomically`);
      aliasChains.set(id, { acked: inst.alias, inFlight: null });
    }
    const info = must(await m.api.getInfo());
    assert.ok(allowed(masterAlias).includes(info.alias), `round ${round}: master alias ${info.alias}, expected one of ${JSON.stringify(allowed(masterAlias))}`);
    masterAlias.acked = info.alias;
    masterAlias.inFlight = null;
    if (deleting !== null && !byId.has(deleting)) mustExist.delete(deleting);
    deleting = null;
    for (const id of mustExist) assert.ok(byId.has(id), `round ${round}: acknowledged create ${id} is there`);
    for (const id of mustNotExist) assert.ok(!byId.has(id), `round ${round}: acknowledged delete ${id} is gone`);
    // Creates that were in flight may or may not have landed; whatever is there gets deleted.
    const leftovers = list.filter((i) => i.id !== '********' && !aliasChains.has(i.id)).map((i) => i.id);
    for (const id of leftovers) mustExist.add(id);

    // ---- writes, killed at a random moment ----
    let stop = false;
    const api = m.api;
    const patchChain = async (id: string) => {
      for (let n = 1; !stop; n++) {
        const v = `r${round}-${n}`;
        aliasChains.get(id)!.inFlight = v;
        const r = await api.updateInstance(id, { alias: v, meta: { tags: { step: v } } });
        if (!r.ok) return;
        aliasChains.set(id, { acked: v, inFlight: null });
        acks++;
      }
    };
    const aliasChain = async () => {
      for (let n = 1; !stop; n++) {
        const v = `m${round}-${n}`;
        masterAlias.inFlight = v;
        const r = await api.setMasterAlias(v);
        if (!r.ok) return;
        masterAlias.acked = v;
        masterAlias.inFlight = null;
        acks++;
      }
    };
    const createDeleteChain = async () => {
      const doomed = [...mustExist];
      // Two creates a round at most: each one starts an instance, which costs more than the write.
      for (let creates = 0; ; ) {
        if (stop || (creates >= 2 && doomed.length === 0)) return;
        const id = doomed.shift();
        if (id) {
          deleting = id;
          const r = await api.deleteInstance(id);
          if (!r.ok) return;
          deleting = null;
          mustExist.delete(id);
          mustNotExist.add(id);
          acks++;
          continue;
        }
        creates++;
        const r = await api.createInstance({ url: `client://127.0.0.1:1/127.0.0.1:${21000 + round}?mode=2` });
        if (!r.ok) return;
        mustExist.add(r.value.id);
        doomed.push(r.value.id);
        acks++;
      }
    };
    const before = acks;
    const chains = [...fixed.map(patchChain), aliasChain(), createDeleteChain()];
    await new Promise((r) => setTimeout(r, 20 + Math.random() * 280));
    const killed = m.kill('SIGKILL');
    stop = true;
    await Promise.all(chains);
    await killed;
    killedAfterAcks.push(acks - before);
    // The file on disk is whole JSON at every moment (temp file + rename).
    JSON.parse(readFileSync(m.statePath, 'utf8'));
  }
  // Sanity: the rounds did write (most of them acknowledged something before the kill).
  assert.ok(killedAfterAcks.filter((n) => n > 0).length >= ROUNDS / 2, `acks per round: ${killedAfterAcks.join(',')}`);
  t.diagnostic(`${acks} acknowledged writes in ${ROUNDS} rounds (${Math.min(...killedAfterAcks)}…${Math.max(...killedAfterAcks)} per round); ${landedInFlight} unacknowledged PATCHes had landed`);
});
