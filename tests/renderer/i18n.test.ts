// The i18n layer: every key the code uses exists in the English dictionary, values are filled in,
// and nothing user-visible bypasses t() in the views (no bare text between JSX tags).

import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { en } from '../../renderer/i18n/en';
import { getLocale, paramHint, paramLabel, registerLocale, resolveLocale, setLocale, t } from '../../renderer/i18n';
import { registerChinese, zh } from '../../renderer/i18n/zh';
import { PARAMS } from '../../engine/url/params';

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

  it('Chinese has every key, and nothing in it is left in English', () => {
    expect(Object.keys(zh).sort()).toEqual(Object.keys(en).sort());
    // Product, protocol and format names stay; placeholders and examples of addresses too.
    const ALLOWED = new Set(['NodePass', 'NodePassDash', 'Go', 'TCP', 'UDP', 'TLS', 'QUIC', 'HTTP', 'SOCKS', 'PROXY', 'WebSocket', 'API', 'SHA', 'IP', 'JSON', 'PEM', 'DNS', 'Mbit', 'npm', 'start', 'omitted', 'np', 'master', 'url', 'key', 'https', 'api', 'v1']);
    const english: string[] = [];
    for (const [k, v] of Object.entries(zh)) {
      const words = v.replace(/\{\w+\}/g, '').match(/[A-Za-z]{2,}/g) ?? [];
      const bad = words.filter((w) => !ALLOWED.has(w));
      if (bad.length) english.push(`${k}: ${bad.join(' ')}`);
    }
    expect(english).toEqual([]);
  });

  it('Chinese labels every URL parameter, and the language follows the system until chosen', () => {
    registerChinese();
    setLocale('zh');
    for (const p of PARAMS) {
      expect(paramLabel(p.name)).not.toBe(p.label);
      expect(paramHint(p.name)).not.toBe(p.expected);
    }
    expect(t('list.selected', { n: 3 })).toBe('已选 3 个');
    setLocale('en');
    expect(resolveLocale('', 'zh-CN')).toBe('zh');
    expect(resolveLocale('', 'de-DE')).toBe('en');
    expect(resolveLocale('en', 'zh-TW')).toBe('en');
  });
});
