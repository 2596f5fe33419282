// Measurement, not a test (run: node scripts/test-e2e.mjs --project=bench): the list view with 100
// real instances, each carrying live traffic, in Chromium. Records long tasks (> 50 ms) and the
// gaps between animation frames while the UI takes its once-a-second updates, and writes them to
// test-results/bench/ui-100-instances.json.

import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { echoServer, freePort } from '../helpers/net';
import { expect, ROOT, test } from './fixtures';

const COUNT = Number(process.env.NPD_BENCH_INSTANCES ?? 100);
const SECONDS = 15;

test('list view with 100 busy instances stays responsive', async ({ app, browser }) => {
  test.setTimeout(300_000);
  const echo = await echoServer();
  const ports: number[] = [];
  for (let n = 0; n < COUNT; n++) {
    const port = await freePort();
    ports.push(port);
    const r = await app.api.createInstance({ alias: `load-${String(n).padStart(3, '0')}`, url: `client://127.0.0.1:${port}/127.0.0.1:${echo.port}?mode=1` });
    expect(r.ok).toBe(true);
  }
  await expect
    .poll(async () => {
      const l = await app.api.listInstances();
      return l.ok ? l.value.filter((i) => i.status === 'running').length : 0;
    }, { timeout: 120_000 })
    .toBe(COUNT);

  const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  await page.goto(app.link);
  await expect(page.getByTestId('instance-row')).toHaveCount(COUNT, { timeout: 30_000 });

  // Every instance gets a trickle of traffic (4 KiB every 200 ms) for the whole measurement.
  const sockets = ports.map((p) => {
    const s = net.connect(p, '127.0.0.1');
    s.on('data', () => {});
    s.on('error', () => {});
    return s;
  });
  const chunk = Buffer.alloc(4096, 7);
  const pump = setInterval(() => sockets.forEach((s) => s.write(chunk)), 200);
  await page.waitForTimeout(3000);

  // Main-thread time split (script, layout, style) over the measurement, from Chromium itself.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const metrics = async () => Object.fromEntries(((await cdp.send('Performance.getMetrics')).metrics as { name: string; value: number }[]).map((m) => [m.name, m.value]));
  const m0 = await metrics();
  const result = await page.evaluate(async (seconds) => {
    const longTasks: number[] = [];
    const po = new PerformanceObserver((list) => list.getEntries().forEach((e) => longTasks.push(e.duration)));
    po.observe({ type: 'longtask', buffered: false });
    const gaps: number[] = [];
    let last = performance.now();
    const end = last + seconds * 1000;
    await new Promise<void>((resolve) => {
      const frame = (t: number) => {
        gaps.push(t - last);
        last = t;
        if (t < end) requestAnimationFrame(frame);
        else resolve();
      };
      requestAnimationFrame(frame);
    });
    po.disconnect();
    gaps.sort((a, b) => a - b);
    const q = (p: number) => gaps[Math.min(gaps.length - 1, Math.floor(gaps.length * p))];
    return {
      frames: gaps.length,
      frameGapMs: { p50: q(0.5), p95: q(0.95), p99: q(0.99), max: gaps[gaps.length - 1] },
      longTasks: longTasks.length,
      longestTaskMs: longTasks.length ? Math.max(...longTasks) : 0,
      totalLongTaskMs: longTasks.reduce((a, b) => a + b, 0),
    };
  }, SECONDS);
  const m1 = await metrics();
  const busy = (k: string) => Math.round(((m1[k] - m0[k]) / SECONDS) * 1000);
  const mainThreadMsPerSecond = { task: busy('TaskDuration'), script: busy('ScriptDuration'), layout: busy('LayoutDuration'), style: busy('RecalcStyleDuration') };
  const movingRows = await page.locator('[data-testid=row-in-rate]').evaluateAll((els) => els.filter((e) => !/ 0 B\/s$/.test(e.textContent ?? '')).length);

  clearInterval(pump);
  sockets.forEach((s) => s.destroy());
  await echo.close();
  const report = { instances: COUNT, seconds: SECONDS, rowsShowingTraffic: movingRows, mainThreadMsPerSecond, ...result, at: new Date().toISOString() };
  const out = path.join(ROOT, 'test-results/bench');
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'ui-100-instances.json'), JSON.stringify(report, null, 2));
  console.log(JSON.stringify(report, null, 2));
  await page.screenshot({ path: path.join(out, 'ui-100-instances.png') });
  expect(movingRows).toBeGreaterThan(COUNT / 2);
});
