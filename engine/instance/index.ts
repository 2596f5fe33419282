// Creating an engine instance from a URL: the one entry point the CLI, the master's workers and
// tests use.

import { parseEnv, type EnvConfig } from '../url/env';
import { firstError, parseTunnelUrl, type TunnelConfig, type UrlIssue } from '../url/model';
import { Client } from './client';
import type { CoreOptions } from './core';
import { Logger } from './logger';
import { Server } from './server';

export type TunnelInstance = Server | Client;

export interface CreateOptions {
  env?: Record<string, string | undefined>;
  version?: string;
  statsIntervalMs?: number;
  /** Log colours (NodePass always prints them). */
  colour?: boolean;
}

export type CreateResult =
  | { ok: true; instance: TunnelInstance; cfg: TunnelConfig; env: EnvConfig; logger: Logger }
  | { ok: false; errors: UrlIssue[]; message: string };

export const ENGINE_VERSION = 'v1.14.0-desktop';

export function createInstance(url: string, o: CreateOptions = {}): CreateResult {
  const parsed = parseTunnelUrl(url);
  if (!parsed.ok) return { ok: false, errors: parsed.errors, message: firstError(parsed.errors) };
  const env = parseEnv(o.env ?? process.env);
  if (!env.ok) return { ok: false, errors: env.errors, message: firstError(env.errors) };
  const cfg = parsed.value;
  const logger = new Logger(cfg.log, o.colour ?? !process.env.NO_COLOR);
  const core: CoreOptions = {
    cfg,
    env: env.value,
    logger,
    version: o.version ?? ENGINE_VERSION,
    statsIntervalMs: o.statsIntervalMs,
  };
  const instance = cfg.scheme === 'server' ? new Server(core) : new Client(core);
  return { ok: true, instance, cfg, env: env.value, logger };
}
