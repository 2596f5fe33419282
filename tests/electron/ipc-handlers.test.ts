// The IPC bridge's main side against a real master: each contract method answers what the HTTP
// API answers, untrusted pages and malformed arguments are refused before anything happens, and
// live events reach the subscribed window until it goes away.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ApiResult } from '../../engine/api/contract';
import { API_METHODS, CHANNELS, channelOf } from '../../engine/api/ipc';
import type { Instance, InstanceEvent } from '../../engine/api/types';
import { registerApiHandlers, type RegisteredHandlers } from '../../electron/ipc-handlers';
import { APP_ENTRY, isTrustedSender } from '../../electron/security';
import { freePort, eventually } from '../helpers/net';
import { must, removeDir, startMaster, type MasterHandle } from '../helpers/master';
import { FakeIpcMain, FakeSender } from './fake-electron';

describe('IPC handlers (real master)', () => {
  let master: MasterHandle;
  let ipc: FakeIpcMain;
  let reg: RegisteredHandlers;

  before(async () => {
    master = await startMaster();
    ipc = new FakeIpcMain();
    reg = registerApiHandlers(ipc, master.api, { isTrusted: isTrustedSender });
  });

  after(async () => {
    reg.dispose();
    await master.kill('SIGTERM');
    removeDir(master.stateDir);
  });

  const call = <T>(m: (typeof API_METHODS)[number], sender: FakeSender, ...args: unknown[]) =>
    ipc.invoke(channelOf(m), APP_ENTRY, sender, ...args) as Promise<ApiResult<T>>;

  it('registers one channel per contract method', () => {
    assert.deepEqual([...ipc.handlers.keys()].sort(), API_METHODS.map(channelOf).sort());
  });

  it('creates, reads, updates and deletes through the bridge exactly like the HTTP API', async () => {
    const win = new FakeSender();
    const port = await freePort();
    const created = await call<Instance>('createInstance', win, { alias: 'ipc', url: `client://127.0.0.1:${port}/127.0.0.1:9?mode=1` });
    assert.equal(created.ok, true, JSON.stringify(created));
    const id = (created as { value: Instance }).value.id;
    const viaHttp = must(await master.api.getInstance(id));
    const viaIpc = must(await call<Instance>('getInstance', win, id));
    assert.equal(viaIpc.url, viaHttp.url);
    assert.equal(viaIpc.alias, 'ipc');

    await eventually(async () => {
      const i = must(await call<Instance>('getInstance', win, id));
      if (i.status !== 'running') throw new Error(i.status);
    }, 10000);
    const stopped = must(await call<Instance>('updateInstance', win, id, { action: 'stop' }));
    assert.equal(stopped.id, id);
    await eventually(async () => {
      if (must(await master.api.getInstance(id)).status !== 'stopped') throw new Error('still running');
    }, 10000);

    const info = must(await call<{ ver: string }>('getInfo', win));
    assert.match(info.ver, /desktop/);
    // Errors come back as values with the master's status and words.
    const missing = await call('getInstance', win, 'nope1234');
    assert.deepEqual(missing, { ok: false, status: 404, error: 'Instance not found' });
    const bad = await call('createInstance', win, { url: 'server://:1/127.0.0.1:2?tls=7' });
    assert.equal(bad.ok, false);
    assert.equal((bad as { status: number }).status, 400);

    must(await call('deleteInstance', win, id));
    assert.equal((await master.api.getInstance(id)).ok, false);
  });

  it('refuses calls from a page that is not the app, before the master sees them', async () => {
    const win = new FakeSender();
    const before = must(await master.api.listInstances()).length;
    for (const url of ['https://evil.example/', 'file:///tmp/x.html', 'app://other/index.html']) {
      const r = await ipc.invoke(channelOf('createInstance'), url, win, { url: 'client://127.0.0.1:1/127.0.0.1:2' });
      assert.deepEqual(r, { ok: false, status: 403, error: 'IPC call from an untrusted page' });
    }
    assert.deepEqual(await ipc.invoke(channelOf('listInstances'), null, win), { ok: false, status: 403, error: 'IPC call from an untrusted page' });
    assert.equal(must(await master.api.listInstances()).length, before);
  });

  it('answers malformed arguments with 400 naming the method', async () => {
    const win = new FakeSender();
    assert.deepEqual(await call('getInstance', win, 42), { ok: false, status: 400, error: 'getInstance: expected an instance id' });
    assert.deepEqual(await call('createInstance', win, 'server://x'), { ok: false, status: 400, error: 'createInstance: expected { url, alias? }' });
    assert.deepEqual(await call('updateInstance', win, 'abc', null), { ok: false, status: 400, error: 'updateInstance: expected an instance id and an update' });
    assert.deepEqual(await call('trafficHistory', win, 'abc', 'day'), {
      ok: false,
      status: 400,
      error: "trafficHistory: expected an instance id and 'minute' or 'hour'",
    });
  });

  it('pushes live events to a subscribed window and stops when the window is destroyed', async () => {
    const win = new FakeSender();
    ipc.send(CHANNELS.subscribe, APP_ENTRY, win);
    // An untrusted page cannot subscribe.
    const stranger = new FakeSender();
    ipc.send(CHANNELS.subscribe, 'https://evil.example/', stranger);
    await eventually(async () => {
      if (!win.of(CHANNELS.state).includes(true)) throw new Error('not connected');
    }, 10000);
    const port = await freePort();
    const created = must(await master.api.createInstance({ alias: 'events', url: `client://127.0.0.1:${port}/127.0.0.1:9?mode=1` }));
    await eventually(async () => {
      const evs = win.of(CHANNELS.event) as InstanceEvent[];
      if (!evs.some((e) => e.type === 'create' && e.instance?.id === created.id)) throw new Error('no create event');
      if (!evs.some((e) => e.type === 'update' && e.instance?.id === created.id && e.instance.status === 'running')) throw new Error('no running update');
    }, 10000);
    assert.equal(stranger.sent.length, 0);
    assert.equal(reg.subscriptions, 1);

    // A reload subscribes again from the same window: still one subscription.
    ipc.send(CHANNELS.subscribe, APP_ENTRY, win);
    assert.equal(reg.subscriptions, 1);
    win.destroy();
    assert.equal(reg.subscriptions, 0);
    const count = win.sent.length;
    must(await master.api.deleteInstance(created.id));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(win.sent.length, count);
  });
});
