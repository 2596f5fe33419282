// shared/ is what the Electron main process and the page both run: it type-checks without the DOM
// and without Node, imports nothing outside itself, and nothing but the page imports the renderer.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ROOT, resolve, sourcesUnder, specifiers } from '../helpers/imports';

describe('shared/ layer', () => {
  it('type-checks with neither DOM nor Node types (shared/tsconfig.json)', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'shared/tsconfig.json', '--noEmit'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  it('imports only from inside shared/', () => {
    const outside: string[] = [];
    for (const file of sourcesUnder('shared')) {
      for (const spec of specifiers(file)) {
        const to = spec.startsWith('.') ? resolve(file, spec) : null;
        if (!to || !to.startsWith(path.join(ROOT, 'shared') + path.sep)) outside.push(`${path.relative(ROOT, file)} → ${spec}`);
      }
    }
    assert.deepEqual(outside, []);
  });

  it('no code outside renderer/ (main process, engine, scripts) imports from renderer/', () => {
    const renderer = path.join(ROOT, 'renderer') + path.sep;
    const offenders: string[] = [];
    for (const dir of ['shared', 'engine', 'electron', 'desktop', 'bench', 'scripts']) {
      for (const file of sourcesUnder(dir)) {
        for (const spec of specifiers(file)) {
          const to = spec.startsWith('.') ? resolve(file, spec) : null;
          if (to?.startsWith(renderer)) offenders.push(`${path.relative(ROOT, file)} → ${spec}`);
        }
      }
    }
    assert.deepEqual(offenders, []);
  });
});
