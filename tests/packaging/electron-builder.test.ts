// Packaging can only run where Electron can be downloaded; here its configuration is checked
// against electron-builder's own JSON schema (app-builder-lib/scheme.json, with ajv), and every
// file it and the tray point at exists in the sizes and formats the platforms need.

import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import AjvModule from 'ajv';
import { ICNS_TYPES, pngSize, readIcns, readIco } from '../../scripts/icon-formats.mjs';
import { trayIconName } from '../../electron/tray-model';
import { unpacked } from '../../desktop/paths';
import { appPaths } from '../../electron/paths';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);
const Ajv = ((AjvModule as unknown as { default?: unknown }).default ?? AjvModule) as typeof import('ajv').default;

const config = JSON.parse(readFileSync(path.join(ROOT, 'electron-builder.json'), 'utf8')) as Record<string, any>;
const schema = JSON.parse(readFileSync(require.resolve('app-builder-lib/scheme.json'), 'utf8')) as object;

function validator() {
  const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
  return ajv.compile(schema);
}

describe('electron-builder configuration', () => {
  it('is valid against electron-builder’s schema (and the schema does reject mistakes)', () => {
    const validate = validator();
    const { $schema: _, ...cfg } = config;
    const ok = validate(cfg);
    assert.equal(ok, true, JSON.stringify(validate.errors, null, 2));
    assert.equal(validate({ ...cfg, nsis: { ...cfg.nsis, oneClik: false } }), false, 'a misspelt option must fail');
    assert.equal(validate({ ...cfg, linux: { ...cfg.linux, target: 42 } }), false, 'a wrong type must fail');
  });

  it('builds nsis for Windows, dmg for macOS, AppImage and deb for Linux', () => {
    const targets = (k: string) => (config[k].target as Array<{ target: string }>).map((t) => t.target);
    assert.deepEqual(targets('win'), ['nsis']);
    assert.deepEqual(targets('mac'), ['dmg']);
    assert.deepEqual(targets('linux').sort(), ['AppImage', 'deb']);
  });

  it('packs what the app runs: the main entry, and the engine unpacked for the master child process', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { main: string };
    assert.ok(existsSync(path.join(ROOT, pkg.main)), `${pkg.main} is built`);
    assert.ok((config.files as string[]).includes('dist/**/*'));
    assert.ok((config.asarUnpack as string[]).includes('dist/engine/**'));
    const inPackage = appPaths(path.join('/opt/NodePass Desktop/resources/app.asar', 'dist'));
    assert.equal(inPackage.cli, path.join('/opt/NodePass Desktop/resources/app.asar.unpacked/dist/engine/cli.mjs'));
    assert.equal(unpacked('/home/me/src/dist/engine/cli.mjs'), '/home/me/src/dist/engine/cli.mjs');
  });

  it('points at app icons in every size the platforms want', () => {
    const ico = readIco(readFileSync(path.join(ROOT, config.win.icon)));
    assert.deepEqual(ico.map((e) => e.width), [16, 24, 32, 48, 64, 128, 256]);
    for (const e of ico) assert.deepEqual(e.png, { width: e.width, height: e.width });
    const icns = readIcns(readFileSync(path.join(ROOT, config.mac.icon)));
    assert.deepEqual(icns.map((e) => e.type), ICNS_TYPES.map(([t]) => t));
    for (const e of icns) assert.equal(e.png.width, ICNS_TYPES.find(([t]) => t === e.type)![1]);
    const dir = path.join(ROOT, config.linux.icon);
    const sizes = readdirSync(dir).map((f) => {
      const m = /^(\d+)x\1\.png$/.exec(f);
      assert.ok(m, `unexpected file ${f} in ${config.linux.icon}`);
      assert.deepEqual(pngSize(readFileSync(path.join(dir, f))), { width: Number(m[1]), height: Number(m[1]) });
      return Number(m[1]);
    });
    for (const px of [16, 32, 48, 64, 128, 256, 512]) assert.ok(sizes.includes(px), `linux icon ${px}x${px}`);
    assert.deepEqual(pngSize(readFileSync(path.join(ROOT, 'assets/icon.png'))), { width: 1024, height: 1024 });
  });

  it('has every tray icon the app asks for: light, dark and active, with HiDPI variants', () => {
    for (const platform of ['darwin', 'win32', 'linux']) {
      for (const dark of [false, true]) {
        for (const active of [false, true]) {
          const name = trayIconName(platform, dark, active);
          const file = path.join(ROOT, 'assets/tray', name);
          assert.ok(existsSync(file), `${platform} dark=${dark} active=${active}: ${name}`);
          if (name.endsWith('.ico')) {
            assert.deepEqual(readIco(readFileSync(file)).map((e) => e.width), [16, 20, 24, 32, 48]);
          } else {
            assert.deepEqual(pngSize(readFileSync(file)), { width: 16, height: 16 });
            for (const [suffix, px] of [['@2x', 32], ['@3x', 48]] as const) {
              assert.deepEqual(pngSize(readFileSync(file.replace('.png', `${suffix}.png`))), { width: px, height: px });
            }
          }
        }
      }
    }
  });
});
