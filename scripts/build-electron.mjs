// Builds the Electron shell with esbuild: the main process and preload (CommonJS, as Electron loads
// them; the sandboxed preload must be one self-contained file). Imported by scripts/build.mjs.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const out = path.join(root, 'dist/electron');
rmSync(out, { recursive: true, force: true });

const common = { bundle: true, platform: 'node', target: 'node20', sourcemap: 'linked', logLevel: 'warning' };

await build({
  ...common,
  entryPoints: { main: path.join(root, 'electron/main.ts'), preload: path.join(root, 'electron/preload.ts') },
  outdir: out,
  format: 'cjs',
  outExtension: { '.js': '.cjs' },
  external: ['electron'],
});
