// Builds the renderer (React + Vite) into dist/renderer: the same bundle runs in the Electron
// window (app://) and in a browser against the headless master. Imported by scripts/build.mjs.
import { build } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const t0 = Date.now();

await build({
  root: path.join(root, 'renderer'),
  base: './',
  configFile: false,
  logLevel: 'warn',
  plugins: [react()],
  build: {
    outDir: path.join(root, 'dist/renderer'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // The strict CSP forbids inline scripts; Vite's preload polyfill would be one.
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1024,
  },
});
console.log(`build: renderer in ${Date.now() - t0} ms`);
