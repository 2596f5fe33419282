// Engine instances in this process, built with `new Server(…)` / `new Client(…)` (no createInstance,
// no CLI), with their log lines collected and their state changes awaitable.

import { Client } from '../../engine/instance/client';
import type { RunState, TunnelCore } from '../../engine/instance/core';
import { Logger } from '../../engine/instance/logger';
import { Server } from '../../engine/instance/server';
import { parseEnv } from '../../engine/url/env';
import { parseTunnelUrl, type TunnelConfig } from '../../engine/url/model';
import { freePort } from './net';

export interface Built<T extends Server | Client> {
  instance: T;
  lines: string[];
  /** Resolves with the first log line matching `re` (also one already logged), or rejects at the deadline. */
  line(re: RegExp, timeoutMs?: number): Promise<string>;
}

export function configOf(url: string): TunnelConfig {
  const r = parseTunnelUrl(url);
  if (!r.ok) throw new Error(`${url}: ${r.errors.map((e) => e.message).join('; ')}`);
  return r.value;
}

function build<T extends Server | Client>(make: (o: ConstructorParameters<typeof Server>[0]) => T, cfg: TunnelConfig, env: Record<string, string>): Built<T> {
  const parsed = parseEnv({ NP_REPORT_INTERVAL: '1s', ...env });
  if (!parsed.ok) throw new Error(parsed.errors.map((e) => e.message).join('; '));
  const logger = new Logger(cfg.log, false);
  const lines: string[] = [];
  const waiters: Array<{ re: RegExp; resolve: (l: string) => void }> = [];
  logger.addSink((r) => {
    lines.push(r.message);
    for (const w of waiters.splice(0)) {
      if (w.re.test(r.message)) w.resolve(r.message);
      else waiters.push(w);
    }
  });
  const instance = make({ cfg, env: parsed.value, logger, version: 'test' });
  return {
    instance,
    lines,
    line: (re, timeoutMs = 10_000) => {
      const seen = lines.find((l) => re.test(l));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no log line matching ${re} within ${timeoutMs} ms; got:\n  ${lines.slice(-10).join('\n  ')}`)), timeoutMs);
        waiters.push({
          re,
          resolve: (l) => {
            clearTimeout(t);
            resolve(l);
          },
        });
      });
    },
  };
}

export function buildServer(url: string | TunnelConfig, env: Record<string, string> = {}): Built<Server> {
  return build((o) => new Server(o), typeof url === 'string' ? configOf(url) : url, env);
}

export function buildClient(url: string | TunnelConfig, env: Record<string, string> = {}): Built<Client> {
  return build((o) => new Client(o), typeof url === 'string' ? configOf(url) : url, env);
}

/** Resolves when the instance reaches `state` (at once if it is there), or rejects at the deadline. */
export function stateReached(i: TunnelCore, state: RunState, timeoutMs = 10_000): Promise<void> {
  if (i.state === state) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      i.off('state', on);
      reject(new Error(`state ${state} not reached within ${timeoutMs} ms (now ${i.state})`));
    }, timeoutMs);
    const on = (e: { state: RunState }) => {
      if (e.state !== state) return;
      clearTimeout(t);
      i.off('state', on);
      resolve();
    };
    i.on('state', on);
  });
}

export interface InProcessTunnel {
  server: Built<Server>;
  client: Built<Client>;
  /** Where users connect (the server's target listener: reverse mode). */
  entryPort: number;
  tunnelPort: number;
  stop(): Promise<void>;
}

/**
 * A reverse-mode tunnel of two in-process instances: users → entryPort (server) ⇒ pool ⇒ client →
 * 127.0.0.1:targetPort. Resolves once the server can carry traffic (verified at tls=1).
 */
export async function startTunnel(o: { type: 0 | 1 | 2 | 3; tls: 0 | 1; targetPort: number; env?: Record<string, string>; query?: string }): Promise<InProcessTunnel> {
  const tunnelPort = await freePort();
  const entryPort = await freePort();
  const extra = o.query ? `&${o.query}` : '';
  const server = buildServer(`server://127.0.0.1:${tunnelPort}/127.0.0.1:${entryPort}?type=${o.type}&tls=${o.tls}&mode=1&log=debug${extra}`, o.env);
  const client = buildClient(`client://127.0.0.1:${tunnelPort}/127.0.0.1:${o.targetPort}?mode=2&log=debug`, o.env);
  const stop = async () => {
    await Promise.all([client.instance.stop(), server.instance.stop()]);
  };
  try {
    await server.instance.prepare();
    void server.instance.run();
    await stateReached(server.instance, 'waiting');
    await client.instance.prepare();
    void client.instance.run();
    await stateReached(server.instance, 'running', 15_000);
  } catch (e) {
    await stop();
    throw e;
  }
  return { server, client, entryPort, tunnelPort, stop };
}
