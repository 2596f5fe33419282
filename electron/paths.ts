// The desktop host's paths plus the one only the Electron shell has: its preload script.

import path from 'node:path';
import { hostPaths, type HostPaths } from '../desktop/paths';

export interface AppPaths extends HostPaths {
  preload: string;
}

export function appPaths(distDir: string): AppPaths {
  return { ...hostPaths(distDir), preload: path.join(distDir, 'electron', 'preload.cjs') };
}
