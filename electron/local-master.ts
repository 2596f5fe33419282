// How the desktop app runs its own master: the engine's CLI under Electron's binary in Node mode,
// on loopback — the API key is the only thing guarding it — on any free port unless
// NPD_MASTER_PORT names one. (The user's API access setting can open it to the network instead;
// see desktop/local-master.ts.)

import type { LaunchOptions } from '../desktop/launch';
import type { AppPaths } from './paths';

const LOCAL_MASTER_HOST = '127.0.0.1';

export function localMasterLaunch(
  paths: Pick<AppPaths, 'cli'>,
  env: Record<string, string | undefined>,
  onLine: LaunchOptions['onLine'],
): LaunchOptions {
  const raw = env.NPD_MASTER_PORT?.trim() ?? '';
  if (raw !== '' && (!/^\d{1,5}$/.test(raw) || Number(raw) > 65535)) {
    throw new Error(`NPD_MASTER_PORT=${raw}: expected a port number 0-65535`);
  }
  return {
    command: process.execPath,
    args: [paths.cli],
    env: { ELECTRON_RUN_AS_NODE: '1' },
    host: LOCAL_MASTER_HOST,
    port: raw === '' ? 0 : Number(raw),
    onLine,
  };
}
