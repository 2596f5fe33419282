// The desktop keeps its master on loopback by default (issue 9): the options the Electron main
// process launches its master with, and headless mode with no options, checked on the sockets the
// processes really listen on.

import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { launchMaster } from '../../engine/master/launch';
import { startHeadless, parseHeadlessArgs } from '../../electron/headless';
import { localMasterLaunch } from '../../electron/local-master';
import { appPaths } from '../../electron/paths';
import { removeDir, tempStateDir } from '../helpers/master';
import { listenersOf } from '../helpers/listeners';

const DIST = path.resolve(import.meta.dirname, '../../dist');

describe('master on loopback by default', () => {
  it('the Electron app launches its master on 127.0.0.1 only (NPD_MASTER_PORT checked)', async () => {
    const dir = tempStateDir();
    const opts = localMasterLaunch(appPaths(DIST), {}, undefined);
    opts.env = { ...opts.env, NP_MASTER_STATE: path.join(dir, 'master.json') };
    const m = await launchMaster(opts);
    try {
      const port = Number(new URL(m.origin).port);
      assert.equal(new URL(m.origin).hostname, '127.0.0.1');
      assert.deepEqual(listenersOf(m.child.pid!), [{ address: '127.0.0.1', port }]);
    } finally {
      await m.stop();
      removeDir(dir);
    }
    assert.equal(localMasterLaunch(appPaths(DIST), { NPD_MASTER_PORT: '9091' }, undefined).port, 9091);
    assert.throws(() => localMasterLaunch(appPaths(DIST), { NPD_MASTER_PORT: 'http' }, undefined), /^Error: NPD_MASTER_PORT=http: expected a port number 0-65535$/);
  });

  it('headless mode with no options: the web UI and the master listen on 127.0.0.1 only', async () => {
    const dir = tempStateDir();
    const parsed = parseHeadlessArgs(['--data', dir]);
    assert.ok(parsed.ok);
    const h = await startHeadless(parsed.options, DIST, () => {});
    try {
      const ui = h.server.address() as { address: string; port: number };
      assert.equal(ui.address, '127.0.0.1');
      assert.match(h.url, /^http:\/\/127\.0\.0\.1:\d+\//);
      const masterPort = Number(new URL(h.master.origin).port);
      assert.deepEqual(listenersOf(h.master.child.pid!), [{ address: '127.0.0.1', port: masterPort }]);
    } finally {
      await h.stop();
      removeDir(dir);
    }
  });
});
