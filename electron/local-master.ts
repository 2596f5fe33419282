// The local master as the settings want it: on loopback by default, on every interface (with TLS,
// which the settings insist on) when the user opened the API to the network. Shared by the Electron
// main process and headless mode.

import type { ApiAccess } from '../engine/api/desktop';
import { launchMaster } from '../engine/master/launch';
import { peerCertificate } from './remote';

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

