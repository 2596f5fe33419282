// Browser tests: Playwright drives Debian's Chromium against `npm start -- --headless` with a real
// master and real tunnel instances (tests/e2e). Called by scripts/test.mjs.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(chromium)) {
  console.error(`test-e2e: no Chromium at ${chromium} (install Debian's: apt-get install -y chromium, or set CHROMIUM_PATH)`);
  process.exit(1);
}
const args = process.argv.slice(2);
if (!args.some((a) => a.startsWith('--project'))) args.push('--project=e2e');
const t0 = Date.now();
const r = spawnSync(process.execPath, [path.join(root, 'node_modules/@playwright/test/cli.js'), 'test', '-c', 'tests/e2e/playwright.config.ts', ...args], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, PLAYWRIGHT_BROWSERS_PATH: '0', PW_TEST_HTML_REPORT_OPEN: 'never' },
});
console.log(`test: e2e finished in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
process.exit(r.status ?? 1);
