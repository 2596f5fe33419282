// The desktop UI in a real browser against headless mode with a real master and real tunnels:
// sign-in, the URL form (field by field, pasted, wrong), a server + client pair carrying bytes,
// live counters and charts, list actions, logs, reload, and screenshots of every main view.

import type { Page } from '@playwright/test';
import { echoServer, freePort, type TestServer } from '../helpers/net';
import { expect, pumpEcho, setTheme, shootBoth, test } from './fixtures';

test.describe.configure({ mode: 'serial' });

let page: Page;
let echo: TestServer;
let tunnelPort: number;
let userPort: number;
const pageErrors: string[] = [];

test.beforeAll(async ({ browser, app }) => {
  echo = await echoServer();
  tunnelPort = await freePort();
  userPort = await freePort();
  page = await browser.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(app.link);
});

// Any uncaught exception in the page fails the test during which it happened.
test.afterEach(() => {
  expect(pageErrors.splice(0), 'uncaught errors in the page').toEqual([]);
});

test.afterAll(async () => {
  await page?.close();
  await echo?.close();
});

const row = (name: string) => page.locator(`[data-testid=instance-row][data-name="${name}"]`);

async function fillTargets(values: string[]) {
  for (let n = 0; n < values.length; n++) {
    if (n > 0) await page.getByRole('button', { name: 'Add target' }).first().click();
    await page.locator(`#f-target-${n}`).fill(values[n]);
  }
}

test('the sign-in link opens the app once and leaves the address bar clean', async ({ app, browser }) => {
  await expect(page.getByTestId('view-instances')).toBeVisible();
  expect(page.url()).not.toContain('token=');
  await expect(page.getByTestId('master-status')).toHaveAttribute('data-connected', 'true');
  await shootBoth(page, '01-instances-empty');

  // The same link in another browser: already used, so the sign-in form; the API key works there.
  const other = await browser.newPage();
  await other.goto(app.link);
  await expect(other.getByTestId('view-login')).toBeVisible();
  await expect(other.getByText('already used')).toBeVisible();
  await other.locator('#login-key').fill('0'.repeat(32));
  await other.getByRole('button', { name: 'Sign in' }).click();
  await expect(other.getByText('not the master’s API key')).toBeVisible();
  await shootBoth(other, '02-login');
  await other.locator('#login-key').fill(app.key);
  await other.getByRole('button', { name: 'Sign in' }).click();
  await expect(other.getByTestId('view-instances')).toBeVisible();
  await other.close();
});

test('a bad URL shows the inline error naming the parameter, and nothing is created', async ({ app }) => {
  await page.getByTestId('nav-new').click();
  await expect(page.getByTestId('view-form')).toBeVisible();
  await page.getByTestId('url-input').fill('server://127.0.0.1:10101/127.0.0.1:8080?tls=3&mode=9&rate=fast');
  await expect(page.getByTestId('error-tls')).toHaveText('tls=3: expected 0, 1 or 2');
  await expect(page.getByTestId('error-mode')).toHaveText('mode=9: expected 0, 1 or 2');
  // rate is an advanced parameter: its field unfolds to show the problem.
  await expect(page.getByTestId('error-rate')).toHaveText('rate=fast: expected a non-negative integer in Mbit/s (0 for unlimited)');
  await expect(page.getByTestId('url-state')).toHaveText('Incomplete');

  // A wrong address typed into its field: named after blur, in the engine's words.
  await page.locator('#f-tunnel').fill('localhost');
  await page.locator('#f-tunnel').blur();
  await expect(page.getByTestId('error-tunnel')).toHaveText('tunnel address "localhost": expected host:port');
  await page.getByTestId('submit').click();
  await expect(page.getByTestId('form-issues')).toContainText('tls=3: expected 0, 1 or 2');
  await shootBoth(page, '03-form-errors', { height: 1300 });
  const list = await app.api.listInstances();
  expect(list.ok && list.value.filter((i) => i.id !== '********')).toEqual([]);

  // A URL that is not even structurally one: the URL box says why and keeps the text.
  await page.getByTestId('url-input').fill('server//nope');
  await expect(page.getByTestId('error-url')).toContainText('url "server//nope": expected scheme://host:port/');
});

test('create a server and a client through the form; both turn running', async () => {
  await page.getByTestId('nav-instances').click();
  await page.getByTestId('nav-new').click();
  await page.locator('#f-alias').fill('e2e-server');
  await page.locator('#f-tunnel').fill(`127.0.0.1:${tunnelPort}`);
  await fillTargets([`127.0.0.1:${userPort}`]);
  await page.locator('#f-key').fill('e2e secret/key');
  await page.locator('#f-mode').selectOption('1');
  // The preview follows the fields, in the engine's canonical form.
  await expect(page.getByTestId('url-input')).toHaveValue(`server://e2e%20secret%2Fkey@127.0.0.1:${tunnelPort}/127.0.0.1:${userPort}?mode=1`);
  await expect(page.getByTestId('url-state')).toHaveText('Valid');
  await shootBoth(page, '04-form-server', { height: 1300 });
  await page.getByTestId('submit').click();
  await expect(page.getByTestId('view-detail')).toBeVisible();

  await page.getByTestId('nav-new').click();
  await page.getByTestId('role-client').click();
  await page.locator('#f-alias').fill('e2e-client');
  // Paste a URL into a field: the whole form fills from it.
  await page.locator('#f-tunnel').focus();
  await page.evaluate((text) => {
    const dt = new DataTransfer();
    dt.setData('text/plain', text);
    document.activeElement!.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
  }, `client://e2e%20secret%2Fkey@127.0.0.1:${tunnelPort}/127.0.0.1:${echo.port}?mode=2`);
  await expect(page.locator('#f-tunnel')).toHaveValue(`127.0.0.1:${tunnelPort}`);
  await expect(page.locator('#f-target-0')).toHaveValue(`127.0.0.1:${echo.port}`);
  await expect(page.locator('#f-key')).toHaveValue('e2e secret/key');
  await expect(page.locator('#f-mode')).toHaveValue('2');
  await shootBoth(page, '05-form-client', { height: 1100 });
  await page.getByTestId('submit').click();
  await expect(page.getByTestId('view-detail')).toBeVisible();

  await page.getByTestId('nav-instances').click();
  await expect(row('e2e-server')).toHaveAttribute('data-status', 'running');
  await expect(row('e2e-client')).toHaveAttribute('data-status', 'running');
  await expect(page.getByTestId('summary-running')).toHaveText('2');
});

test('bytes through the tunnel move the counters and the charts', async () => {
  const r = await pumpEcho(userPort, 6 * 1024 * 1024, 6);
  expect(r.received).toBe(r.sent);
  // The server counts what users sent it (rx) and what it sent back (tx).
  const total = row('e2e-server').getByTestId('row-total');
  await expect.poll(async () => Number(await total.getAttribute('data-rx'))).toBe(r.bytes);
  await expect.poll(async () => Number(await total.getAttribute('data-tx'))).toBe(r.bytes);
  await expect(total).toHaveText('12.0 MiB');
  // The overall chart plotted a non-zero rate.
  await expect.poll(async () => Number(await page.locator('.chart[data-series="*"]').getAttribute('data-peak'))).toBeGreaterThan(100_000);

  // While traffic flows the live rates show; screenshot the busy list.
  const pumping = pumpEcho(userPort, 8 * 1024 * 1024, 6);
  await expect.poll(async () => Number(await total.getAttribute('data-rx'))).toBeGreaterThan(r.bytes);
  await expect(page.getByTestId('summary-in-rate')).not.toHaveText('0 B/s');
  await expect(row('e2e-server').getByTestId('row-in-rate')).not.toHaveText('0 B/s');
  await shootBoth(page, '06-instances-traffic');
  const second = await pumping;
  expect(second.received).toBe(second.sent);

  await row('e2e-server').locator('a.name').click();
  await expect(page.getByTestId('view-detail')).toBeVisible();
  await expect(page.getByTestId('detail-rx')).toHaveText('14.0 MiB');
  await expect.poll(async () => Number(await page.locator('.chart').first().getAttribute('data-peak'))).toBeGreaterThan(100_000);
  await shootBoth(page, '07-detail', { height: 1000 });
});

test('the log view shows the instance log, filters by level and searches', async () => {
  await page.getByTestId('tab-logs').click();
  const lines = page.locator('.log-line');
  await expect(lines.filter({ hasText: 'Sending tunnel config' }).first()).toBeVisible();
  await expect(lines.filter({ hasText: 'Exchange complete' }).first()).toBeVisible();
  await shootBoth(page, '08-logs', { height: 1000 });
  await page.getByRole('searchbox', { name: 'Search the log' }).fill('tunnel config');
  await expect(lines).toHaveCount(1);
  await page.getByRole('button', { name: 'Info', exact: true }).click();
  await expect(lines).toHaveCount(0);
  await expect(page.getByText('No line matches the filter.')).toBeVisible();
  await page.getByRole('button', { name: 'Info', exact: true }).click();
  await page.getByRole('searchbox', { name: 'Search the log' }).fill('');
});

test('stop one from the list', async ({ app }) => {
  await page.getByTestId('nav-instances').click();
  await row('e2e-client').getByTestId('action-stop').click();
  await expect(row('e2e-client')).toHaveAttribute('data-status', 'stopped');
  // Its server lost its only client: NodePass reports that as an error until a client is back.
  await expect(row('e2e-server')).not.toHaveAttribute('data-status', 'stopped');
  const list = await app.api.listInstances();
  expect(list.ok && list.value.find((i) => i.alias === 'e2e-client')?.status).toBe('stopped');
  await page.getByRole('button', { name: 'Stopped', exact: true }).click();
  await expect(page.getByTestId('instance-row')).toHaveCount(1);
  await page.getByRole('button', { name: 'All', exact: true }).click();
});

test('a page reload keeps everything', async ({ app }) => {
  await setTheme(page, 'dark');
  const before = await row('e2e-server').getByTestId('row-total').getAttribute('data-rx');
  await page.reload();
  expect(page.url()).toMatch(/#\/$/);
  await expect(page.getByTestId('view-instances')).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  // Every row shows what the master says, as before the reload.
  const list = await app.api.listInstances();
  expect(list.ok).toBe(true);
  const server = list.ok ? list.value.find((i) => i.alias === 'e2e-server')! : null;
  await expect(row('e2e-server')).toHaveAttribute('data-status', server!.status);
  await expect(row('e2e-client')).toHaveAttribute('data-status', 'stopped');
  await expect(row('e2e-server').getByTestId('row-total')).toHaveAttribute('data-rx', before!);
  // The traffic chart kept its last minutes (nothing flows now, so a peak can only be history).
  await expect.poll(async () => Number(await page.locator('.chart[data-series="*"]').getAttribute('data-peak'))).toBeGreaterThan(100_000);
  // A deep link survives a reload too.
  await row('e2e-server').locator('a.name').click();
  await page.getByTestId('tab-logs').click();
  await page.reload();
  await expect(page.getByTestId('log-view')).toBeVisible();
  await setTheme(page, 'light');
});

test('starting the client again brings its server back to running', async () => {
  await page.getByTestId('nav-instances').click();
  await row('e2e-client').getByTestId('action-start').click();
  await expect(row('e2e-client')).toHaveAttribute('data-status', 'running');
  await expect(row('e2e-server')).toHaveAttribute('data-status', 'running');
  const r = await pumpEcho(userPort, 256 * 1024, 1);
  expect(r.received).toBe(r.sent);
});

test('one action creates a matching server + client pair that carries traffic', async () => {
  const pairTunnel = await freePort();
  const pairUser = await freePort();
  await page.getByTestId('nav-new').click();
  await page.locator('#f-alias').fill('pair');
  await page.locator('#f-tunnel').fill(`0.0.0.0:${pairTunnel}`);
  await fillTargets([`127.0.0.1:${pairUser}`]);
  await page.getByTestId('pair-toggle').check();
  await page.locator('#f-pair-target-0').fill(`127.0.0.1:${echo.port}`);
  await expect(page.getByTestId('pair-url')).toHaveText(`client://127.0.0.1:${pairTunnel}/127.0.0.1:${echo.port}?mode=2`);
  await page.getByTestId('submit').click();
  await expect(page.getByTestId('view-instances')).toBeVisible();
  await expect(row('pair')).toHaveAttribute('data-status', 'running');
  await expect(row('pair (client)')).toHaveAttribute('data-status', 'running');
  const r = await pumpEcho(pairUser, 512 * 1024, 1);
  expect(r.received).toBe(r.sent);
  await row('pair').locator('a.name').click();
  await expect(page.getByText('Paired with pair (client)')).toBeVisible();
});

test('multi-select: bulk stop and bulk start', async () => {
  await page.getByTestId('nav-instances').click();
  for (const name of ['pair', 'pair (client)']) await row(name).locator('input[type=checkbox]').check();
  await expect(page.getByTestId('bulk-bar')).toContainText('2 selected');
  await page.getByTestId('bulk-stop').click();
  await expect(row('pair')).toHaveAttribute('data-status', 'stopped');
  await expect(row('pair (client)')).toHaveAttribute('data-status', 'stopped');
  await page.getByTestId('bulk-start').click();
  await expect(row('pair')).toHaveAttribute('data-status', 'running');
  await expect(row('pair (client)')).toHaveAttribute('data-status', 'running');
  await page.getByRole('button', { name: 'Clear', exact: true }).click();
});

test('edit an instance, search, and delete one', async ({ app }) => {
  await row('pair (client)').getByTestId('action-edit').click();
  await expect(page.locator('#f-alias')).toHaveValue('pair (client)');
  await page.locator('#f-alias').fill('pair-client');
  await page.getByTestId('submit').click();
  await expect(page.getByTestId('view-detail')).toBeVisible();
  await page.getByTestId('nav-instances').click();
  await expect(row('pair-client')).toBeVisible();

  await page.getByRole('searchbox', { name: 'Search name, address, ID or tag' }).fill('pair');
  await expect(page.getByTestId('instance-row')).toHaveCount(2);
  await row('pair').getByTestId('action-delete').click();
  await row('pair').getByTestId('action-delete-confirm').click();
  await expect(row('pair')).toHaveCount(0);
  const list = await app.api.listInstances();
  expect(list.ok && list.value.some((i) => i.alias === 'pair')).toBe(false);
  await page.getByRole('searchbox', { name: 'Search name, address, ID or tag' }).fill('');
  await expect(page.getByTestId('instance-row')).toHaveCount(3);
});
