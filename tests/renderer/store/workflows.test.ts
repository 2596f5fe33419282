// @vitest-environment node
// The store's workflows against a real master (bin/nodepass master://, real HTTP and SSE): create
// with a paired client, edit, link peers, import, and removing a master — each checked on the
// master itself, not only in the store.

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Instance } from '../../../engine/api/types';
import { HttpApi } from '../../../engine/api/http-client';
import { formatNodePassUrl, parseNodePassUrl } from '../../../engine/url/model';
import { keyOf } from '../../../renderer/store/app-state';
import { exportInstances } from '../../../renderer/lib/transfer';
import { EventLog, must, removeDir, startMaster, type MasterHandle } from '../../helpers/master';
import { freePort } from '../../helpers/net';
import { testServices, type TestServices } from '../helpers/services';

let master: MasterHandle;
let svc: TestServices;

beforeAll(async () => {
  master = await startMaster();
});
afterAll(async () => {
  await master.kill('SIGTERM');
  removeDir(master.stateDir);
});

beforeEach(async () => {
  svc = testServices({ api: new HttpApi({ baseUrl: master.base, apiKey: master.key }) });
  await svc.store.startFleet();
  await vi.waitFor(() => expect(svc.store.state.getState().masters.local?.connected).toBe(true), { timeout: 10_000 });
});
afterEach(() => svc.dispose());

/** The engine's spelling of a URL (what the form sends). */
const canonical = (url: string) => {
  const p = parseNodePassUrl(url);
  if (!p.ok) throw new Error(p.errors.map((e) => e.message).join('; '));
  return formatNodePassUrl(p.value);
};

const serverUrl = async () => canonical(`server://:${await freePort()}/127.0.0.1:${await freePort()}?log=warn`);
const clientUrl = async () => canonical(`client://127.0.0.1:${await freePort()}/127.0.0.1:${await freePort()}?mode=2&log=warn`);

async function onMaster(id: string): Promise<Instance> {
  return must(await master.api.getInstance(id));
}

/** Creates an instance on the master directly and waits for the store to show it. */
async function made(url: string, alias: string): Promise<Instance> {
  const i = must(await master.api.createInstance({ url, alias }));
  await vi.waitFor(() => expect(svc.store.state.getState().instances[keyOf('local', i.id)]).toBeDefined(), { timeout: 10_000 });
  return i;
}

const peerOf = (i: Instance) => i.meta.peer;

describe('create', () => {
  it('a server with its paired client: both on the master, each naming the other', async () => {
    const r = await svc.store.createInstance({ master: 'local', url: await serverUrl(), alias: ' web ', pair: { url: await clientUrl(), alias: 'web-client' } });
    expect(r).toMatchObject({ ok: true, paired: true });
    if (!r.ok) return;
    const server = await onMaster(r.key.split('/')[1]);
    expect(server.alias).toBe('web');
    const client = await onMaster(peerOf(server).sid);
    expect(peerOf(server)).toEqual({ sid: client.id, type: 'client', alias: 'web-client' });
    expect(peerOf(client)).toEqual({ sid: server.id, type: 'server', alias: 'web' });
    expect(svc.store.state.getState().instances[r.key].meta.peer.sid).toBe(client.id);
  });

  it('says which step the master refused, with its message', async () => {
    const bad = await svc.store.createInstance({ master: 'local', url: 'server://:1/127.0.0.1:2?tls=3', alias: '' });
    expect(bad).toEqual({ ok: false, step: 'create', error: expect.stringContaining('tls=3') });
    const pair = await svc.store.createInstance({ master: 'local', url: await serverUrl(), alias: '', pair: { url: 'client://127.0.0.1:1/127.0.0.1:2?mode=9', alias: '' } });
    expect(pair).toEqual({ ok: false, step: 'pair', error: expect.stringContaining('mode=9') });
  });
});

describe('edit', () => {
  it('saves a new URL and name; the same URL with a new name sends only the name', async () => {
    const i = await made(await serverUrl(), 'before');
    const key = keyOf('local', i.id);
    const url = await serverUrl();
    expect(await svc.store.editInstance({ key, url, alias: 'after' })).toEqual({ ok: true, key, paired: false });
    const saved = await onMaster(i.id);
    expect([canonical(saved.url), saved.alias]).toEqual([url, 'after']);
    expect(await svc.store.editInstance({ key, url, alias: 'again' })).toEqual({ ok: true, key, paired: false });
    expect((await onMaster(i.id)).alias).toBe('again');
    expect(svc.store.state.getState().instances[key].alias).toBe('again');
  });

  it('a URL the master refuses changes nothing and names the parameter', async () => {
    const url = await serverUrl();
    const i = await made(url, 'kept');
    const r = await svc.store.editInstance({ key: keyOf('local', i.id), url: url.replace('log=warn', 'log=warn&tls=3'), alias: 'not-saved' });
    expect(r).toEqual({ ok: false, step: 'replace', error: expect.stringContaining('tls=3') });
    const now = await onMaster(i.id);
    expect([canonical(now.url), now.alias]).toEqual([url, 'kept']);
  });
});

describe('peers', () => {
  it('linking to another instance unlinks the partners both had; linking to none unlinks both ends', async () => {
    const a = await made(await serverUrl(), 'a');
    const b = await made(await clientUrl(), 'b');
    const c = await made(await clientUrl(), 'c');
    const d = await made(await serverUrl(), 'd');
    expect(await svc.store.linkPeers('local', a.id, b.id)).toEqual({ ok: true, value: null });
    expect(await svc.store.linkPeers('local', d.id, c.id)).toEqual({ ok: true, value: null });
    expect([peerOf(await onMaster(a.id)).sid, peerOf(await onMaster(b.id)).sid]).toEqual([b.id, a.id]);

    // a ↔ c: b (a's partner) and d (c's partner) are left unlinked.
    expect(await svc.store.linkPeers('local', a.id, c.id)).toEqual({ ok: true, value: null });
    const [pa, pb, pc, pd] = await Promise.all([a, b, c, d].map(async (x) => peerOf(await onMaster(x.id))));
    expect(pa).toEqual({ sid: c.id, type: 'client', alias: 'c' });
    expect(pc).toEqual({ sid: a.id, type: 'server', alias: 'a' });
    expect([pb.sid, pd.sid]).toEqual(['', '']);

    expect(await svc.store.linkPeers('local', a.id, '')).toEqual({ ok: true, value: null });
    expect([peerOf(await onMaster(a.id)).sid, peerOf(await onMaster(c.id)).sid]).toEqual(['', '']);
    expect(await svc.store.linkPeers('local', a.id, 'nosuchid')).toMatchObject({ ok: false, status: 404 });
  });
});

describe('import', () => {
  it('recreates names, tags and the restart flag, links peers on their new IDs, and names what was refused', async () => {
    const file = exportInstances(
      [
        { id: 'old1', alias: 'imp-server', url: await serverUrl(), restart: false, meta: { peer: { sid: 'old2', type: 'client', alias: 'imp-client' }, tags: { site: 'berlin' } } },
        { id: 'old2', alias: 'imp-client', url: await clientUrl(), restart: true, meta: { peer: { sid: 'old1', type: 'server', alias: 'imp-server' }, tags: {} } },
        { id: 'old3', alias: 'imp-bad', url: 'server://:1/127.0.0.1:2?tls=3', restart: true },
      ],
      { secrets: true },
    );
    const r = await svc.store.importInstances('local', file.instances);
    expect(r).toEqual({ created: 2, failed: [{ name: 'imp-bad', error: expect.stringContaining('tls=3') }] });
    const all = must(await master.api.listInstances());
    const server = all.find((i) => i.alias === 'imp-server')!;
    const client = all.find((i) => i.alias === 'imp-client')!;
    expect([server.restart, server.meta.tags, client.restart]).toEqual([false, { site: 'berlin' }, true]);
    expect(peerOf(server)).toEqual({ sid: client.id, type: 'client', alias: 'imp-client' });
    expect(peerOf(client)).toEqual({ sid: server.id, type: 'server', alias: 'imp-server' });
    expect(all.some((i) => i.alias === 'imp-bad')).toBe(false);
  });
});

describe('removing a master', () => {
  it('drops its instances with their rates, samples, logs, selection and notification state, and hears nothing more from it', async () => {
    const { store, notifier } = svc;
    const i = await made(await serverUrl(), 'doomed');
    const key = keyOf('local', i.id);
    store.setSelection([key]);
    store.tick(Date.now());
    await vi.waitFor(() => expect(store.logs.getState().byKey[key]?.length).toBeGreaterThan(0), { timeout: 10_000 });
    expect(store.traffic.keys()).toContain(key);
    expect(notifier.policy.state(key)).not.toBeNull();

    store.removeMaster('local');
    const s = store.state.getState();
    expect([s.masters, s.instances, s.selected, s.busy]).toEqual([{}, {}, {}, {}]);
    expect(Object.keys(s.rates).filter((k) => k.startsWith('local/'))).toEqual([]);
    expect(store.traffic.keys().filter((k) => k.startsWith('local/'))).toEqual([]);
    expect(store.logs.getState().byKey).toEqual({});
    expect(notifier.policy.state(key)).toBeNull();

    // Another subscriber sees the next instance arrive; the removed master's stream is closed.
    const watch = new EventLog(new HttpApi({ baseUrl: master.base, apiKey: master.key }));
    try {
      await vi.waitFor(() => expect(watch.connected).toBe(true), { timeout: 10_000 });
      const next = must(await master.api.createInstance({ url: await serverUrl(), alias: 'unheard' }));
      await watch.wait((e) => e.type === 'create' && e.instance?.id === next.id);
      store.flushEvents();
      expect(store.state.getState().instances).toEqual({});
    } finally {
      watch.close();
    }
  });
});
