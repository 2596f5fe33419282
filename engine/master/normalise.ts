// The master's `url` and `config` fields (spec §9.9): the instance URL with the master's log level
// and TLS settings added where absent, re-serialised the Go way (query keys sorted, form-encoded),
// and `config` with every default filled in. Unlike NodePass, the URL is validated with the
// engine's URL model first, so what is stored is something the engine will run.

import type { Logger } from '../instance/logger';
import { firstError, formatNodePassUrl, maskUrlKey, parseNodePassUrl, tunnelConfigOf, withConfigDefaults } from '../url/model';

/**
 * An instance URL as the master's log shows it: the tunnel key masked as `***` (NodePass prints it
 * in clear), unless the master logs at debug level, where the user asked to see everything.
 */
export function loggedUrl(url: string, logger: Pick<Logger, 'enabled'>): string {
  return logger.enabled('debug') ? url : maskUrlKey(url);
}

export interface MasterUrlSettings {
  /** The master URL's `log` parameter as written ('' when absent: instances keep their own). */
  log: string;
  /** The master's effective TLS code. */
  tls: 0 | 1 | 2;
  crt: string;
  key: string;
}

export type Normalised =
  | { ok: true; type: 'server' | 'client'; url: string; config: string }
  | { ok: false; error: string };

export function normaliseInstanceUrl(input: string, m: MasterUrlSettings): Normalised {
  if (input.trim() === '') return { ok: false, error: 'Invalid request body: url: expected a server:// or client:// URL, got ""' };
  const parsed = parseNodePassUrl(input);
  if (!parsed.ok) {
    const schemeIssue = parsed.errors.find((e) => e.param === 'scheme');
    if (schemeIssue) return { ok: false, error: `Invalid URL scheme: ${schemeIssue.value} (expected server or client)` };
    return { ok: false, error: `Invalid URL format: ${firstError(parsed.errors)}` };
  }
  const u = parsed.value;
  if (u.scheme === 'master') return { ok: false, error: 'Invalid URL scheme: master (expected server or client)' };
  const params = { ...u.params };
  if (m.log !== '' && params.log === undefined) params.log = m.log;
  if (u.scheme === 'server' && m.tls !== 0) {
    if (params.tls === undefined) params.tls = String(m.tls);
    if (m.tls === 2) {
      if (m.crt !== '' && params.crt === undefined) params.crt = m.crt;
      if (m.key !== '' && params.key === undefined) params.key = m.key;
    }
  }
  const enhanced = { ...u, params };
  const cfg = tunnelConfigOf(enhanced);
  if (!cfg.ok) return { ok: false, error: `Invalid URL format: ${firstError(cfg.errors)}` };
  return {
    ok: true,
    type: u.scheme,
    url: formatNodePassUrl(enhanced),
    config: formatNodePassUrl(withConfigDefaults(enhanced)),
  };
}
