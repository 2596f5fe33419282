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

// ---- Either flow direction, started and ready, with the ingress/egress roles named ----

export interface TunnelPair {
  server: NodePassProcess;
  client: NodePassProcess;
  /** Where users connect: the server's target listener (reverse) or the client's (forward). */
  port: number;
  /** The side that listens for users and the side that dials the target. */
  ingress: NodePassProcess;
  egress: NodePassProcess;
}

export interface FlowPairOptions {
  /** reverse: the server listens for users; forward: the client does. */
  flow: 'reverse' | 'forward';
  /** `host:port` list of the real service(s) the egress side dials. */
  target: string;
  serverQuery?: string;
  clientQuery?: string;
  env?: Record<string, string>;
  serverEnv?: Record<string, string>;
  clientEnv?: Record<string, string>;
}

function withQuery(base: string, extra?: string): string {
  return extra ? `${base}&${extra}` : base;
}

export async function startPair(g: ProcessGroup, o: FlowPairOptions): Promise<TunnelPair> {
  const tunnel = await freePort();
  const port = await freePort();
  const user = `127.0.0.1:${port}`;
  const serverUrl =
    o.flow === 'reverse'
      ? `server://127.0.0.1:${tunnel}/${user}?${withQuery('mode=1', o.serverQuery)}`
      : `server://127.0.0.1:${tunnel}/${o.target}?${withQuery('mode=2', o.serverQuery)}`;
  const clientUrl =
    o.flow === 'reverse'
      ? `client://127.0.0.1:${tunnel}/${o.target}?${withQuery('mode=2', o.clientQuery)}`
      : `client://127.0.0.1:${tunnel}/${user}?${withQuery('mode=2', o.clientQuery)}`;
  const server = g.start(serverUrl, { ...o.env, ...o.serverEnv });
  await server.waitFor(/Pending tunnel handshake/);
  const client = g.start(clientUrl, { ...o.env, ...o.clientEnv });
  await client.waitFor(/CHECK_POINT/);
  await server.waitFor(/CHECK_POINT/);
  return o.flow === 'reverse'
    ? { server, client, port, ingress: server, egress: client }
    : { server, client, port, ingress: client, egress: server };
}
