// Renderer unit tests: Vitest with happy-dom over tests/renderer (pure modules, the store, and
// components rendered into a DOM). Called by scripts/test.mjs.
import { startVitest } from 'vitest/node';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const t0 = Date.now();
const vitest = await startVitest(
  'test',
  process.argv.slice(2),
  { root, run: true, watch: false, environment: 'happy-dom', include: ['tests/renderer/**/*.test.{ts,tsx}'], reporters: ['default'] },
  { plugins: [react()], configFile: false },
);
const failed = !vitest || vitest.state.getCountOfFailedTests() > 0 || vitest.state.getUnhandledErrors().length > 0 || process.exitCode;
await vitest?.close();
console.log(`test: renderer suites finished in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
process.exit(failed ? 1 : 0);
