// Which folder may import which, read off every import in the source: the engine knows nothing of
// the desktop host or the Electron shell, the desktop host is Node only (no Electron, no renderer),
// and the API contract stays platform-neutral because the renderer bundles it.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

const ROOT = path.resolve(import.meta.dirname, '..');

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (/\.tsx?$/.test(name)) out.push(p);
  }
  return out;
}

/** Every module a file imports (static, dynamic, type-only, re-exports), as written. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found = [...text.matchAll(/(?:^|[\s;])(?:import|export)\s[^'";]*?from\s*['"]([^'"]+)['"]|(?:^|[\s;])import\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm)];
  return found.map((m) => m[1] ?? m[2] ?? m[3]);
}

/** Where an import points: a top-level folder of the repo (`engine`, `desktop`…) or the package name. */
function target(file: string, spec: string): string {
  if (!spec.startsWith('.')) return spec;
  const rel = path.relative(ROOT, path.resolve(path.dirname(file), spec));
  return rel.split(path.sep).slice(0, rel.startsWith('engine') ? 2 : 1).join('/');
}

function violations(folder: string, forbidden: (to: string, spec: string) => boolean): string[] {
  const out: string[] = [];
  for (const file of sources(path.join(ROOT, folder))) {
    for (const spec of importsOf(file)) {
      if (forbidden(target(file, spec), spec)) out.push(`${path.relative(ROOT, file)} imports ${spec}`);
    }
  }
  return out;
}

describe('layers', () => {
  it('finds the imports it checks', () => {
    // The check is only as good as its reading of imports: it must see these known ones.
    const electronMain = importsOf(path.join(ROOT, 'electron/main.ts'));
    assert.ok(electronMain.includes('electron'));
    assert.ok(electronMain.some((s) => s.startsWith('../desktop/')));
    assert.ok(importsOf(path.join(ROOT, 'engine/cli.ts')).includes('./master/run'), 'a dynamic import');
  });

  it('the engine imports nothing of the desktop host, the Electron shell or the renderer', () => {
    assert.deepEqual(
      violations('engine', (to, spec) => spec === 'electron' || ['desktop', 'electron', 'renderer'].includes(to)),
      [],
    );
  });

  it('the desktop host is Node only: no Electron, nothing of electron/ or renderer/', () => {
    assert.deepEqual(
      violations('desktop', (to, spec) => spec === 'electron' || spec.startsWith('electron/') || to === 'electron' || to === 'renderer'),
      [],
    );
  });

  it('the API contract is platform-neutral (the renderer bundles it): no node: modules', () => {
    assert.deepEqual(
      violations('engine/api', (_to, spec) => spec.startsWith('node:')),
      [],
    );
  });
});
