// A server + client pair of real bin/nodepass processes on 127.0.0.1.

import { freePort } from './net';
import { NodePassProcess, ProcessGroup } from './proc';

export interface Pair {
  server: NodePassProcess;
  client: NodePassProcess;
  tunnelPort: number;
  /** Where users connect (server target in reverse mode, client target in forward mode). */
  entryPort: number;
}

export interface PairOptions {
  /** Extra query for the server URL, e.g. `tls=1&type=0`. */
  serverQuery?: string;
  clientQuery?: string;
  key?: string;
  env?: Record<string, string>;
  clientEnv?: Record<string, string>;
  /** Host name the client uses for the tunnel (default 127.0.0.1). */
  clientHost?: string;
}

function q(s?: string): string {
  return s ? `?${s}` : '';
}

/**
 * Reverse mode: the server listens on a free target port (mode 1), the client dials `targetPort`.
 */
export async function reversePair(group: ProcessGroup, targetPort: number, o: PairOptions = {}): Promise<Pair> {
  const tunnelPort = await freePort();
  const entryPort = await freePort();
  const key = o.key ? `${o.key}@` : '';
  const server = group.start(`server://${key}127.0.0.1:${tunnelPort}/127.0.0.1:${entryPort}${q(o.serverQuery)}`, o.env);
  await server.waitFor(/Pending tunnel handshake/);
  const client = group.start(
    `client://${key}${o.clientHost ?? '127.0.0.1'}:${tunnelPort}/127.0.0.1:${targetPort}${q(o.clientQuery)}`,
    { ...o.env, ...o.clientEnv },
  );
  return { server, client, tunnelPort, entryPort };
}

/**
 * Forward mode: the server dials `targetPort` (already listening, so mode 2), the client listens
 * on a free port.
 */
export async function forwardPair(group: ProcessGroup, targetPort: number, o: PairOptions = {}): Promise<Pair> {
  const tunnelPort = await freePort();
  const entryPort = await freePort();
  const key = o.key ? `${o.key}@` : '';
  const server = group.start(`server://${key}127.0.0.1:${tunnelPort}/127.0.0.1:${targetPort}${q(o.serverQuery)}`, o.env);
  await server.waitFor(/Pending tunnel handshake/);
  const client = group.start(
    `client://${key}${o.clientHost ?? '127.0.0.1'}:${tunnelPort}/127.0.0.1:${entryPort}${q(o.clientQuery)}`,
    { ...o.env, ...o.clientEnv },
  );
  return { server, client, tunnelPort, entryPort };
}

/** Waits until the ingress side can carry traffic (session up, and verified at tls=1). */
export async function ready(p: Pair, tls: 0 | 1 | 2 = 0): Promise<void> {
  // The first CHECK_POINT follows the first pong, which follows binding the ingress listeners.
  await p.client.waitFor(/CHECK_POINT/, 15000);
  await p.server.waitFor(/CHECK_POINT/, 15000);
  if (tls === 1) {
    await p.client.waitFor(/TLS certificate fingerprint verified/, 15000);
    await p.server.waitFor(/TLS certificate fingerprint verified/, 15000);
  }
}
