// Where the built pieces are, relative to dist/ (the same layout in a checkout and in a package).

import path from 'node:path';

export interface HostPaths {
  dist: string;
  /** The built renderer (dist/renderer). */
  renderer: string;
  /** The engine's CLI, which runs the master (dist/engine/cli.mjs). */
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

export function hostPaths(distDir: string): HostPaths {
  return {
    dist: distDir,
    renderer: path.join(distDir, 'renderer'),
    cli: unpacked(path.join(distDir, 'engine', 'cli.mjs')),
    assets: path.join(path.dirname(distDir), 'assets'),
  };
}
