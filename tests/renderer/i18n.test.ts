// Text in the window: nothing user-visible bypasses t() in the views (no bare text between JSX
// tags, no literal labels), and URL parameters are named in the language shown.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { translator } from '../../shared/i18n';
import { paramHint, paramLabel } from '../../renderer/lib/param-text';

const ROOT = path.resolve(__dirname, '../..');

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (name.endsWith('.tsx')) out.push(p);
  }
  return out;
}

describe('text in the window', () => {
  it('views render no bare English text outside t()', () => {
    const offenders: string[] = [];
    for (const f of sources(path.join(ROOT, 'renderer'))) {
      const text = readFileSync(f, 'utf8');
      // Text between a tag's `>` (not an arrow's) and the next `<`, across lines, with letters in it.
      for (const m of text.matchAll(/(?<![=-])>\s*([^<>{}();=]*[A-Za-z]{2,}[^<>{}();=]*?)\s*</gs)) {
        offenders.push(`${path.relative(ROOT, f)}: "${m[1].trim()}"`);
      }
      // User-facing attributes with literal text.
      for (const m of text.matchAll(/\b(placeholder|title|aria-label|label)="([^"]*[A-Za-z][^"]*)"/g)) {
        if (!/^[a-z0-9.:\-/[\]]+$/.test(m[2])) offenders.push(`${path.relative(ROOT, f)}: ${m[1]}="${m[2]}"`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('URL parameters are labelled from the engine table unless the language has its own words', () => {
    const en = translator('en');
    expect(paramLabel(en, 'slot')).toBe('Session limit');
    expect(paramHint(en, 'tls')).toBe('0, 1 or 2');
    expect(paramLabel(en, 'nosuch')).toBe('nosuch');
    const zh = translator('zh');
    expect(paramLabel(zh, 'slot')).toBe('会话上限');
    expect(paramHint(zh, 'tls')).toBe('0、1 或 2');
  });
});
