// The engine core's layers, kept by a test rather than by memory: each folder imports only the
// folders below it (wire ← url ← tls ← relay ← pool ← instance), so the pool cannot reach into an
// instance again; and no module is imported for its side effects alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../../scripts/lib/proc';

const LAYERS = ['wire', 'url', 'tls', 'relay', 'pool', 'instance'];
const ENGINE = path.join(ROOT, 'engine');

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

function imports(file: string): Array<{ spec: string; bare: boolean }> {
  const text = readFileSync(file, 'utf8');
  const out: Array<{ spec: string; bare: boolean }> = [];
  for (const m of text.matchAll(/^\s*import\s+(?:type\s+)?(?:[^'"]*?\s+from\s+)?['"]([^'"]+)['"]/gm)) {
    out.push({ spec: m[1], bare: !/\sfrom\s/.test(m[0]) && !/^\s*import\s+type/.test(m[0]) });
  }
  for (const m of text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push({ spec: m[1], bare: false });
  return out;
}

test('each engine core folder imports only the folders below it', () => {
  const wrong: string[] = [];
  for (const [rank, layer] of LAYERS.entries()) {
    for (const file of sources(path.join(ENGINE, layer))) {
      for (const { spec } of imports(file)) {
        if (!spec.startsWith('.')) continue;
        const target = path.relative(ENGINE, path.resolve(path.dirname(file), spec)).split(path.sep)[0];
        const to = LAYERS.indexOf(target);
        if (to < 0 || to > rank) wrong.push(`${path.relative(ROOT, file)} → ${spec}`);
      }
    }
  }
  assert.deepEqual(wrong, []);
});

test('no engine core module is imported only for its side effects', () => {
  const bare: string[] = [];
  for (const layer of LAYERS) {
    for (const file of sources(path.join(ENGINE, layer))) {
      for (const { spec, bare: isBare } of imports(file)) if (isBare && spec.startsWith('.')) bare.push(`${path.relative(ROOT, file)} → ${spec}`);
    }
  }
  assert.deepEqual(bare, []);
});
