// The Electron hardening as the app really builds it: the BrowserWindow created by
// createMainWindow (the call main.ts makes), the built preload script run against Electron's
// contextBridge/ipcRenderer stand-ins, and the CSP on the built renderer as app:// serves it. Only
// Electron's own objects are faked (tests/electron/fake-electron.ts); everything else is the code
// and the build the app ships.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { describe, it } from 'node:test';
import { registerAppProtocol } from '../../electron/protocol';
import { PAGE_CSP, PAGE_META_CSP } from '../../desktop/bundle';
import { APP_ENTRY } from '../../electron/security';
import { appPaths } from '../../electron/paths';
import { createMainWindow } from '../../electron/window';
import { API_METHODS, channelOf, desktopChannelOf } from '../../engine/api/bridge';
import { DESKTOP_METHODS } from '../../engine/api/desktop';
import { FakeBrowserWindow } from './fake-electron';

const PATHS = appPaths(path.resolve(import.meta.dirname, '../../dist'));

/** The CSP as a map directive → sources. */
function csp(text: string): Map<string, string[]> {
  return new Map(
    text
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...values]) => [name, values]),
  );
}

describe('the main window, as createMainWindow builds it', () => {
  it('isolated, sandboxed, no Node, the built preload only; loads app://; hides on close until quitting', () => {
    let quitting = false;
    const win = createMainWindow(FakeBrowserWindow as never, { preload: PATHS.preload, isQuitting: () => quitting }) as unknown as FakeBrowserWindow;
    const p = win.options.webPreferences!;
    // Every preference that matters, and nothing else: a new one must be added here on purpose.
    assert.deepEqual(p, {
      preload: PATHS.preload,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      sandbox: true,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      safeDialogs: true,
    });
    assert.ok(existsSync(p.preload!), 'the preload path is the built file');
    assert.deepEqual(win.loaded, [APP_ENTRY]);
    assert.equal(APP_ENTRY, 'app://renderer/index.html');
    assert.equal(win.menuRemoved, true);
    assert.equal(win.visible, false, 'shown only when ready');
    win.emit('ready-to-show');
    assert.equal(win.visible, true);
    assert.equal(win.tryClose(), true, 'closing hides to the tray');
    assert.equal(win.visible, false);
    quitting = true;
    assert.equal(win.tryClose(), false, 'closing while quitting really closes');
  });
});

describe('the built preload script', () => {
  it('exposes one object with the API calls, events and navigation; never ipcRenderer or Node', async () => {
    const exposed = new Map<string, unknown>();
    const invoked: Array<{ channel: string; args: unknown[] }> = [];
    const sent: string[] = [];
    const listeners = new Map<string, Set<(...a: unknown[]) => void>>();
    const ipcRenderer = {
      invoke: (channel: string, ...args: unknown[]) => {
        invoked.push({ channel, args });
        return Promise.resolve({ ok: true, value: null });
      },
      send: (channel: string) => sent.push(channel),
      on: (channel: string, l: (...a: unknown[]) => void) => {
        if (!listeners.has(channel)) listeners.set(channel, new Set());
        listeners.get(channel)!.add(l);
      },
      removeListener: (channel: string, l: (...a: unknown[]) => void) => listeners.get(channel)?.delete(l),
    };
    const electron = { contextBridge: { exposeInMainWorld: (k: string, v: unknown) => exposed.set(k, v) }, ipcRenderer };
    const code = readFileSync(PATHS.preload, 'utf8');
    const requires: string[] = [];
    const mod = { exports: {} };
    vm.runInNewContext(code, {
      module: mod,
      exports: mod.exports,
      process: { platform: 'linux' },
      require: (name: string) => {
        requires.push(name);
        if (name !== 'electron') throw new Error(`the preload requires ${name}`);
        return electron;
      },
    });
    assert.deepEqual(requires, ['electron'], 'a sandboxed preload can load nothing but electron');
    assert.deepEqual([...exposed.keys()], ['nodepass']);
    const bridge = exposed.get('nodepass') as Record<string, unknown>;
    assert.deepEqual(Object.keys(bridge).sort(), [...API_METHODS, 'subscribe', 'onNavigate', 'platform', 'desktop'].sort());
    for (const v of Object.values(bridge)) assert.ok(v !== ipcRenderer && v !== electron, 'ipcRenderer is not handed out');
    // Each call goes to its own channel with its arguments (the master first), nothing more.
    for (const m of API_METHODS) await (bridge[m] as (...a: unknown[]) => Promise<unknown>)('x', 1);
    assert.deepEqual(invoked.map((i) => i.channel), API_METHODS.map(channelOf));
    assert.ok(invoked.every((i) => JSON.stringify(i.args) === '["x",1]'));
    // The desktop API: only its named calls, each on its own channel.
    const desktop = bridge.desktop as Record<string, unknown>;
    assert.deepEqual(Object.keys(desktop).sort(), [...DESKTOP_METHODS].sort());
    invoked.length = 0;
    for (const m of DESKTOP_METHODS) await (desktop[m] as (...a: unknown[]) => Promise<unknown>)('y');
    assert.deepEqual(invoked.map((i) => i.channel), DESKTOP_METHODS.map(desktopChannelOf));
    // Navigation requests other than app routes are ignored.
    const routes: string[] = [];
    const off = (bridge.onNavigate as (cb: (r: string) => void) => () => void)((r) => routes.push(r));
    for (const l of listeners.get('np:app:navigate') ?? []) {
      l({}, '#/new');
      l({}, 'https://evil.example/');
      l({}, 'javascript:alert(1)');
    }
    off();
    assert.deepEqual(routes, ['#/new']);
    assert.equal(listeners.get('np:app:navigate')?.size ?? 0, 0, 'unsubscribed');
  });
});

describe('the CSP of the built renderer', () => {
  it('app:// serves every file of the bundle with the strict CSP; the page carries it too; nothing inline', async () => {
    let handler: ((r: Request) => Promise<Response>) | null = null;
    registerAppProtocol({ handle: (scheme: string, h: never) => (scheme === 'app' ? (handler = h) : null) } as never, PATHS.renderer);
    assert.ok(handler, 'app:// registered');
    const serve = (u: string) => handler!(new Request(u));
    const page = await serve(APP_ENTRY);
    assert.equal(page.status, 200);
    const header = page.headers.get('content-security-policy')!;
    assert.equal(header, PAGE_CSP);
    const c = csp(header);
    assert.deepEqual(c.get('default-src'), ["'none'"]);
    assert.deepEqual(c.get('script-src'), ["'self'"]);
    assert.deepEqual(c.get('connect-src'), ["'self'"]);
    assert.deepEqual(c.get('frame-ancestors'), ["'none'"]);
    assert.deepEqual(c.get('base-uri'), ["'none'"]);
    assert.deepEqual(c.get('form-action'), ["'none'"]);
    assert.doesNotMatch(header, /unsafe-inline|unsafe-eval|\*|http:|https:|ws:/);
    const html = await page.text();
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)![1];
    // frame-ancestors is ignored in a <meta> CSP, so the page's copy (written by the build) leaves it out.
    assert.equal(meta, PAGE_META_CSP, 'the built page carries the same policy');
    assert.equal(`${meta}; frame-ancestors 'none'`, header);
    // Under script-src 'self' an inline script or handler would not run: the build must have none.
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/i, 'no inline <script>');
    assert.doesNotMatch(html, /\son[a-z]+=/i, 'no inline event handlers');
    assert.doesNotMatch(html, /<style/i, 'no inline <style>');
    const refs = [...html.matchAll(/(?:src|href)="\.\/([^"]+)"/g)].map((m) => m[1]);
    assert.ok(refs.some((r) => r.endsWith('.js')) && refs.some((r) => r.endsWith('.css')));
    for (const r of refs) {
      const res = await serve(`app://renderer/${r}`);
      assert.equal(res.status, 200, r);
      assert.equal(res.headers.get('content-security-policy'), PAGE_CSP, r);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff', r);
      const body = await res.text();
      if (r.endsWith('.js')) assert.doesNotMatch(body, /\beval\(|new Function\(/, `${r} needs no unsafe-eval`);
    }
    assert.equal((await serve('app://renderer/../electron/preload.cjs')).status, 404);
    assert.equal((await serve('app://elsewhere/index.html')).status, 403);
  });
});
