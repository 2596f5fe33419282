// Builds the Node-only desktop host with esbuild: the headless entry (ESM; `npm start -- --headless`
// and `npm start` wherever Electron cannot run). Imported by scripts/build.mjs.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const out = path.join(root, 'dist/desktop');
rmSync(out, { recursive: true, force: true });

await build({
  entryPoints: { headless: path.join(root, 'desktop/headless.ts') },
  outdir: out,
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  format: 'esm',
  packages: 'external',
  outExtension: { '.js': '.mjs' },
});
