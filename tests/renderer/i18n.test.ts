// The i18n layer: every key the code uses exists in the English dictionary, values are filled in,
// and nothing user-visible bypasses t() in the views (no bare text between JSX tags).

import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { en } from '../../renderer/i18n/en';
import { getLocale, paramLabel, registerLocale, setLocale, t } from '../../renderer/i18n';

const ROOT = path.resolve(__dirname, '../..');

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (/\.tsx?$/.test(name)) out.push(p);
  }
  return out;
}

const files = [...sources(path.join(ROOT, 'renderer')), ...sources(path.join(ROOT, 'electron'))];

describe('i18n', () => {
  it('fills variables and falls back to English, then to the key', () => {
    expect(t('list.selected', { n: 3 })).toBe('3 selected');
    registerLocale('xx', { 'nav.new': 'Neu' });
    setLocale('xx');
    expect(getLocale()).toBe('xx');
    expect(t('nav.new')).toBe('Neu');
    expect(t('nav.instances')).toBe('Instances');
    setLocale('en');
  });

  it('labels URL parameters from the engine table unless a dictionary overrides them', () => {
    expect(paramLabel('slot')).toBe('Session limit');
    registerLocale('yy', { ['param.slot' as never]: 'Sitzungen' });
    setLocale('yy');
    expect(paramLabel('slot')).toBe('Sitzungen');
    setLocale('en');
  });

  it('every literal key passed to t() exists in the English dictionary', () => {
    const missing: string[] = [];
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      for (const m of text.matchAll(/\bt\(\s*'([^']+)'/g)) if (!(m[1] in en)) missing.push(`${path.relative(ROOT, f)}: ${m[1]}`);
      // Template keys: every expansion of the known unions must exist.
      for (const m of text.matchAll(/\bt\(\s*`([a-z.]+)\$\{/g)) {
        if (!Object.keys(en).some((k) => k.startsWith(m[1]))) missing.push(`${path.relative(ROOT, f)}: ${m[1]}…`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('views render no bare English text outside t()', () => {
    const offenders: string[] = [];
    for (const f of files.filter((x) => x.endsWith('.tsx'))) {
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

  it('has no unused keys (dead text is not translated by accident)', () => {
    const all = files.map((f) => readFileSync(f, 'utf8')).join('\n');
    const unused = Object.keys(en).filter((k) => {
      if (all.includes(`'${k}'`)) return false;
      // Keys reached through a template (`logs.level.${l}`): accept when the prefix is used so.
      const prefix = k.slice(0, k.lastIndexOf('.') + 1);
      return !all.includes('`' + prefix + '${');
    });
    expect(unused).toEqual([]);
  });
});
