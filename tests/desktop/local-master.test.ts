// The local master as the API access setting wants it: where it listens (pure), and a TLS master
// launched for real, reached through a connection pinned to the certificate it presents.

import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEFAULT_API_ACCESS } from '../../engine/api/desktop';
import { HttpApi } from '../../engine/api/http-client';
import { launchLocalMaster, masterListen } from '../../desktop/local-master';
import { hostPaths } from '../../desktop/paths';
import { remoteFetch } from '../../desktop/remote';
import { removeDir } from '../helpers/master';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('local master', () => {
  it('listens on loopback unless the network was chosen (with TLS); command-line options win', () => {
    const d = { masterHost: '127.0.0.1', masterPort: 0 };
    assert.deepEqual(masterListen(d, DEFAULT_API_ACCESS), { host: '127.0.0.1', port: 0, tls: 0, crt: '', key: '' });
    const net = { mode: 'network' as const, port: 9443, tls: 1 as const, crt: '', key: '' };
    assert.deepEqual(masterListen(d, net), { host: '0.0.0.0', port: 9443, tls: 1, crt: '', key: '' });
    assert.equal(masterListen(d, net, ['--master-host', '127.0.0.1']).host, '127.0.0.1');
  });

  it('a tls=1 master is reached over https pinned to its own certificate', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'npd-local-'));
    const { master, fingerprint } = await launchLocalMaster(
      hostPaths(path.join(ROOT, 'dist')).cli,
      process.execPath,
      { NP_MASTER_STATE: path.join(dir, 'master.json') },
      { host: '127.0.0.1', port: 0, tls: 1, crt: '', key: '' },
      () => undefined,
    );
    try {
      assert.match(master.origin, /^https:\/\/127\.0\.0\.1:\d+$/);
      assert.match(fingerprint, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
      const api = new HttpApi({ baseUrl: master.origin + master.basePath, apiKey: master.key, fetch: remoteFetch(fingerprint) });
      const info = await api.getInfo();
      assert.equal(info.ok && info.value.tls, '1');
      // Plain fetch (CA verification) refuses the self-signed certificate.
      const plain = await new HttpApi({ baseUrl: master.origin + master.basePath, apiKey: master.key }).getInfo();
      assert.equal(plain.ok, false);
    } finally {
      await master.stop();
      removeDir(dir);
    }
  });
});
