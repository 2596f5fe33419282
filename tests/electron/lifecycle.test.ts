// App lifecycle with a real master started the way the app starts it (desktop/launch.ts):
// one running copy, and quitting stops the master and every instance before the app exits.

import assert from 'node:assert/strict';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { describe, it } from 'node:test';
import { HttpApi } from '../../engine/api/http-client';
import { launchMaster } from '../../desktop/launch';
import { claimSingleInstance, gracefulQuit } from '../../electron/lifecycle';
import { appPaths } from '../../electron/paths';
import { echoServer, eventually, freePort, randomData, roundTrip, sha256 } from '../helpers/net';
import { alive, childrenOf, must } from '../helpers/master';
import { FakeApp } from './fake-electron';

const ROOT = path.resolve(import.meta.dirname, '../..');

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

describe('single instance', () => {
  it('a second launch focuses the first instead of starting again', () => {
    const first = new FakeApp();
    const focused: string[] = [];
    assert.equal(claimSingleInstance(first as never, () => focused.push('focus')), true);
    first.emit('second-instance');
    assert.deepEqual(focused, ['focus']);
    const second = new FakeApp();
    second.lockGranted = false;
    assert.equal(claimSingleInstance(second as never, () => focused.push('no')), false);
  });
});

describe('graceful quit (real master)', () => {
  it('stops the master and its instances, then exits', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'npd-quit-'));
    const echo = await echoServer();
    const master = await launchMaster({
      command: process.execPath,
      args: [appPaths(path.join(ROOT, 'dist')).cli],
      env: { NP_MASTER_STATE: path.join(dir, 'master.json'), NP_ISOLATION: 'process' },
    });
    try {
      assert.match(master.key, /^[0-9a-f]{32}$/);
      assert.equal(master.basePath, '/api/v1');
      const api = new HttpApi({ baseUrl: master.origin + master.basePath, apiKey: master.key });
      const port = await freePort();
      const inst = must(await api.createInstance({ url: `client://127.0.0.1:${port}/127.0.0.1:${echo.port}?mode=1` }));
      await eventually(async () => assert.equal(must(await api.getInstance(inst.id)).status, 'running'), 10000);
      const data = randomData(64 * 1024);
      // "running" means the process is up; its listener follows a moment later.
      await eventually(async () => assert.equal(sha256(await roundTrip(port, data)), sha256(data)), 10000);
      const kids = childrenOf(master.child.pid!);
      assert.ok(kids.length >= 1, 'the instance runs as a child process of the master');

      const app = new FakeApp();
      const quit = gracefulQuit(app as never, { stop: () => master.stop(), timeoutMs: 15000 });
      // Closing the last window does not quit.
      app.emit('window-all-closed');
      assert.equal(app.exitCode, null);
      app.quit();
      assert.equal(quit.quitting, true);
      assert.equal(app.exitCode, null, 'exit waits for the master to stop');
      assert.equal(await app.exited, 0);
      assert.notEqual(master.child.exitCode ?? master.child.signalCode, null);
      for (const pid of kids) assert.equal(alive(pid), false, `instance process ${pid} still alive`);
      assert.equal(await refused(port), true, 'the instance port is closed');
      // A second quit while exiting is harmless.
      app.quit();
    } finally {
      await master.stop();
      await echo.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits even when stopping hangs, after the timeout', async () => {
    const app = new FakeApp();
    gracefulQuit(app as never, { stop: () => new Promise(() => {}), timeoutMs: 200 });
    app.quit();
    assert.equal(await app.exited, 0);
  });
});

describe('launchMaster', () => {
  it('reports a master that cannot start, with its output', async () => {
    await assert.rejects(
      launchMaster({ command: process.execPath, args: [appPaths(path.join(ROOT, 'dist')).cli], log: 'loud', timeoutMs: 10000 }),
      /master exited with code 1 before it started:[\s\S]*log=loud/,
    );
  });
});
