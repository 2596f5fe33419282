// The benchmark and the scripts stand on their own: nothing under bench/ or scripts/ imports from
// tests/ (tests may use scripts/lib and bench/lib, not the other way round).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../../scripts/lib/proc';

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (/\.(ts|mts|mjs|js)$/.test(name)) out.push(p);
  }
  return out;
}

test('bench/ and scripts/ import nothing from tests/', () => {
  const offenders: string[] = [];
  for (const file of [...sources(path.join(ROOT, 'bench')), ...sources(path.join(ROOT, 'scripts'))]) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)) {
      const target = path.resolve(path.dirname(file), m[1]);
      if (m[1].startsWith('.') && target.startsWith(path.join(ROOT, 'tests') + path.sep)) offenders.push(`${path.relative(ROOT, file)} → ${m[1]}`);
    }
  }
  assert.deepEqual(offenders, []);
});
