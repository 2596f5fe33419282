// The import graph of the sources, read from their text: which modules a file imports (resolved
// to files for relative paths, kept as written for packages), and every file reachable from one.
// Used by the layer tests, so a dependency that crosses a layer fails a test, not a review.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const SPEC = /(?:^|[;\s])(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|(?:^|[;\s])import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm;

/** What a file imports, as written (type-only imports included: they are dependencies too). */
export function specifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|^\s*\/\/.*$/gm, '');
  return [...text.matchAll(SPEC)].map((m) => m[1] ?? m[2] ?? m[3]);
}

/** A relative specifier → the file it names (.ts, .tsx, index), or null when none exists. */
export function resolve(from: string, spec: string): string | null {
  const base = path.resolve(path.dirname(from), spec);
  for (const f of [base, `${base}.ts`, `${base}.tsx`, path.join(base, 'index.ts'), path.join(base, 'index.tsx')]) {
    if (existsSync(f) && statSync(f).isFile()) return f;
  }
  return null;
}

export function isBuiltin(spec: string): boolean {
  return spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0]);
}

/** Source files (.ts, .tsx) under a folder of the repository ([] when it does not exist). */
export function sourcesUnder(dir: string): string[] {
  const abs = path.join(ROOT, dir);
  if (!existsSync(abs)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = path.join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.tsx?$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
    }
  };
  walk(abs);
  return out;
}

export interface Edge {
  /** The importing file, relative to the repository. */
  from: string;
  /** As written. */
  spec: string;
  /** The file for a relative import (relative to the repository), null for a package. */
  to: string | null;
}

/** Every import of every file reachable from `entries` through relative imports. */
export function reachable(entries: string[]): Edge[] {
  const seen = new Set<string>();
  const edges: Edge[] = [];
  const queue = entries.map((e) => path.resolve(ROOT, e));
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const spec of specifiers(file)) {
      const to = spec.startsWith('.') ? resolve(file, spec) : null;
      if (spec.startsWith('.') && !to) continue; // CSS and other assets
      edges.push({ from: path.relative(ROOT, file), spec, to: to && path.relative(ROOT, to) });
      if (to) queue.push(to);
    }
  }
  return edges;
}
