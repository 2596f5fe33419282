// The fleet against real masters over real TLS: a tls=1 master's self-signed certificate is refused
// until the user trusts its fingerprint, then every call (and the event stream) goes through a
// connection pinned to exactly that certificate; another certificate is refused before the API key
// is sent. Settings: opening the local API to the network requires TLS.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { UNTRUSTED_CERT, type MasterEntry } from '../../engine/api/desktop';
import { DesktopService } from '../../desktop/service';
import { peerCertificate } from '../../desktop/remote';
import { eventually } from '../helpers/net';
import { must, removeDir, startMaster, type MasterHandle } from '../helpers/master';

const LOOPBACK = { mode: 'loopback' as const, port: 0, tls: 0 as const, crt: '', key: '' };

describe('desktop service: remote masters over TLS', () => {
  let local: MasterHandle;
  let secure: MasterHandle;
  let other: MasterHandle;
  let dir: string;
  let svc: DesktopService;
  const base = (m: MasterHandle) => `https://127.0.0.1:${m.port}/api/v1`;

  before(async () => {
    // `log` is the last query parameter the helper writes: tls=1 rides along.
    [local, secure, other] = await Promise.all([startMaster(), startMaster({ log: 'info&tls=1' }), startMaster({ log: 'info&tls=1' })]);
    dir = mkdtempSync(path.join(os.tmpdir(), 'npd-desktop-'));
    svc = new DesktopService({ file: path.join(dir, 'desktop.json'), local: () => ({ url: local.base, key: local.key }), appliedApiAccess: LOOPBACK });
  });

  after(async () => {
    await Promise.all([local, secure, other].map((m) => m.kill('SIGTERM')));
    for (const m of [local, secure, other]) removeDir(m.stateDir);
    removeDir(dir);
  });

  it('refuses a self-signed certificate, naming its fingerprint, until it is trusted', async () => {
    const first = await svc.addMaster({ url: base(secure), key: secure.key });
    assert.equal(first.ok, false);
    const { status, error } = first as { status: number; error: string };
    assert.equal(status, UNTRUSTED_CERT);
    const fp = (await peerCertificate(new URL(base(secure)))).fingerprint256;
    assert.ok(error.includes(`SHA-256 ${fp}`), error);
    assert.equal(must(await svc.listMasters()).length, 1, 'nothing added');

    // The wrong fingerprint (another master's certificate) is refused too.
    const otherFp = (await peerCertificate(new URL(base(other)))).fingerprint256;
    const wrong = await svc.addMaster({ url: base(secure), key: secure.key, fingerprint: otherFp });
    assert.equal(wrong.ok, false);
    assert.match((wrong as { error: string }).error, /certificate changed/);

    const ok = await svc.addMaster({ url: base(secure), key: secure.key, fingerprint: fp, name: 'secure' });
    assert.equal(ok.ok, true, JSON.stringify(ok));
    const entry = (ok as { value: MasterEntry }).value;
    assert.equal(entry.fingerprint, fp);
    const api = svc.apiOf(entry.id)!;
    const state = JSON.parse(readFileSync(secure.statePath, 'utf8')) as { master: { masterId: string } };
    assert.equal(must(await api.getInfo()).mid, state.master.masterId);

    // The live stream goes through the pinned connection as well.
    let connected = false;
    const seen: string[] = [];
    const states: string[] = [];
    const t0 = Date.now();
    const sub = api.subscribe(
      (e) => seen.push(`${e.type}:${e.instance?.alias ?? ''}`),
      (c) => {
        connected = c;
        states.push(`${Date.now() - t0}ms:${c}`);
      },
    );
    await eventually(async () => assert.ok(connected, `stream states: ${states.join(' ')}; events: ${seen.join(',')}`), 30000);
    must(await api.createInstance({ alias: 'pinned', url: 'client://127.0.0.1:1/127.0.0.1:2?mode=1' }));
    await eventually(async () => assert.ok(seen.includes('create:pinned'), seen.join(',')), 30000);
    sub.close();

    // Pinned to the other master's certificate, the same key is never sent: the call fails.
    const moved = await svc.updateMaster(entry.id, { url: base(other) });
    assert.equal(moved.ok, false);
    assert.match((moved as { error: string }).error, /certificate changed/);
    assert.equal(statSync(path.join(dir, 'desktop.json')).mode & 0o777, 0o600);
  });

  it('keeps the local API on loopback unless TLS is on', async () => {
    const bad = await svc.setSettings({ apiAccess: { mode: 'network', port: 9443, tls: 0 } });
    assert.deepEqual(bad, { ok: false, status: 400, error: 'apiAccess: opening the API to the network requires TLS (tls=1 or tls=2)' });
    const noFiles = await svc.setSettings({ apiAccess: { mode: 'network', port: 9443, tls: 2 } });
    assert.equal((noFiles as { error: string }).error, 'apiAccess: tls=2 needs a certificate file (crt) and its key file (key)');
    const s = must(await svc.setSettings({ apiAccess: { mode: 'network', port: 9443, tls: 1 } }));
    assert.equal(s.apiAccess.mode, 'network');
    assert.equal(s.pendingRestart, true);
    assert.equal(s.autostart, null);
    assert.equal((await svc.setSettings({ autostart: true })).ok, false);
    must(await svc.setSettings({ apiAccess: LOOPBACK }));
  });

  it('start at login goes to the login items (Electron’s setLoginItemSettings in the app)', async () => {
    let openAtLogin = false;
    const calls: boolean[] = [];
    const app = new DesktopService({
      file: path.join(dir, 'desktop.json'),
      local: () => ({ url: local.base, key: local.key }),
      appliedApiAccess: LOOPBACK,
      autostart: { get: () => openAtLogin, set: (on) => (calls.push(on), (openAtLogin = on)) },
    });
    assert.equal(must(await app.getSettings()).autostart, false);
    assert.equal(must(await app.setSettings({ autostart: true })).autostart, true);
    // A bad part of a patch changes nothing, not even the valid part.
    const bad = await app.setSettings({ autostart: false, apiAccess: { mode: 'network', tls: 0, port: 1 } });
    assert.equal(bad.ok, false);
    assert.deepEqual(calls, [true]);
    assert.equal(must(await app.setSettings({ autostart: false })).autostart, false);
    assert.deepEqual(calls, [true, false]);
  });
});
