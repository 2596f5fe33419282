// The desktop app's own master: the engine's CLI run by Electron's binary in Node mode (or Node in
// headless mode), on loopback by default — the API key is the only thing guarding it — on any free
// port unless NPD_MASTER_PORT names one. The user may open it to the network in Settings (local API
// access), which requires TLS; then it listens on every interface with tls=1 or tls=2.

import type { ApiAccess } from '../engine/api/desktop';
import { launchMaster, type LaunchOptions } from '../engine/master/launch';
import type { AppPaths } from './paths';
import { peerCertificate } from './remote';

export const LOCAL_MASTER_HOST = '127.0.0.1';

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

export interface ListenDefaults {
  masterHost: string;
  masterPort: number;
}

/**
 * How the local master listens: the saved API access setting (loopback by default; the network
 * only with TLS), unless --master-host/--master-port were given.
 */
export function masterListen(o: ListenDefaults, access: ApiAccess, argv: string[] = []): { host: string; port: number; tls: 0 | 1 | 2; crt: string; key: string } {
  const explicit = argv.some((a) => a.startsWith('--master-host') || a.startsWith('--master-port'));
  if (explicit || access.mode === 'loopback') return { host: o.masterHost, port: o.masterPort, tls: access.mode === 'loopback' ? 0 : access.tls, crt: access.crt, key: access.key };
  return { host: '0.0.0.0', port: access.port, tls: access.tls, crt: access.crt, key: access.key };
}

/** Launches the local master as the settings say and learns how to reach it (a pinned agent for TLS). */
export async function launchLocalMaster(cli: string, command: string, env: Record<string, string | undefined>, listen: ReturnType<typeof masterListen>, onLine: (line: string, stream: 'stdout' | 'stderr') => void) {
  const master = await launchMaster({ command, args: [cli], host: listen.host, port: listen.port, tls: listen.tls, crt: listen.crt, key: listen.key, env, onLine });
  let fingerprint = '';
  if (listen.tls) {
    // Our own child on loopback: its certificate, whatever signs it, is the one to trust.
    fingerprint = (await peerCertificate(new URL(master.origin))).fingerprint256;
  }
  return { master, fingerprint };
}

