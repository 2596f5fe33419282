// The IPC bridge's main side against real masters (the local one and a remote one added through
// the desktop API): each contract method, addressed to a master, answers what that master's HTTP
// API answers, untrusted pages and malformed arguments are refused before anything happens, and
// live events reach the subscribed window, per master, until it goes away.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ApiResult } from '../../engine/api/contract';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DESKTOP_METHODS, type MasterEntry } from '../../engine/api/desktop';
import { API_METHODS, CHANNELS, channelOf, desktopChannelOf, type MasterEvent, type MasterState } from '../../engine/api/bridge';
import type { Instance } from '../../engine/api/types';
import { DesktopService } from '../../desktop/service';
import { registerApiHandlers, type RegisteredHandlers } from '../../electron/ipc-handlers';
import { APP_ENTRY, isTrustedSender } from '../../electron/security';
import { freePort, eventually } from '../helpers/net';
import { must, removeDir, startMaster, type MasterHandle } from '../helpers/master';
import { FakeIpcMain, FakeSender } from './fake-electron';

describe('IPC handlers (real master)', () => {
  let master: MasterHandle;
  let remote: MasterHandle;
  let ipc: FakeIpcMain;
  let reg: RegisteredHandlers;
  let desktop: DesktopService;
  let dir: string;

  before(async () => {
    [master, remote] = await Promise.all([startMaster(), startMaster()]);
    dir = mkdtempSync(path.join(os.tmpdir(), 'npd-fleet-'));
    desktop = new DesktopService({
      file: path.join(dir, 'desktop.json'),
      local: () => ({ url: master.base, key: master.key }),
      appliedApiAccess: { mode: 'loopback', port: 0, tls: 0, crt: '', key: '' },
      onMasterChanged: (id) => reg.dropMaster(id),
    });
    ipc = new FakeIpcMain();
    reg = registerApiHandlers(ipc, (id) => desktop.apiOf(id), { isTrusted: isTrustedSender, desktop });
  });

  after(async () => {
    reg.dispose();
    await Promise.all([master.kill('SIGTERM'), remote.kill('SIGTERM')]);
    removeDir(master.stateDir);
    removeDir(remote.stateDir);
    removeDir(dir);
  });

  const call = <T>(m: (typeof API_METHODS)[number], sender: FakeSender, ...args: unknown[]) =>
    ipc.invoke(channelOf(m), APP_ENTRY, sender, 'local', ...args) as Promise<ApiResult<T>>;
  const callOn = <T>(masterId: string, m: (typeof API_METHODS)[number], sender: FakeSender, ...args: unknown[]) =>
    ipc.invoke(channelOf(m), APP_ENTRY, sender, masterId, ...args) as Promise<ApiResult<T>>;
  const desk = <T>(m: (typeof DESKTOP_METHODS)[number], sender: FakeSender, ...args: unknown[]) =>
    ipc.invoke(desktopChannelOf(m), APP_ENTRY, sender, ...args) as Promise<ApiResult<T>>;

  it('registers one channel per contract method and per desktop method', () => {
    assert.deepEqual([...ipc.handlers.keys()].sort(), [...API_METHODS.map(channelOf), ...DESKTOP_METHODS.map(desktopChannelOf)].sort());
  });

  it('adds a remote master through the desktop API and reaches it through the same channels', async () => {
    const win = new FakeSender();
    const wrong = await desk('addMaster', win, { url: remote.base, key: '0'.repeat(32) });
    assert.deepEqual(wrong, { ok: false, status: 401, error: `${remote.base}: the master refused the API key` });
    const added = await desk<MasterEntry>('addMaster', win, { url: `http://127.0.0.1:${remote.port}`, key: remote.key, name: 'far away' });
    assert.equal(added.ok, true, JSON.stringify(added));
    const entry = (added as { value: MasterEntry }).value;
    // A bare address means the default API prefix.
    assert.equal(entry.url, remote.base);
    const twice = await desk('addMaster', win, { url: remote.base, key: remote.key });
    assert.equal((twice as { status: number }).status, 409);
    const listed = must(await desk<MasterEntry[]>('listMasters', win));
    assert.deepEqual(
      listed.map((m) => [m.id, m.local, m.name]),
      [
        ['local', true, ''],
        [entry.id, false, 'far away'],
      ],
    );
    const port = await freePort();
    const created = must(await callOn<Instance>(entry.id, 'createInstance', win, { alias: 'on-remote', url: `client://127.0.0.1:${port}/127.0.0.1:9?mode=1` }));
    // It is on the remote master, not the local one.
    assert.equal(must(await remote.api.getInstance(created.id)).alias, 'on-remote');
    assert.equal((await master.api.getInstance(created.id)).ok, false);
    await eventually(async () => {
      if (must(await callOn<Instance>(entry.id, 'getInstance', win, created.id)).status !== 'running') throw new Error('not running');
    }, 10000);
    const stopped = must(await callOn<Instance>(entry.id, 'updateInstance', win, created.id, { action: 'stop' }));
    assert.equal(stopped.status, 'stopped');
    must(await callOn(entry.id, 'deleteInstance', win, created.id));
    assert.deepEqual(await callOn('nope', 'listInstances', win), { ok: false, status: 404, error: 'listInstances: no master "nope"' });
    // The fleet file keeps the key (mode 0600) for the next start.
    const again = new DesktopService({ file: path.join(dir, 'desktop.json'), local: () => ({ url: master.base, key: master.key }), appliedApiAccess: { mode: 'loopback', port: 0, tls: 0, crt: '', key: '' } });
    assert.equal(must(await again.listMasters()).length, 2);
    assert.equal(must(await again.apiOf(entry.id)!.getInfo()).mid, must(await remote.api.getInfo()).mid);
    must(await desk('removeMaster', win, entry.id));
    assert.equal(must(await desk<MasterEntry[]>('listMasters', win)).length, 1);
    assert.deepEqual(await desk('removeMaster', win, 'local'), { ok: false, status: 403, error: 'the local master cannot be removed' });
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
      const r = await ipc.invoke(channelOf('createInstance'), url, win, 'local', { url: 'client://127.0.0.1:1/127.0.0.1:2' });
      assert.deepEqual(r, { ok: false, status: 403, error: 'IPC call from an untrusted page' });
    }
    assert.deepEqual(await ipc.invoke(channelOf('listInstances'), null, win, 'local'), { ok: false, status: 403, error: 'IPC call from an untrusted page' });
    assert.deepEqual(await ipc.invoke(desktopChannelOf('addMaster'), 'https://evil.example/', win, { url: remote.base, key: remote.key }), {
      ok: false,
      status: 403,
      error: 'IPC call from an untrusted page',
    });
    assert.equal(must(await desktop.listMasters()).length, 1);
    assert.equal(must(await master.api.listInstances()).length, before);
  });

  it('answers malformed arguments with 400 naming the method and the argument, before any master sees them', async () => {
    const win = new FakeSender();
    const before = must(await master.api.listInstances());
    const refused = async (p: Promise<unknown>, error: string) => assert.deepEqual(await p, { ok: false, status: 400, error });
    await refused(call('getInstance', win, 42), 'getInstance: id: expected string, got number');
    await refused(call('getInstance', win, ''), 'getInstance: id: expected an instance id');
    await refused(ipc.invoke(channelOf('listInstances'), APP_ENTRY, win), 'listInstances: expected a master id first');
    await refused(call('listInstances', win, 'extra'), 'listInstances: expected no arguments, got 1');
    await refused(desk('notify', win, { title: 1 }), 'notify: notification.title: expected string, got number');
    await refused(call('createInstance', win, 'server://x'), 'createInstance: request: expected object, got string');
    await refused(call('updateInstance', win, 'abc', null), 'updateInstance: update: expected object, got null');
    await refused(call('updateInstance', win, 'abc'), 'updateInstance: expected 2 (id, update), got 1');
    // The body is checked with the master API's own schema (the same words as its HTTP 400s name the field).
    await refused(call('updateInstance', win, 'abc', { restart: 'yes' }), 'updateInstance: update.restart: expected boolean, got string');
    await refused(
      call('updateInstance', win, 'abc', { action: 'pause' }),
      'updateInstance: update.action: expected "start", "stop", "restart" or "reset", got "pause"',
    );
    await refused(call('createInstance', win, { url: 'client://127.0.0.1:1/127.0.0.1:2', alias: 'x'.repeat(257) }), 'createInstance: request.alias: Instance alias exceeds maximum length 256');
    await refused(call('trafficHistory', win, 'abc', 'day'), 'trafficHistory: resolution: expected "minute" or "hour", got "day"');
    await refused(desk('addMaster', win, { url: remote.base, key: '   ' }), 'addMaster: request.key: the master’s API key is required');
    await refused(desk('setSettings', win, { apiAccess: { tls: 3 } }), 'setSettings: patch.apiAccess.tls: expected 0, 1 or 2, got 3');
    assert.deepEqual(must(await master.api.listInstances()), before, 'nothing was created');
    assert.equal(must(await desktop.listMasters()).length, 1, 'nothing was added');
  });

  it('pushes live events to a subscribed window and stops when the window is destroyed', async () => {
    const win = new FakeSender();
    ipc.send(CHANNELS.subscribe, APP_ENTRY, win, 'local');
    // An untrusted page cannot subscribe.
    const stranger = new FakeSender();
    ipc.send(CHANNELS.subscribe, 'https://evil.example/', stranger, 'local');
    await eventually(async () => {
      if (!(win.of(CHANNELS.state) as MasterState[]).some((s) => s.master === 'local' && s.connected)) throw new Error('not connected');
    }, 10000);
    const port = await freePort();
    const created = must(await master.api.createInstance({ alias: 'events', url: `client://127.0.0.1:${port}/127.0.0.1:9?mode=1` }));
    await eventually(async () => {
      const evs = (win.of(CHANNELS.event) as MasterEvent[]).filter((x) => x.master === 'local').map((x) => x.event);
      if (!evs.some((e) => e.type === 'create' && e.instance?.id === created.id)) throw new Error('no create event');
      if (!evs.some((e) => e.type === 'update' && e.instance?.id === created.id && e.instance.status === 'running')) throw new Error('no running update');
    }, 10000);
    assert.equal(stranger.sent.length, 0);
    assert.equal(reg.subscriptions, 1);

    // A reload subscribes again from the same window: still one subscription.
    ipc.send(CHANNELS.subscribe, APP_ENTRY, win, 'local');
    assert.equal(reg.subscriptions, 1);
    // A second window stays subscribed: once it has the delete event, so would the first have.
    const other = new FakeSender();
    ipc.send(CHANNELS.subscribe, APP_ENTRY, other, 'local');
    await eventually(async () => {
      if (!(other.of(CHANNELS.state) as MasterState[]).some((s) => s.master === 'local' && s.connected)) throw new Error('not connected');
    }, 10000);
    win.destroy();
    assert.equal(reg.subscriptions, 1);
    const count = win.sent.length;
    must(await master.api.deleteInstance(created.id));
    await eventually(async () => {
      const evs = (other.of(CHANNELS.event) as MasterEvent[]).map((x) => x.event);
      if (!evs.some((e) => e.type === 'delete' && e.instance?.id === created.id)) throw new Error('no delete event yet');
    }, 10000);
    assert.equal(win.sent.length, count, 'a destroyed window gets nothing more');
    other.destroy();
    assert.equal(reg.subscriptions, 0);
  });
});
