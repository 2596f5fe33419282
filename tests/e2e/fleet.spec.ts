// Fleet management and the comforts around it, in a real browser against headless mode with real
// engines: a second master (bin/nodepass master://…) added by its np:// link read from a QR code
// picture, its instances shown and acted on; a tunnel broken and mended with the notifications it
// causes (and a muted one that stays quiet); history after traffic; tags, search, drag to reorder;
// share as URL/QR; export → import gives the same instances; Chinese everywhere; screenshots.

import type { BrowserContext, Page } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import QRCode from 'qrcode';
import { encodeMasterLink } from '../../engine/api/np-link';
import type { Instance } from '../../engine/api/types';
import { must, removeDir, startMaster, type MasterHandle } from '../helpers/master';
import { echoServer, freePort, type TestServer } from '../helpers/net';
import { expect, pumpEcho, setTheme, shootBoth, SHOTS, test } from './fixtures';

test.describe.configure({ mode: 'serial' });

let context: BrowserContext;
let page: Page;
let remote: MasterHandle;
let echo: TestServer;
let tmp: string;
const pageErrors: string[] = [];
const ids: Record<string, string> = {};
let userPort = 0;

test.beforeAll(async ({ browser, app }) => {
  [remote, echo] = await Promise.all([startMaster(), echoServer()]);
  tmp = mkdtempSync(path.join(os.tmpdir(), 'npd-e2e-fleet-'));
  context = await browser.newContext({ viewport: { width: 1360, height: 860 } });
  await context.grantPermissions(['notifications'], { origin: app.origin });
  // Records what the page hands to the browser's Notification API (and still shows it).
  await context.addInitScript(() => {
    const Real = window.Notification;
    const seen: Array<{ title: string; body: string }> = [];
    (window as unknown as { __notes: typeof seen }).__notes = seen;
    class Recording extends Real {
      constructor(title: string, o?: NotificationOptions) {
        super(title, o);
        seen.push({ title, body: o?.body ?? '' });
      }
    }
    Object.defineProperty(window, 'Notification', { value: Recording, configurable: true });
  });
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  // The printed link was used by the first spec: sign in with the key.
  await page.goto(app.origin + '/');
  await page.locator('#login-key').fill(app.key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('view-instances')).toBeVisible();
});

test.afterEach(() => {
  expect(pageErrors.splice(0), 'uncaught errors in the page').toEqual([]);
});

test.afterAll(async () => {
  await context?.close();
  await remote?.kill('SIGTERM');
  if (remote) removeDir(remote.stateDir);
  await echo?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** A dialog in both themes: the theme toggle sits behind its backdrop, so it is reopened per theme. */
async function shootDialog(name: string, open: () => Promise<void>, testId: string) {
  for (const theme of ['light', 'dark'] as const) {
    await setTheme(page, theme);
    await open();
    await expect(page.getByTestId(testId)).toBeVisible();
    await page.waitForTimeout(200);
    await page.screenshot({ path: path.join(SHOTS, `${name}-${theme}.png`) });
    await page.keyboard.press('Escape');
    await expect(page.getByTestId(testId)).toHaveCount(0);
  }
  await setTheme(page, 'light');
}

const row = (name: string) => page.locator(`[data-testid=instance-row][data-name="${name}"]`);
const notes = () => page.evaluate(() => (window as unknown as { __notes: Array<{ title: string; body: string }> }).__notes);

async function running(api: MasterHandle['api'], id: string) {
  await expect.poll(async () => must(await api.getInstance(id)).status, { timeout: 15_000 }).toBe('running');
}

test('a remote master added from its QR code shows its instances, and they can be stopped and started', async () => {
  const fwdPort = await freePort();
  const fwd = must(await remote.api.createInstance({ alias: 'remote-fwd', url: `client://127.0.0.1:${fwdPort}/127.0.0.1:${echo.port}` }));
  await running(remote.api, fwd.id);

  await page.getByTestId('nav-masters').click();
  await expect(page.getByTestId('master-card')).toHaveCount(1);
  // A wrong key is refused with the master's answer, nothing is added.
  await page.locator('#m-url').fill(`http://127.0.0.1:${remote.port}/api`);
  await page.locator('#m-key').fill('0'.repeat(32));
  await page.getByTestId('master-add').click();
  await expect(page.getByTestId('add-master-error')).toHaveText('The master refused that API key.');
  await expect(page.getByTestId('master-card')).toHaveCount(1);
  await page.getByTestId('add-mode-link').click();
  // NodePassDash's link, as a QR code picture.
  const link = encodeMasterLink({ url: remote.base, key: remote.key });
  const png = path.join(tmp, 'master-qr.png');
  await QRCode.toFile(png, link, { width: 300 });
  await page.getByTestId('master-qr-file').setInputFiles(png);
  await expect(page.getByTestId('master-link')).toHaveValue(link);
  await expect(page.locator('#m-url')).toHaveValue(remote.base);
  await expect(page.locator('#m-key')).toHaveValue(remote.key);
  await page.locator('#m-name').fill('remote-box');
  await page.getByTestId('master-add').click();
  const card = page.locator('[data-testid=master-card]', { hasText: 'remote-box' });
  await expect(card).toHaveAttribute('data-connected', 'true');
  await expect(card.getByTestId('master-version')).toHaveText(must(await remote.api.getInfo()).ver);
  await expect(card.getByTestId('master-instances')).toContainText('1');
  await shootBoth(page, '10-masters');


  await page.getByTestId('nav-instances').click();
  await expect(row('remote-fwd')).toHaveAttribute('data-status', 'running');
  await expect(row('remote-fwd').getByTestId('master-badge')).toHaveText('remote-box');
  // Traffic through the remote instance shows up here.
  const r = await pumpEcho(fwdPort, 512 * 1024, 1);
  expect(r.received).toBe(r.sent);
  await expect.poll(async () => Number(await row('remote-fwd').getByTestId('row-total').getAttribute('data-rx'))).toBe(512 * 1024);
  await row('remote-fwd').getByTestId('action-stop').click();
  await expect(row('remote-fwd')).toHaveAttribute('data-status', 'stopped');
  expect(must(await remote.api.getInstance(fwd.id)).status).toBe('stopped');
  await row('remote-fwd').getByTestId('action-start').click();
  await expect(row('remote-fwd')).toHaveAttribute('data-status', 'running');
  await running(remote.api, fwd.id);
  // New instances can go to any master of the fleet.
  await page.getByTestId('nav-new').click();
  await page.getByTestId('form-master').selectOption({ label: 'remote-box' });
  await page.getByTestId('role-client').click();
  await page.locator('#f-alias').fill('made-remotely');
  await page.getByTestId('url-input').fill(`client://127.0.0.1:${await freePort()}/127.0.0.1:${echo.port}`);
  await page.getByTestId('submit').click();
  await expect(page.getByTestId('view-detail')).toBeVisible();
  await expect.poll(async () => must(await remote.api.listInstances()).some((i) => i.alias === 'made-remotely')).toBe(true);
  const made = must(await remote.api.listInstances()).find((i) => i.alias === 'made-remotely')!;
  await page.getByTestId('action-delete').click();
  await page.getByTestId('action-delete-confirm').click();
  await expect.poll(async () => (await remote.api.getInstance(made.id)).ok).toBe(false);
  await page.getByTestId('nav-instances').click();
  // The user stopped it here: no notification about that stop.
  expect((await notes()).filter((n) => n.title.includes('remote-fwd'))).toEqual([]);
});

test('a broken tunnel shows the error, notifies once, and notifies the recovery; a muted instance stays quiet', async ({ app }) => {
  const tunnel = await freePort();
  userPort = await freePort();
  const server = must(await app.api.createInstance({ alias: 'nt-server', url: `server://fleet-secret@127.0.0.1:${tunnel}/127.0.0.1:${userPort}?mode=1` }));
  const client = must(await app.api.createInstance({ alias: 'nt-client', url: `client://fleet-secret@127.0.0.1:${tunnel}/127.0.0.1:${echo.port}?mode=2` }));
  ids.server = server.id;
  ids.client = client.id;
  await running(app.api, server.id);
  await running(app.api, client.id);
  await expect(row('nt-client')).toHaveAttribute('data-status', 'running');
  const r = await pumpEcho(userPort, 2 * 1024 * 1024, 2);
  expect(r.received).toBe(r.sent);

  // Stop the client's peer from outside this page (another tool, a crash): the client loses its
  // server and goes to error.
  must(await app.api.updateInstance(server.id, { action: 'stop' }));
  await expect(row('nt-client')).toHaveAttribute('data-status', 'error');
  await expect(row('nt-client')).toContainText('Client error');
  const down = page.locator(`[data-testid=notice][data-kind=down][data-key="local/${client.id}"]`);
  await page.getByTestId('nav-notices').click();
  await expect(down).toHaveCount(1);
  await expect(down).toHaveAttribute('data-delivery', 'os');
  await expect(down).toContainText('nt-client is in error');
  // The server's stop was not asked for here either: announced as an unexpected stop.
  await expect(page.locator(`[data-testid=notice][data-kind=down][data-key="local/${server.id}"]`)).toContainText('nt-server stopped unexpectedly');
  expect((await notes()).map((n) => n.title)).toEqual(expect.arrayContaining(['nt-client is in error', 'nt-server stopped unexpectedly']));

  must(await app.api.updateInstance(server.id, { action: 'start' }));
  const up = page.locator(`[data-testid=notice][data-kind=recovered][data-key="local/${client.id}"]`);
  await expect(up).toHaveCount(1, { timeout: 30_000 });
  await expect(up).toContainText('nt-client is running again');
  await expect(down).toHaveCount(1);
  await shootBoth(page, '11-notices');

  // Muted: the next break is decided (the list shows the server's) but not announced for the client.
  await page.getByTestId('nav-instances').click();
  await row('nt-client').getByTestId('action-mute').click();
  must(await app.api.updateInstance(server.id, { action: 'stop' }));
  await expect(row('nt-client')).toHaveAttribute('data-status', 'error');
  await page.getByTestId('nav-notices').click();
  await expect(page.locator(`[data-testid=notice][data-kind=down][data-key="local/${server.id}"]`)).toHaveCount(2, { timeout: 20_000 });
  await expect(down).toHaveCount(1);
  must(await app.api.updateInstance(server.id, { action: 'start' }));
  await running(app.api, client.id);
  await page.getByTestId('nav-instances').click();
  await row('nt-client').getByTestId('action-mute').click();
});

test('the history chart has points after traffic; totals reset', async ({ app }) => {
  const r = await pumpEcho(userPort, 1024 * 1024, 1);
  expect(r.received).toBe(r.sent);
  await row('nt-server').locator('a.name').click();
  const history = page.getByTestId('history');
  await expect(history).toBeVisible();
  // The master's current minute already holds what went through (rx = what users sent).
  await expect.poll(async () => Number(await page.getByTestId('history-chart').getAttribute('data-active')), { timeout: 40_000 }).toBeGreaterThanOrEqual(1);
  await expect(page.getByTestId('history-rx')).not.toHaveText('0 B');
  await page.getByTestId('history-week').click();
  await expect.poll(async () => Number(await page.getByTestId('history-chart').getAttribute('data-points'))).toBe(168);
  await expect.poll(async () => Number(await page.getByTestId('history-chart').getAttribute('data-active'))).toBeGreaterThanOrEqual(1);
  await page.getByTestId('history-hour').click();
  await shootBoth(page, '12-detail-history', { height: 1500 });
  await page.getByTestId('action-reset').click();
  await expect(page.getByTestId('detail-rx')).toHaveText('0 B');
  expect(must(await app.api.getInstance(ids.server)).tcprx).toBe(0);
});

test('tags, pairing, search by tag, drag to reorder, share as URL and QR code', async ({ app }) => {
  await page.getByTestId('tag-input').fill('site=berlin');
  await page.getByTestId('tag-add').click();
  await expect(page.getByTestId('tag-editor').getByTestId('tag')).toHaveText('site: berlin');
  await expect.poll(async () => must(await app.api.getInstance(ids.server)).meta.tags).toEqual({ site: 'berlin' });
  await page.getByTestId('peer-select').selectOption(ids.client);
  await expect(page.getByTestId('peer-link')).toHaveText('Paired with nt-client');
  await expect.poll(async () => must(await app.api.getInstance(ids.client)).meta.peer).toEqual({ sid: ids.server, type: 'server', alias: 'nt-server' });

  await page.getByTestId('action-share').click();
  await expect(page.getByTestId('share-qr')).toBeVisible();
  await expect(page.getByTestId('share-url')).toHaveText(/^server:\/\/127\.0\.0\.1:\d+\//);
  await page.getByTestId('share-secrets').check();
  await expect(page.getByTestId('share-url')).toHaveText(/^server:\/\/fleet-secret@127\.0\.0\.1:\d+\//);
  await page.keyboard.press('Escape');
  await shootDialog('13-share', () => page.getByTestId('action-share').click(), 'share-dialog');

  await page.getByTestId('nav-instances').click();
  const search = page.getByRole('searchbox', { name: 'Search name, address, ID or tag' });
  await search.fill('#berlin');
  await expect(page.getByTestId('instance-row')).toHaveCount(1);
  await expect(row('nt-server').getByTestId('peer-mark')).toBeVisible();
  await search.fill('tag:site=paris');
  await expect(page.getByTestId('instance-row')).toHaveCount(0);
  await search.fill('master:remote');
  await expect(page.getByTestId('instance-row')).toHaveCount(1);
  await search.fill('');

  // Drag the last row above the first one; the order survives a reload.
  const rows = page.getByTestId('instance-row');
  const firstKey = (await rows.first().getAttribute('data-key'))!;
  const lastKey = (await rows.last().getAttribute('data-key'))!;
  expect(lastKey).not.toBe(firstKey);
  await rows.last().dragTo(rows.first());
  await expect(rows.first()).toHaveAttribute('data-key', lastKey);
  await expect(rows.nth(1)).toHaveAttribute('data-key', firstKey);
  await page.reload();
  await expect(rows.first()).toHaveAttribute('data-key', lastKey);
  await shootBoth(page, '14-instances-fleet');
});

test('export without secrets says what it left out; export with secrets imported on the other master gives the same instances', async ({ app }) => {
  const search = page.getByRole('searchbox', { name: 'Search name, address, ID or tag' });
  await search.fill('nt-');
  await expect(page.getByTestId('instance-row')).toHaveCount(2);
  await page.getByTestId('export-open').click();
  const dialog = page.getByTestId('export-dialog');
  await expect(dialog).toBeVisible();
  const plain = JSON.parse(await page.getByTestId('export-json').inputValue()) as { secrets: boolean; note: string; instances: Array<{ url: string; omitted?: string[] }> };
  expect(plain.secrets).toBe(false);
  // The shared tunnel key is left out, and the file says so per instance and in its note.
  expect(plain.instances.map((i) => [i.url.includes('fleet-secret'), i.omitted])).toEqual([
    [false, ['tunnel key']],
    [false, ['tunnel key']],
  ]);
  expect(plain.note).toContain('2 instance(s)');
  await expect(page.getByTestId('export-note')).toContainText('Secrets left out: tunnel keys and certificate paths of 2 instance(s)');
  await page.getByTestId('export-secrets').check();
  const full = JSON.parse(await page.getByTestId('export-json').inputValue()) as { secrets: boolean; instances: Array<{ alias: string; url: string; meta: { tags: Record<string, string> } }> };
  expect(full.secrets).toBe(true);
  expect(full.instances.every((i) => i.url.includes('fleet-secret@'))).toBe(true);
  await page.keyboard.press('Escape');
  await shootDialog('15-export', () => page.getByTestId('export-open').click(), 'export-dialog');
  await search.fill('');

  // Import onto the remote master.
  await page.getByTestId('import-open').click();
  await page.locator('#import-master').selectOption({ label: 'remote-box' });
  await page.getByTestId('import-json').fill(JSON.stringify(full));
  await expect(page.getByTestId('import-summary')).toContainText('2 instance(s) will be created');
  await page.getByTestId('import-run').click();
  await expect(page.getByTestId('import-dialog')).toHaveCount(0);
  const there = must(await remote.api.listInstances()).filter((i: Instance) => i.alias.startsWith('nt-'));
  const local = must(await app.api.listInstances()).filter((i: Instance) => i.alias.startsWith('nt-'));
  const shape = (l: Instance[]) => l.map((i) => ({ alias: i.alias, url: i.url, tags: i.meta.tags, peer: i.meta.peer.alias, restart: i.restart })).sort((a, b) => a.alias.localeCompare(b.alias));
  expect(shape(there)).toEqual(shape(local));
  // The peer link points at the new copy, not the original's ID.
  const srv = there.find((i) => i.alias === 'nt-server')!;
  const cli = there.find((i) => i.alias === 'nt-client')!;
  expect(cli.meta.peer.sid).toBe(srv.id);
  // Both copies share the original's ports, so the remote ones stop with an error or wait:
  // remove them again to keep the local pair alone on its ports.
  for (const i of there) must(await remote.api.deleteInstance(i.id));
});

test('settings: theme, notifications, local API access needs TLS to open up', async () => {
  await page.getByTestId('nav-settings').click();
  await expect(page.getByTestId('view-settings')).toBeVisible();
  await page.getByTestId('api-network').check();
  await page.getByTestId('api-tls').selectOption('0');
  await expect(page.getByTestId('api-problem')).toHaveText('Opening the API to the network requires TLS (1 or 2).');
  await expect(page.getByTestId('api-save')).toBeDisabled();
  await page.getByTestId('api-loopback').check();
  await expect(page.getByTestId('api-problem')).toHaveCount(0);
  await expect(page.getByTestId('autostart')).toBeDisabled();
  await shootBoth(page, '16-settings', { height: 1100 });
  await page.getByTestId('theme-dark').click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  // "System" follows the operating system's choice, also when it changes.
  await page.emulateMedia({ colorScheme: 'light' });
  await page.getByTestId('theme-system').click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  await page.emulateMedia({ colorScheme: 'dark' });
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.emulateMedia({ colorScheme: 'light' });
  await page.getByTestId('theme-light').click();
});

/**
 * Latin words in visible text and labels, leaving out user data (instance and master names, tags,
 * addresses, versions), product and protocol names and units. Toasts count too: one raised just
 * before the switch (the import's) must follow the new language.
 */
async function latinWords(p: Page, user: string[]): Promise<string[]> {
  return p.evaluate((user) => {
    const SKIP = '.mono, code, .log-lines, #s-lang, .url-box, textarea';
    const ALLOWED = new Set(['NodePass', 'NodePassDash', 'Go', 'TCP', 'UDP', 'TLS', 'QUIC', 'HTTP', 'SOCKS', 'PROXY', 'WebSocket', 'API', 'SHA', 'IP', 'ms', 'KiB', 'MiB', 'GiB', 'JSON', 'QR', 'Mbit', 'PEM', 'auto', 'none', 'debug', 'info', 'warn', 'error', 'event']);
    const userData = new Set<string>(user);
    for (const el of document.querySelectorAll<HTMLElement>('[data-name]')) userData.add(el.dataset.name!);
    const clean = (text: string) => {
      let t = text;
      for (const u of [...userData].sort((a, b) => b.length - a.length)) t = t.split(u).join(' ');
      return t.replace(/\bv\d+\.\d+\.\d+(-\w+)?/g, ' ').replace(/\b(np|https?|server|client):\/\/\S*/g, ' ').replace(/\b\d+(\.\d+)?\s?(B|KiB|MiB|GiB|ms|s|m|h|d)\b/g, ' ');
    };
    const out = new Set<string>();
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!el || el.closest(SKIP) || !el.getClientRects().length) continue;
      for (const w of clean(n.textContent ?? '').match(/[A-Za-z]{2,}/g) ?? []) if (!ALLOWED.has(w)) out.add(`${w} (${el.tagName.toLowerCase()}.${el.className})`);
    }
    for (const el of document.querySelectorAll<HTMLElement>('[placeholder], [aria-label], [title], option')) {
      if (!el.getClientRects().length && el.tagName !== 'OPTION') continue;
      if (el.closest('#s-lang')) continue;
      for (const v of [el.getAttribute('placeholder'), el.getAttribute('aria-label'), el.getAttribute('title'), el.tagName === 'OPTION' ? el.textContent : null]) {
        for (const w of clean(v ?? '').match(/[A-Za-z]{2,}/g) ?? []) if (!ALLOWED.has(w)) out.add(`${w} (${el.tagName.toLowerCase()} "${v}")`);
      }
    }
    return [...out];
  }, user);
}

test('Chinese: every visible string on the main views changes', async () => {
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('language').selectOption('zh');
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  const views: Array<[string, () => Promise<void>]> = [
    ['instances', () => page.getByTestId('nav-instances').click()],
    ['detail', async () => {
      await page.getByTestId('nav-instances').click();
      await row('nt-server').locator('a.name').click();
      await expect(page.getByTestId('history')).toBeVisible();
    }],
    ['masters', () => page.getByTestId('nav-masters').click()],
    ['notices', () => page.getByTestId('nav-notices').click()],
    ['settings', () => page.getByTestId('nav-settings').click()],
    ['new', () => page.getByTestId('nav-new').click()],
  ];
  for (const [name, open] of views) {
    await open();
    await page.waitForTimeout(300);
    // What users typed (names, tags) is theirs, not the app's.
    expect(await latinWords(page, ['remote-box', 'site: berlin', 'site', 'pair', 'nt-server', 'nt-client', 'remote-fwd', 'e2e-server', 'e2e-client', 'pair-client']), `English left on the ${name} view`).toEqual([]);
  }
  await page.getByTestId('nav-instances').click();
  await shootBoth(page, '17-instances-zh');
  await page.getByTestId('nav-masters').click();
  await shootBoth(page, '18-masters-zh');
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('language').selectOption('en');
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
});

test('a master that goes away shows offline, and online again when it is back', async () => {
  await page.getByTestId('nav-masters').click();
  const card = page.locator('[data-testid=master-card]', { hasText: 'remote-box' });
  await expect(card).toHaveAttribute('data-connected', 'true');
  await remote.kill('SIGTERM');
  await expect(card).toHaveAttribute('data-connected', 'false', { timeout: 20_000 });
  await expect(card.getByTestId('master-state')).toHaveText('Offline');
  await expect(page.locator('[data-testid=master-status][data-connected=false]')).toHaveCount(1);
  // The same master (same state file, same port) comes back: the page reconnects by itself.
  remote = await startMaster({ stateDir: remote.stateDir, port: remote.port });
  await expect(card).toHaveAttribute('data-connected', 'true', { timeout: 40_000 });
});
