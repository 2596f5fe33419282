// Where the built pieces are, relative to dist/ (the same layout in a checkout and in a package).

import path from 'node:path';

export interface AppPaths {
  dist: string;
  renderer: string;
  preload: string;
  cli: string;
  assets: string;
}

/**
 * In a package the app lives in `app.asar`; what runs outside Electron's asar support (the master
 * child process, its worker threads, native modules) is unpacked next to it (electron-builder.json
 * `asarUnpack`).
 */
export function unpacked(p: string): string {
  const asar = `${path.sep}app.asar${path.sep}`;
  return p.includes(asar) ? p.replace(asar, `${path.sep}app.asar.unpacked${path.sep}`) : p;
}

export function appPaths(distDir: string): AppPaths {
  return {
    dist: distDir,
    renderer: path.join(distDir, 'renderer'),
    preload: path.join(distDir, 'electron', 'preload.cjs'),
    cli: unpacked(path.join(distDir, 'engine', 'cli.mjs')),
    assets: path.join(path.dirname(distDir), 'assets'),
  };
}
