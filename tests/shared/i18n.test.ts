// The catalogues and the translator: values are filled in, missing text falls back to English,
// every key the code uses exists and every key is used, and Chinese is complete and Chinese.

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { CATALOGUES, LOCALES, resolveLocale, translator } from '../../shared/i18n';
import { en } from '../../shared/i18n/en';
import { zh, zhParams } from '../../shared/i18n/zh';
import { PARAMS } from '../../engine/url/params';

const ROOT = path.resolve(import.meta.dirname, '../..');

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (/\.tsx?$/.test(name)) out.push(p);
  }
  return out;
}

// Everything that shows text: the window, the shared code and the desktop host (tray, menus).
const files = ['renderer', 'shared', 'electron', 'desktop']
  .map((d) => path.join(ROOT, d))
  .filter((d) => existsSync(d))
  .flatMap((d) => sources(d));

describe('translator', () => {
  it('fills variables, leaves unknown ones, and falls back to English, then to the key', () => {
    const { t } = translator('en');
    assert.equal(t('list.selected', { n: 3 }), '3 selected');
    assert.equal(t('list.selected'), '{n} selected');
    const xx = translator('xx', { ...CATALOGUES, xx: { messages: { 'nav.new': 'Neu' } } });
    assert.equal(xx.locale, 'xx');
    assert.equal(xx.t('nav.new'), 'Neu');
    assert.equal(xx.t('nav.instances'), 'Instances');
    assert.equal(translator('en').t('no.such.key' as never), 'no.such.key');
  });

  it('a language without a catalogue is English; two translators do not share a language', () => {
    assert.equal(translator('fr').locale, 'en');
    assert.equal(translator('fr').t('nav.new'), 'New instance');
    const a = translator('zh');
    const b = translator('en');
    assert.equal(a.t('list.selected', { n: 3 }), '已选 3 个');
    assert.equal(b.t('list.selected', { n: 3 }), '3 selected');
  });

  it('names URL parameters only where the catalogue has its own words', () => {
    assert.equal(translator('en').paramLabel('slot'), undefined);
    assert.equal(translator('zh').paramLabel('slot'), '会话上限');
    const yy = translator('yy', { yy: { messages: {}, params: { slot: ['Sitzungen', 'Zahl'] } } });
    assert.equal(yy.paramLabel('slot'), 'Sitzungen');
    assert.equal(yy.paramHint('slot'), 'Zahl');
  });

  it('the language follows the system until the user chooses one we speak', () => {
    assert.equal(resolveLocale('', 'zh-CN'), 'zh');
    assert.equal(resolveLocale('', 'de-DE'), 'en');
    assert.equal(resolveLocale('en', 'zh-TW'), 'en');
    assert.equal(resolveLocale('xx', 'zh-TW'), 'zh');
    assert.deepEqual([...LOCALES].sort(), ['en', 'zh']);
  });
});

describe('catalogues', () => {
  it('every literal key passed to t() exists in the English catalogue', () => {
    const missing: string[] = [];
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      for (const m of text.matchAll(/\bt\(\s*'([^']+)'/g)) if (!(m[1] in en)) missing.push(`${path.relative(ROOT, f)}: ${m[1]}`);
      // Template keys: every expansion of the known unions must exist.
      for (const m of text.matchAll(/\bt\(\s*`([a-z.]+)\$\{/g)) {
        if (!Object.keys(en).some((k) => k.startsWith(m[1]))) missing.push(`${path.relative(ROOT, f)}: ${m[1]}…`);
      }
    }
    assert.deepEqual(missing, []);
  });

  it('has no unused keys (dead text is not translated by accident)', () => {
    const all = files.filter((f) => !f.includes(`${path.sep}i18n${path.sep}`)).map((f) => readFileSync(f, 'utf8')).join('\n');
    const unused = Object.keys(en).filter((k) => {
      if (all.includes(`'${k}'`)) return false;
      // Keys reached through a template (`logs.level.${l}`): accept when the prefix is used so.
      const prefix = k.slice(0, k.lastIndexOf('.') + 1);
      return !all.includes('`' + prefix + '${');
    });
    assert.deepEqual(unused, []);
  });

  it('Chinese has every key and every URL parameter, and nothing in it is left in English', () => {
    assert.deepEqual(Object.keys(zh).sort(), Object.keys(en).sort());
    assert.deepEqual(Object.keys(zhParams).sort(), PARAMS.map((p) => p.name).sort());
    const tr = translator('zh');
    for (const p of PARAMS) {
      assert.notEqual(tr.paramLabel(p.name), p.label, p.name);
      assert.notEqual(tr.paramHint(p.name), p.expected, p.name);
    }
    // Product, protocol and format names stay; placeholders and examples of addresses too.
    const ALLOWED = new Set(['NodePass', 'NodePassDash', 'Go', 'TCP', 'UDP', 'TLS', 'QUIC', 'HTTP', 'SOCKS', 'PROXY', 'WebSocket', 'API', 'SHA', 'IP', 'JSON', 'PEM', 'DNS', 'Mbit', 'npm', 'start', 'omitted', 'np', 'master', 'url', 'key', 'https', 'api', 'v1']);
    // A parameter's hint lists the values it takes, which are typed as they are.
    const VALUES = new Set(['none', 'debug', 'info', 'warn', 'error', 'event', 'auto']);
    const english: string[] = [];
    const texts: [string, string, boolean][] = [
      ...Object.entries(zh).map(([k, v]): [string, string, boolean] => [k, v, false]),
      ...Object.entries(zhParams).flatMap(([k, [label, hint]]): [string, string, boolean][] => [[`param ${k}`, label, false], [`param ${k} hint`, hint, true]]),
    ];
    for (const [k, v, hint] of texts) {
      const words = v.replace(/\{\w+\}/g, '').match(/[A-Za-z]{2,}/g) ?? [];
      const bad = words.filter((w) => !ALLOWED.has(w) && !(hint && VALUES.has(w)));
      if (bad.length) english.push(`${k}: ${bad.join(' ')}`);
    }
    assert.deepEqual(english, []);
  });
});
