// Renders the app and tray icons from their SVG sources (assets/icon.svg, assets/tray.svg) into
// every size and format the packagers and the tray want, with Debian's Chromium through Playwright
// (already a dev dependency), then wraps them into ICO and ICNS. The results are committed, so a
// build never needs this; run it after changing a source:  node scripts/make-icons.mjs
import { chromium } from '@playwright/test';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeIcns, writeIco } from './icon-formats.mjs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const A = (...p) => path.join(root, 'assets', ...p);
const appSvg = readFileSync(A('icon.svg'), 'utf8');
const traySvg = readFileSync(A('tray.svg'), 'utf8');

// Tray glyph colours: dark on light panels, light on dark panels, the accent while traffic flows,
// black (alpha only matters) for macOS template images.
const TRAY = {
  'tray-light': '#1f2937',
  'tray-dark': '#f3f4f6',
  'tray-active-light': '#3f5bd8',
  'tray-active-dark': '#8ea2ff',
  trayTemplate: '#000000',
  trayActiveTemplate: '#000000',
};

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
const page = await browser.newPage({ deviceScaleFactor: 1 });

async function render(svg, px) {
  await page.setViewportSize({ width: px, height: px });
  await page.setContent(`<html><body style="margin:0;background:transparent">${svg.replace('<svg ', `<svg width="${px}" height="${px}" `)}</body></html>`);
  return page.screenshot({ omitBackground: true, clip: { x: 0, y: 0, width: px, height: px } });
}

// The active template shows a small dot in the corner, since macOS tints templates one colour.
const activeDot = (svg) => svg.replace('</svg>', '<circle cx="13.5" cy="2.5" r="2.5" fill="currentColor"/></svg>');

mkdirSync(A('icons'), { recursive: true });
mkdirSync(A('tray'), { recursive: true });
const app = new Map();
for (const px of [16, 24, 32, 48, 64, 128, 256, 512, 1024]) {
  const png = await render(appSvg, px);
  app.set(px, png);
  writeFileSync(A('icons', `${px}x${px}.png`), png);
}
writeFileSync(A('icon.png'), app.get(1024));
writeFileSync(A('icon.ico'), writeIco([16, 24, 32, 48, 64, 128, 256].map((px) => app.get(px))));
writeFileSync(A('icon.icns'), writeIcns(app));

for (const [name, colour] of Object.entries(TRAY)) {
  const svg = (name.includes('Active') ? activeDot(traySvg) : traySvg).replaceAll('currentColor', colour);
  const sizes = new Map();
  for (const px of [16, 20, 24, 32, 48]) sizes.set(px, await render(svg, px));
  writeFileSync(A('tray', `${name}.png`), sizes.get(16));
  writeFileSync(A('tray', `${name}@2x.png`), sizes.get(32));
  writeFileSync(A('tray', `${name}@3x.png`), sizes.get(48));
  if (!name.includes('Template')) writeFileSync(A('tray', `${name}.ico`), writeIco([16, 20, 24, 32, 48].map((px) => sizes.get(px))));
}
await browser.close();
console.log('icons: assets/icon.{png,ico,icns}, assets/icons/, assets/tray/ written');
