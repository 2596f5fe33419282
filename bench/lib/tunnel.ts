// A tunnel under test: one server and one client process of an implementation (ours, or any
// NodePass-compatible binary named by NODEPASS_BIN), in reverse mode on loopback:
//
//   user → 127.0.0.1:<entry> (server's target listener) ⇒ pool ⇒ client → 127.0.0.1:<target>

import { existsSync } from 'node:fs';
import { freePort } from '../../scripts/lib/net';
import { BIN, Proc } from './proc';

export interface Impl {
  id: string;
  label: string;
  /** Command line for one NodePass URL. */
  command(url: string): { cmd: string; args: string[] };
}

/** Extra node flags for our processes (e.g. --cpu-prof), set by `--profile`. */
export const ourNodeFlags: string[] = [];

export const OURS: Impl = {
  id: 'ours',
  label: 'ours',
  command: (url) => ({ cmd: process.execPath, args: [...ourNodeFlags, BIN, url] }),
};

/** The NODEPASS_BIN implementation, or null when unset; throws when it names no file. */
export function nodepassImpl(): Impl | null {
  const bin = process.env.NODEPASS_BIN;
  if (!bin) return null;
  if (!existsSync(bin)) throw new Error(`NODEPASS_BIN=${bin}: no such file`);
  return { id: 'nodepass', label: 'NodePass', command: (url) => ({ cmd: bin, args: [url] }) };
}

export interface TunnelSpec {
  impl: Impl;
  type: 0 | 1 | 2 | 3;
  tls: 0 | 1;
  /** Where the client dials for every connection. */
  targetPort: number;
  log?: string;
  /** Extra query parameters for the server URL. */
  serverQuery?: string;
  readyTimeoutMs?: number;
}

/** Lines that mean the tunnel will not come up (so a probe fails fast instead of timing out). */
const FATAL = /unknown pool type|Server error|Client error|Error: /;

export class Tunnel {
  private constructor(
    readonly spec: TunnelSpec,
    readonly server: Proc,
    readonly client: Proc,
    /** Users connect here. */
    readonly entryPort: number,
    readonly tunnelPort: number,
  ) {}

  get label(): string {
    return `${this.spec.impl.label} type ${this.spec.type} tls=${this.spec.tls}`;
  }

  /** Starts the server, waits until it listens, then starts the client. */
  static async startServer(spec: TunnelSpec): Promise<{ server: Proc; tunnelPort: number; entryPort: number }> {
    const tunnelPort = await freePort();
    let entryPort = await freePort();
    while (entryPort === tunnelPort) entryPort = await freePort();
    const log = spec.log ?? 'info';
    const q = `tls=${spec.tls}&type=${spec.type}&mode=1&log=${log}${spec.serverQuery ? `&${spec.serverQuery}` : ''}`;
    const s = spec.impl.command(`server://127.0.0.1:${tunnelPort}/127.0.0.1:${entryPort}?${q}`);
    const server = new Proc(`${spec.impl.label} server`, s.cmd, s.args);
    try {
      await Promise.race([server.waitFor(/Pending tunnel handshake/, spec.readyTimeoutMs ?? 15_000), fatal(server)]);
    } catch (e) {
      await server.stop(500);
      throw e;
    }
    return { server, tunnelPort, entryPort };
  }

  static clientCommand(spec: TunnelSpec, tunnelPort: number): { cmd: string; args: string[] } {
    return spec.impl.command(`client://127.0.0.1:${tunnelPort}/127.0.0.1:${spec.targetPort}?mode=2&log=${spec.log ?? 'info'}`);
  }

  /** Starts both ends and waits until the ingress side can take traffic. */
  static async start(spec: TunnelSpec): Promise<Tunnel> {
    const { server, tunnelPort, entryPort } = await Tunnel.startServer(spec);
    const c = Tunnel.clientCommand(spec, tunnelPort);
    const client = new Proc(`${spec.impl.label} client`, c.cmd, c.args);
    const t = new Tunnel(spec, server, client, entryPort, tunnelPort);
    const timeout = spec.readyTimeoutMs ?? 15_000;
    // The server is the ingress side in reverse mode: it is ready once the session is up (and,
    // at tls=1, the fingerprint verified).
    const ready = spec.tls === 0 ? /Marking tunnel handshake as complete/ : /TLS certificate fingerprint verified/;
    try {
      await Promise.race([server.waitFor(ready, timeout), fatal(server), fatal(client)]);
    } catch (e) {
      await t.stop();
      throw e;
    }
    return t;
  }

  /** CPU seconds used by both ends so far. */
  cpuSeconds(): number {
    return (this.server.cpuSeconds() ?? 0) + (this.client.cpuSeconds() ?? 0);
  }

  async stop(): Promise<void> {
    await Promise.all([this.client.stop(), this.server.stop()]);
  }
}

function fatal(p: Proc): Promise<never> {
  return new Promise((_, reject) => {
    const check = (l: string) => {
      // (A crash prints its stack and the source line after the message: report the message.)
      if (FATAL.test(l) && !/^\s|throw /.test(l)) reject(new Error(`${p.label}: ${l.replace(/^\d{4}-\d\d-\d\d \S+\s+\S+\s+/, '')}`));
    };
    p.lines.forEach(check);
    p.onLine(check);
    void p.exit.then((code) => reject(new Error(`${p.label} exited with code ${code}; last lines:\n  ${p.tail(6).join('\n  ')}`)));
  });
}
