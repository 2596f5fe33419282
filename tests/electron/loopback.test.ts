// The Electron app keeps its master on loopback by default: the options its main process launches
// the master with, checked on the sockets the process really listens on.

import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { launchMaster } from '../../desktop/launch';
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
});
