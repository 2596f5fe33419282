// A server + client pair of real CLI processes on loopback, in either flow direction.

import { freePort } from './net';
import type { NodePassProcess, ProcessGroup } from './proc';

export interface TunnelPair {
  server: NodePassProcess;
  client: NodePassProcess;
  /** Where users connect: the server's target listener (reverse) or the client's (forward). */
  port: number;
  /** The side that listens for users and the side that dials the target. */
  ingress: NodePassProcess;
  egress: NodePassProcess;
}

export interface PairOptions {
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

function q(base: string, extra?: string): string {
  return extra ? `${base}&${extra}` : base;
}

export async function startPair(g: ProcessGroup, o: PairOptions): Promise<TunnelPair> {
  const tunnel = await freePort();
  const port = await freePort();
  const user = `127.0.0.1:${port}`;
  const serverUrl =
    o.flow === 'reverse'
      ? `server://127.0.0.1:${tunnel}/${user}?${q('mode=1', o.serverQuery)}`
      : `server://127.0.0.1:${tunnel}/${o.target}?${q('mode=2', o.serverQuery)}`;
  const clientUrl =
    o.flow === 'reverse'
      ? `client://127.0.0.1:${tunnel}/${o.target}?${q('mode=2', o.clientQuery)}`
      : `client://127.0.0.1:${tunnel}/${user}?${q('mode=2', o.clientQuery)}`;
  const server = g.start(serverUrl, { ...o.env, ...o.serverEnv });
  await server.waitFor(/Pending tunnel handshake/);
  const client = g.start(clientUrl, { ...o.env, ...o.clientEnv });
  await client.waitFor(/CHECK_POINT/);
  await server.waitFor(/CHECK_POINT/);
  return o.flow === 'reverse'
    ? { server, client, port, ingress: server, egress: client }
    : { server, client, port, ingress: client, egress: server };
}
