// `npm start` on this machine (no Electron binary, no display): it says why and runs headless
// mode — master plus web UI — and SIGTERM stops everything. Plus the option parser, and where
// headless mode listens when given no options (read off the sockets).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { allowedHostsFor, parseHeadlessArgs, startHeadless } from '../../desktop/headless';
import { listenersOf } from '../helpers/listeners';
import { alive, childrenOf, removeDir, tempStateDir } from '../helpers/master';

const ROOT = path.resolve(import.meta.dirname, '../..');
const DIST = path.join(ROOT, 'dist');

describe('headless options', () => {
  it('parses the options and names a bad one', () => {
    const r = parseHeadlessArgs(['--headless', '--port', '8800', '--host=0.0.0.0', '--public-host', 'NP.example.com', '--data', 'x']);
    assert.ok(r.ok);
    assert.equal(r.options.port, 8800);
    assert.equal(r.options.host, '0.0.0.0');
    assert.deepEqual(r.options.publicHosts, ['np.example.com']);
    assert.equal(r.options.dataDir, path.resolve('x'));
    const bad = parseHeadlessArgs(['--port', '70000']);
    assert.ok(!bad.ok);
    assert.match(bad.error, /^--port=70000: expected a port number 0-65535/);
    const missing = parseHeadlessArgs(['--data']);
    assert.ok(!missing.ok && /^--data: expected a value/.test(missing.error));
    const unknown = parseHeadlessArgs(['--colour']);
    assert.ok(!unknown.ok && /^unknown option --colour/.test(unknown.error));
  });

  it('checks Host headers on loopback only', () => {
    assert.deepEqual(allowedHostsFor('127.0.0.1', 8800, []), ['127.0.0.1:8800', 'localhost:8800', '[::1]:8800']);
    assert.deepEqual(allowedHostsFor('::1', 8800, ['np.local:8800']), ['[::1]:8800', 'localhost:8800', '127.0.0.1:8800', 'np.local:8800']);
    assert.deepEqual(allowedHostsFor('0.0.0.0', 8800, []), []);
  });
});

describe('npm start without Electron', () => {
  it('falls back to headless mode, serves the UI, and stops cleanly on SIGTERM', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'npd-start-'));
    const env = { ...process.env };
    delete env.DISPLAY;
    delete env.WAYLAND_DISPLAY;
    const child = spawn(process.execPath, [path.join(ROOT, 'scripts/start.mjs'), '--port', '0', '--data', dir], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: string[] = [];
    try {
      const link = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no link:\n${out.join('')}`)), 30000);
        child.stdout!.on('data', (d: Buffer) => {
          out.push(d.toString());
          const m = /open\s+(http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{48})/.exec(out.join(''));
          if (m) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}:\n${out.join('')}`)));
      });
      assert.match(out.join(''), /^Electron cannot run here: no display \(DISPLAY \/ WAYLAND_DISPLAY unset\)\. Starting headless mode instead\./);
      const page = await fetch(new URL('/', link));
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<div id="root">/);
      const login = await fetch(new URL('/auth/login', link), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: new URL(link).searchParams.get('token') }),
      });
      const session = (await login.json()) as { key: string; base: string };
      const list = await fetch(new URL(session.base + '/instances', link), { headers: { 'X-API-Key': session.key } });
      assert.equal(list.status, 200);

      const masterPid = childrenOf(child.pid!)[0];
      assert.ok(masterPid && alive(masterPid));
      child.kill('SIGTERM');
      const code = await new Promise((r) => child.once('exit', r));
      assert.equal(code, 0);
      assert.equal(alive(masterPid), false);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('headless mode on loopback by default', () => {
  it('with no options, the web UI and the master listen on 127.0.0.1 only', async () => {
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
