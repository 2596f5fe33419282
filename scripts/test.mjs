// Runs every test suite: the Node test runner over tests/**/*.test.ts (files passed explicitly:
// Node 20's --test finds no .ts files in a directory and would still exit 0), then the renderer's
// Vitest and Playwright suites when they exist. Exits non-zero if any suite fails or none ran.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const args = process.argv.slice(2);
const only = args.filter((a) => !a.startsWith('--'));

function walk(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

// tests/e2e (Playwright) and tests/renderer (Vitest) have their own runners.
const skip = [path.join(root, 'tests', 'e2e') + path.sep, path.join(root, 'tests', 'renderer') + path.sep];
const all = walk(path.join(root, 'tests')).filter((f) => !skip.some((s) => f.startsWith(s)));
const files = only.length > 0 ? all.filter((f) => only.some((o) => f.includes(o))) : all;
if (files.length === 0) {
  console.error('test: no test files found under tests/');
  process.exit(1);
}
console.log(`test: ${files.length} node test files`);
const t0 = Date.now();
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=180000', '--test-force-exit', '--test-reporter=spec', ...files.map((f) => path.relative(root, f))],
  { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
);
console.log(`test: node suites finished in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
let failed = r.status !== 0;

if (only.length === 0) {
  for (const extra of ['scripts/test-renderer.mjs', 'scripts/test-e2e.mjs']) {
    if (!existsSync(path.join(root, extra))) continue;
    const x = spawnSync(process.execPath, [path.join(root, extra)], { cwd: root, stdio: 'inherit' });
    if (x.status !== 0) failed = true;
  }
}
process.exit(failed ? 1 : 0);
