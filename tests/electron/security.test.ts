// Window security rules: app:// serves only the bundle, pages cannot navigate away or open
// windows, only the app's own frame is a trusted IPC sender, and the web preferences are locked.

import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { appResponse } from '../../electron/protocol';
import { PAGE_CSP } from '../../desktop/bundle';
import { APP_ENTRY, denyAllPermissions, hardenContents, isAppUrl, isTrustedSender, resolveAppFile, secureWebPreferences } from '../../electron/security';
import { windowOptions } from '../../electron/window';
import { FakeContents } from './fake-electron';

describe('app:// protocol', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'npd-app-'));
    mkdirSync(path.join(root, 'assets'));
    writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>x</title>');
    writeFileSync(path.join(root, 'assets', 'a.js'), 'console.log(1)');
    writeFileSync(path.join(os.tmpdir(), 'npd-secret.txt'), 'secret');
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('maps app://renderer paths into the bundle and nothing outside it', () => {
    assert.equal(resolveAppFile('app://renderer/', root), path.join(root, 'index.html'));
    assert.equal(resolveAppFile('app://renderer/assets/a.js?v=1#x', root), path.join(root, 'assets', 'a.js'));
    assert.equal(resolveAppFile('app://renderer/../npd-secret.txt', root), path.join(root, 'npd-secret.txt'));
    assert.equal(resolveAppFile('app://renderer/%2e%2e/%2e%2e/etc/passwd', root), path.join(root, 'etc/passwd'));
    assert.equal(resolveAppFile('app://renderer/a%00.js', root), null);
    assert.equal(resolveAppFile('app://other/index.html', root), null);
    assert.equal(resolveAppFile('file:///etc/passwd', root), null);
  });

  it('answers with the file and the CSP, 404 for a missing file', async () => {
    const ok = await appResponse('app://renderer/index.html', root);
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(ok.headers.get('content-security-policy'), PAGE_CSP);
    assert.equal(await ok.text(), '<!doctype html><title>x</title>');
    assert.equal((await appResponse('app://renderer/nope.js', root)).status, 404);
    assert.equal((await appResponse('app://renderer/../npd-secret.txt', root)).status, 404);
    assert.equal((await appResponse('app://elsewhere/index.html', root)).status, 403);
  });
});

describe('web contents hardening', () => {
  it('keeps the page on app://, sends web links to the browser, denies windows and webviews', () => {
    const opened: string[] = [];
    const wc = new FakeContents();
    hardenContents(wc as never, (u) => opened.push(u));
    assert.equal(wc.navigate('will-navigate', 'app://renderer/index.html#/new'), false);
    assert.equal(wc.navigate('will-navigate', 'https://example.com/'), true);
    assert.equal(wc.navigate('will-redirect', 'http://127.0.0.1:9/'), true);
    assert.equal(wc.navigate('will-navigate', 'file:///etc/passwd'), true);
    assert.equal(wc.navigate('will-attach-webview', 'app://renderer/'), true);
    assert.deepEqual(wc.openHandler!({ url: 'https://github.com/yosebyte/nodepass' }), { action: 'deny' });
    assert.deepEqual(wc.openHandler!({ url: 'javascript:alert(1)' }), { action: 'deny' });
    assert.deepEqual(opened, ['https://example.com/', 'http://127.0.0.1:9/', 'https://github.com/yosebyte/nodepass']);
  });

  it('trusts only frames showing the app', () => {
    assert.equal(isTrustedSender({ url: APP_ENTRY }), true);
    assert.equal(isTrustedSender({ url: 'app://renderer/index.html#/i/local/abc' }), true);
    assert.equal(isTrustedSender({ url: 'app://renderer.evil/index.html' }), false);
    assert.equal(isTrustedSender({ url: 'https://renderer/' }), false);
    assert.equal(isTrustedSender(null), false);
    assert.equal(isAppUrl('not a url'), false);
  });

  it('locks the window down: isolation, sandbox, no node, preload only', () => {
    const o = windowOptions({ preload: '/x/preload.cjs', isQuitting: () => false });
    assert.deepEqual(
      { ...o.webPreferences },
      { ...secureWebPreferences('/x/preload.cjs') },
    );
    const p = o.webPreferences!;
    assert.equal(p.contextIsolation, true);
    assert.equal(p.nodeIntegration, false);
    assert.equal(p.sandbox, true);
    assert.equal(p.webSecurity, true);
    assert.equal(p.webviewTag, false);
    assert.equal(p.preload, '/x/preload.cjs');
    assert.equal(o.show, false);
  });

  it('denies every permission request', () => {
    let request: ((wc: unknown, perm: string, cb: (ok: boolean) => void) => void) | null = null;
    let check: (() => boolean) | null = null;
    denyAllPermissions({
      setPermissionRequestHandler: (h: never) => (request = h),
      setPermissionCheckHandler: (h: never) => (check = h),
    } as never);
    const answers: boolean[] = [];
    for (const perm of ['media', 'geolocation', 'notifications', 'clipboard-read']) request!(null, perm, (ok) => answers.push(ok));
    assert.deepEqual(answers, [false, false, false, false]);
    assert.equal(check!(), false);
  });
});
