// Builds the renderer (React + Vite) into dist/renderer: the same bundle runs in the Electron
// window (app://) and in a browser against the headless master. The page's <meta> CSP is written
// from the policy both of them send (desktop/bundle.ts). Imported by scripts/build.mjs.
import { build } from 'vite';
import react from '@vitejs/plugin-react';
import { tsImport } from 'tsx/esm/api';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const t0 = Date.now();
const { PAGE_META_CSP } = await tsImport('../desktop/bundle.ts', import.meta.url);

const PLACEHOLDER = '{{PAGE_META_CSP}}';
const cspMeta = {
  name: 'csp-meta',
  transformIndexHtml: {
    order: 'pre',
    handler(html) {
      if (!html.includes(PLACEHOLDER)) throw new Error(`renderer/index.html: no ${PLACEHOLDER} for the Content-Security-Policy <meta>`);
      return html.replace(PLACEHOLDER, PAGE_META_CSP);
    },
  },
};

await build({
  root: path.join(root, 'renderer'),
  base: './',
  configFile: false,
  logLevel: 'warn',
  plugins: [react(), cspMeta],
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
