// Where the built pieces are, relative to dist/ (the same layout in a checkout and in a package).

import path from 'node:path';

export interface AppPaths {
  dist: string;
  renderer: string;
  preload: string;
  cli: string;
  assets: string;
}

export function appPaths(distDir: string): AppPaths {
  return {
    dist: distDir,
    renderer: path.join(distDir, 'renderer'),
    preload: path.join(distDir, 'electron', 'preload.cjs'),
    cli: path.join(distDir, 'engine', 'cli.mjs'),
    assets: path.join(path.dirname(distDir), 'assets'),
  };
}
