// Builds what runs without a transpiler: the engine CLI (and, when present, the desktop host, the
// Electron main process and the renderer bundle). Runs in `prepare`, so `npm install` leaves bin/nodepass ready.
import { build } from 'esbuild';
import { existsSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const out = path.join(root, 'dist');
const t0 = Date.now();
rmSync(path.join(out, 'engine'), { recursive: true, force: true });

await build({
  entryPoints: {
    cli: path.join(root, 'engine/cli.ts'),
    // The master runs each instance in a worker thread from this file (engine/master/runner-worker.ts).
    'instance-worker': path.join(root, 'engine/master/instance-worker.ts'),
  },
  outdir: path.join(out, 'engine'),
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  outExtension: { '.js': '.mjs' },
  logLevel: 'warning',
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});

for (const extra of ['scripts/build-desktop.mjs', 'scripts/build-electron.mjs', 'scripts/build-renderer.mjs']) {
  if (existsSync(path.join(root, extra))) await import(path.join(root, extra));
}
console.log(`build: dist/ ready in ${Date.now() - t0} ms`);
