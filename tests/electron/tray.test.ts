// The tray controller against a real master: the menu follows the instances, clicks start and stop
// them for real, and the tooltip shows the live total rate of real traffic.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTrayController, type TrayController } from '../../electron/tray';
import type { TrayItem } from '../../electron/tray-model';
import { translator } from '../../shared/i18n';
import { formatRate } from '../../shared/format';
import { echoServer, eventually, freePort, randomData, roundTrip, sha256, type TestServer } from '../helpers/net';
import { must, removeDir, startMaster, type MasterHandle } from '../helpers/master';

const { t } = translator('en');

describe('tray controller (real master)', () => {
  let master: MasterHandle;
  let echo: TestServer;
  let ctl: TrayController;
  let menu: TrayItem[] = [];
  const tips: string[] = [];
  const actives: boolean[] = [];
  const opened: string[] = [];

  before(async () => {
    master = await startMaster();
    echo = await echoServer();
    ctl = createTrayController(
      master.api,
      { setMenu: (m) => (menu = m), setToolTip: (s) => tips.push(s), setActive: (a) => actives.push(a) },
      { t, formatRate, onOpen: () => opened.push('open'), onNew: () => opened.push('new'), onQuit: () => opened.push('quit'), intervalMs: 200 },
    );
  });

  after(async () => {
    ctl.close();
    await echo.close();
    await master.kill('SIGTERM');
    removeDir(master.stateDir);
  });

  const box = (id: string) => menu.find((i) => i.type === 'checkbox' && i.id === id);

  it('lists a new instance, checked once it runs; unchecking stops it, checking starts it', async () => {
    await eventually(async () => assert.ok(ctl.connected), 10000);
    const port = await freePort();
    const inst = must(await master.api.createInstance({ alias: 'fwd', url: `client://127.0.0.1:${port}/127.0.0.1:${echo.port}?mode=1` }));
    await eventually(async () => assert.equal(box(inst.id)?.checked, true), 10000);
    assert.equal(box(inst.id)?.label, 'fwd');

    await ctl.run(box(inst.id)!.action!);
    await eventually(async () => assert.equal(must(await master.api.getInstance(inst.id)).status, 'stopped'), 10000);
    await eventually(async () => assert.equal(box(inst.id)?.checked, false), 5000);
    assert.deepEqual(box(inst.id)?.action, { kind: 'start', id: inst.id });

    await ctl.run({ kind: 'startAll' });
    await eventually(async () => assert.equal(must(await master.api.getInstance(inst.id)).status, 'running'), 10000);
    await eventually(async () => assert.equal(box(inst.id)?.checked, true), 5000);
  });

  it('shows the total rate of real traffic in the tooltip', async () => {
    const port = await freePort();
    must(await master.api.createInstance({ alias: 'busy', url: `client://127.0.0.1:${port}/127.0.0.1:${echo.port}?mode=1` }));
    await eventually(async () => assert.ok(menu.some((i) => i.label === 'busy' && i.checked)), 10000);
    const data = randomData(2 * 1024 * 1024);
    const deadline = Date.now() + 20000;
    // Keep bytes flowing until a non-zero rate shows (stats arrive once a second).
    // "running" means the instance is up; its listener follows a moment later.
    await eventually(async () => assert.equal(sha256(await roundTrip(port, data)), sha256(data)), 10000);
    while (!tips.some((s) => /↓ [1-9]/.test(s)) && Date.now() < deadline) {
      const back = await roundTrip(port, data);
      assert.equal(sha256(back), sha256(data));
    }
    assert.ok(
      tips.some((s) => /^NodePass — ↓ [1-9][\d.]* (B|KiB|MiB)\/s {2}↑ [1-9]/.test(s)),
      `no rate in tooltips: ${tips.slice(-3).join(' | ')}`,
    );
    // The icon turned "active" while bytes flowed, and back once they stopped.
    assert.equal(actives[0], true);
    await eventually(async () => assert.equal(actives.at(-1), false), 15000);
    assert.equal(ctl.active, false);
  });

  it('stop all stops everything; open, new and quit reach the app', async () => {
    await ctl.run({ kind: 'stopAll' });
    await eventually(async () => {
      const all = must(await master.api.listInstances()).filter((i) => i.type !== '');
      assert.ok(all.length >= 2 && all.every((i) => i.status === 'stopped'), all.map((i) => i.status).join());
    }, 10000);
    await ctl.run({ kind: 'open' });
    await ctl.run({ kind: 'new' });
    await ctl.run({ kind: 'quit' });
    assert.deepEqual(opened, ['open', 'new', 'quit']);
  });
});
