// `npm start`: the desktop app where Electron can run; otherwise — and always with --headless —
// the master plus the web UI on a loopback URL printed here (see desktop/headless.ts).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const args = process.argv.slice(2);
const dist = path.join(root, 'dist');

if (!['electron/main.cjs', 'desktop/headless.mjs', 'renderer/index.html', 'engine/cli.mjs'].every((f) => existsSync(path.join(dist, f)))) {
  const b = spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
  if (b.status !== 0) process.exit(b.status ?? 1);
}

/** The Electron binary, or why it cannot be used here. */
function electronBinary() {
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return { error: 'no display (DISPLAY / WAYLAND_DISPLAY unset)' };
  }
  try {
    // The electron package exports the path of its downloaded binary, and throws when there is none.
    const bin = createRequire(import.meta.url)('electron');
    if (typeof bin !== 'string' || !existsSync(bin)) return { error: 'the Electron binary is not installed' };
    return { bin };
  } catch (e) {
    return { error: `the Electron binary is not installed (${String(e.message).split('\n')[0]})` };
  }
}

async function headlessMode() {
  const { main } = await import(pathToFileURL(path.join(dist, 'desktop/headless.mjs')).href);
  await main(args, dist);
}

if (args.includes('--headless')) {
  await headlessMode();
} else {
  const e = electronBinary();
  if (e.bin) {
    const child = spawn(e.bin, [root, ...args], { stdio: 'inherit' });
    child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
    for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => child.kill(s));
  } else {
    console.log(`Electron cannot run here: ${e.error}. Starting headless mode instead.`);
    await headlessMode();
  }
}
