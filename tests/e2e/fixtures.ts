// The app under test: `node scripts/start.mjs --headless` (what `npm start` runs here) with its
// state in a temp dir, started once per worker and stopped with SIGTERM at the end, plus helpers
// for screenshots in both themes and for pushing bytes through a tunnel.

import { test as base, expect, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HttpApi } from '../../engine/api/http-client';
import { sha256 } from '../helpers/net';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SHOTS = path.join(ROOT, 'test-results/screenshots');

export interface HeadlessApp {
  /** The sign-in link printed on the console. */
  link: string;
  origin: string;
  key: string;
  api: HttpApi;
  output: string[];
  proc: ChildProcess;
}

async function startHeadless(dataDir: string): Promise<HeadlessApp> {
  const proc = spawn(process.execPath, [path.join(ROOT, 'scripts/start.mjs'), '--headless', '--data', dataDir, '--port', '0'], {
    cwd: ROOT,
    env: { ...process.env, NP_REPORT_INTERVAL: '1s' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`headless mode did not print its link:\n${output.join('\n')}`)), 30_000);
    let link = '';
    let apiBase = '';
    let key = '';
    const onLine = (line: string) => {
      output.push(line);
      const open = /open\s+(http:\/\/\S+\?token=[0-9a-f]+)/.exec(line);
      if (open) link = open[1];
      const m = /master API\s+(http:\/\/\S+)\s+\(X-API-Key: ([0-9a-f]+)\)/.exec(line);
      if (m) {
        apiBase = m[1];
        key = m[2];
      }
      if (link && apiBase && key) {
        clearTimeout(timer);
        resolve({ link, origin: new URL(link).origin, key, api: new HttpApi({ baseUrl: apiBase, apiKey: key }), output, proc });
      }
    };
    for (const s of [proc.stdout!, proc.stderr!]) {
      let buf = '';
      s.setEncoding('utf8');
      s.on('data', (d: string) => {
        buf += d;
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          onLine(buf.slice(0, nl));
          buf = buf.slice(nl + 1);
        }
      });
    }
    proc.once('exit', (code) => reject(new Error(`headless mode exited with ${code}:\n${output.join('\n')}`)));
  });
}

export const test = base.extend<object, { app: HeadlessApp }>({
  app: [
    async ({}, use) => {
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'npd-e2e-'));
      const app = await startHeadless(dataDir);
      await use(app);
      const exited = new Promise((r) => app.proc.once('exit', r));
      app.proc.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
      if (app.proc.exitCode === null) app.proc.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    },
    { scope: 'worker', timeout: 60_000 },
  ],
});

export { expect };

export async function setTheme(page: Page, theme: 'light' | 'dark'): Promise<void> {
  const current = await page.evaluate(() => document.documentElement.dataset.theme);
  if (current !== theme) await page.getByTestId('theme-toggle').click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
}

/** Screenshots of the current view in both themes: test-results/screenshots/<name>-<theme>.png. */
export async function shootBoth(page: Page, name: string, o: { height?: number } = {}): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  const size = page.viewportSize()!;
  if (o.height) await page.setViewportSize({ width: size.width, height: o.height });
  const start = await page.evaluate(() => document.documentElement.dataset.theme);
  for (const theme of ['light', 'dark'] as const) {
    await setTheme(page, theme);
    // The chart repaints with the theme's colours on the next animation frame.
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    await page.screenshot({ path: path.join(SHOTS, `${name}-${theme}.png`) });
  }
  await setTheme(page, start === 'dark' ? 'dark' : 'light');
  if (o.height) await page.setViewportSize(size);
}

/**
 * Streams `total` bytes through a TCP port in chunks over about `seconds`, reading the echo back;
 * resolves when everything came back, with the sha256 of both sides.
 */
export async function pumpEcho(port: number, total: number, seconds: number): Promise<{ sent: string; received: string; bytes: number }> {
  // A freshly started instance reports "running" a moment before its listener accepts.
  for (let tries = 0; ; tries++) {
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (up) break;
    if (tries > 50) throw new Error(`nothing listens on port ${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return pumpOnce(port, total, seconds);
}

function pumpOnce(port: number, total: number, seconds: number): Promise<{ sent: string; received: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    const chunk = 64 * 1024;
    const data = Buffer.alloc(total);
    for (let i = 0; i < total; i++) data[i] = (i * 131 + (i >> 9)) & 255;
    const got: Buffer[] = [];
    let gotBytes = 0;
    const sock = net.connect({ port, host: '127.0.0.1' });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`echo through port ${port}: ${gotBytes} of ${total} bytes came back`));
    }, (seconds + 30) * 1000);
    sock.on('data', (d) => {
      got.push(d);
      gotBytes += d.length;
      if (gotBytes >= total) {
        clearTimeout(timer);
        sock.end();
        resolve({ sent: sha256(data), received: sha256(Buffer.concat(got)), bytes: total });
      }
    });
    sock.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    sock.on('connect', () => {
      let off = 0;
      const steps = Math.ceil(total / chunk);
      const every = (seconds * 1000) / steps;
      const send = () => {
        if (off >= total) return;
        sock.write(data.subarray(off, Math.min(total, off + chunk)));
        off += chunk;
        setTimeout(send, every);
      };
      send();
    });
  });
}
