// Where the master keeps its state by default: the user's data directory, like other desktop apps
// (NodePass uses the executable's directory, which is often read-only for an installed app).

import os from 'node:os';
import path from 'node:path';

const APP_DIR = 'nodepass-desktop';
const STATE_FILE = 'master.json';

export function defaultDataDir(env: Record<string, string | undefined> = process.env, platform: NodeJS.Platform = process.platform, home = os.homedir()): string {
  if (platform === 'win32') return path.join(env.APPDATA || path.join(home, 'AppData', 'Roaming'), APP_DIR);
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', APP_DIR);
  return path.join(env.XDG_DATA_HOME || path.join(home, '.local', 'share'), APP_DIR);
}

/** NP_MASTER_STATE (a file path) wins; else `<data dir>/master.json`. */
export function statePath(env: Record<string, string | undefined> = process.env): string {
  const explicit = env.NP_MASTER_STATE?.trim();
  if (explicit) return path.resolve(explicit);
  return path.join(defaultDataDir(env), STATE_FILE);
}
