// @vitest-environment node
// The renderer's layers: the page reaches no Node module and no desktop-host code, whatever it
// imports through; its state and pure helpers (store/, lib/) stay free of React and of the DOM
// layers, so they run (and are tested) anywhere.

import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isBuiltin, reachable, ROOT, sourcesUnder, specifiers, resolve } from '../helpers/imports';

describe('renderer layers', () => {
  it('nothing the page loads imports a Node module, Electron or the desktop host', () => {
    const edges = reachable(['renderer/main.tsx']);
    expect(edges.length).toBeGreaterThan(50);
    const bad = edges.filter((e) => isBuiltin(e.spec) || e.spec === 'electron' || /^(electron|desktop)\//.test(e.to ?? ''));
    expect(bad.map((e) => `${e.from} → ${e.spec}`)).toEqual([]);
  });

  it('store/ and lib/ import no React and nothing from hooks/, components/, views/ or platform/', () => {
    const ui = ['hooks', 'components', 'views', 'platform'].map((d) => path.join(ROOT, 'renderer', d) + path.sep);
    const bad: string[] = [];
    for (const file of [...sourcesUnder('renderer/store'), ...sourcesUnder('renderer/lib')]) {
      for (const spec of specifiers(file)) {
        const to = spec.startsWith('.') ? resolve(file, spec) : null;
        if (/^(react|react-dom)(\/|$)|^zustand\/react|^uplot/.test(spec) || (to && ui.some((d) => to.startsWith(d)))) bad.push(`${path.relative(ROOT, file)} → ${spec}`);
      }
    }
    expect(bad).toEqual([]);
  });
});
