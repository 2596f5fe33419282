// The desktop's own master (the Electron app's and headless mode's): where it listens — loopback
// by default; the network only with TLS, as the user's API access setting says — and how it is
// launched and then reached (a connection pinned to its certificate when it runs TLS).

import type { ApiAccess } from '../engine/api/desktop';
import { launchMaster } from './launch';
import { peerCertificate } from './remote';

export interface ListenDefaults {
  masterHost: string;
  masterPort: number;
}

export interface MasterListen {
  host: string;
  port: number;
  tls: 0 | 1 | 2;
  crt: string;
  key: string;
}

/**
 * How the local master listens: the saved API access setting (loopback by default; the network
 * only with TLS), unless --master-host/--master-port were given.
 */
export function masterListen(o: ListenDefaults, access: ApiAccess, argv: string[] = []): MasterListen {
  const explicit = argv.some((a) => a.startsWith('--master-host') || a.startsWith('--master-port'));
  if (explicit || access.mode === 'loopback') return { host: o.masterHost, port: o.masterPort, tls: access.mode === 'loopback' ? 0 : access.tls, crt: access.crt, key: access.key };
  return { host: '0.0.0.0', port: access.port, tls: access.tls, crt: access.crt, key: access.key };
}

/** Launches the local master as the settings say and learns how to reach it (a pinned agent for TLS). */
export async function launchLocalMaster(cli: string, command: string, env: Record<string, string | undefined>, listen: MasterListen, onLine: (line: string, stream: 'stdout' | 'stderr') => void) {
  const master = await launchMaster({ command, args: [cli], host: listen.host, port: listen.port, tls: listen.tls, crt: listen.crt, key: listen.key, env, onLine });
  let fingerprint = '';
  if (listen.tls) {
    // Our own child on loopback: its certificate, whatever signs it, is the one to trust.
    fingerprint = (await peerCertificate(new URL(master.origin))).fingerprint256;
  }
  return { master, fingerprint };
}
