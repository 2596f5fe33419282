// TLS settings for the tunnel (spec §6): tls=1 serves an in-memory self-signed certificate,
// tls=2 serves PEM files re-read every NP_RELOAD_INTERVAL; clients skip verification at tls=1
// (the `verify` fingerprint exchange detects a man in the middle) and verify chain and name at 2.

import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { certFingerprint } from './fingerprint';
import { generateSelfSigned } from './selfsigned';
import { isIP } from '../url/ip';

export interface ServerTls {
  readonly code: 1 | 2;
  /** The context to use for the next handshake (tls=2 reloads it when due). */
  context(): tls.SecureContext;
  /** Fingerprint of the certificate currently served. */
  fingerprint(): string;
  /** How the start-up line names the certificate. */
  readonly description: string;
  /** PEM pair, for transports that take PEM text (QUIC). */
  pem(): { cert: string; key: string };
}

function makeContext(cert: string | Buffer, key: string | Buffer): tls.SecureContext {
  return tls.createSecureContext({ cert, key, minVersion: 'TLSv1.3' });
}

function leafDer(certPem: string | Buffer): Buffer {
  return new X509Certificate(certPem).raw;
}

export async function ramTls(organization: string): Promise<ServerTls> {
  const pair = await generateSelfSigned(organization);
  const ctx = makeContext(pair.certPem, pair.keyPem);
  const fp = certFingerprint(pair.der);
  return {
    code: 1,
    context: () => ctx,
    fingerprint: () => fp,
    description: 'RAM cert',
    pem: () => ({ cert: pair.certPem, key: pair.keyPem }),
  };
}

export interface FileTlsHooks {
  onReloaded?: (path: string) => void;
  onReloadFailed?: (err: Error) => void;
}

/** Loads a PEM pair; throws an Error naming the file and the problem. */
function loadPair(crtFile: string, keyFile: string): { cert: string; key: string; ctx: tls.SecureContext; der: Buffer } {
  let cert: string, key: string;
  try {
    cert = readFileSync(crtFile, 'utf8');
  } catch (e) {
    throw new Error(`crt=${crtFile}: cannot read: ${(e as Error).message}`);
  }
  try {
    key = readFileSync(keyFile, 'utf8');
  } catch (e) {
    throw new Error(`key=${keyFile}: cannot read: ${(e as Error).message}`);
  }
  let der: Buffer;
  try {
    der = leafDer(cert);
  } catch (e) {
    throw new Error(`crt=${crtFile}: not a PEM certificate: ${(e as Error).message}`);
  }
  let ctx: tls.SecureContext;
  try {
    ctx = makeContext(cert, key);
  } catch (e) {
    throw new Error(`crt=${crtFile}, key=${keyFile}: ${(e as Error).message}`);
  }
  return { cert, key, ctx, der };
}

export function commonName(certPem: string): string {
  try {
    const subject = new X509Certificate(certPem).subject;
    const m = /(?:^|\n)CN=([^\n]*)/.exec(subject);
    return m ? m[1] : '';
  } catch {
    return '';
  }
}

export function fileTls(crtFile: string, keyFile: string, reloadMs: number, hooks: FileTlsHooks = {}): ServerTls {
  let current = loadPair(crtFile, keyFile);
  let loadedAt = Date.now();
  const refresh = () => {
    if (Date.now() - loadedAt < reloadMs) return;
    loadedAt = Date.now();
    try {
      current = loadPair(crtFile, keyFile);
      hooks.onReloaded?.(crtFile);
    } catch (e) {
      hooks.onReloadFailed?.(e as Error);
    }
  };
  const cn = commonName(current.cert);
  return {
    code: 2,
    context: () => {
      refresh();
      return current.ctx;
    },
    fingerprint: () => certFingerprint(current.der),
    description: cn || 'unknown cert name',
    pem: () => ({ cert: current.cert, key: current.key }),
  };
}

/** Options for the client side of a pooled TLS connection. */
export function clientTlsOptions(code: 1 | 2, serverName: string, alpn?: string[]): tls.ConnectionOptions {
  const base: tls.ConnectionOptions = { minVersion: 'TLSv1.3', ALPNProtocols: alpn };
  if (code === 1) {
    // NodePass sends no SNI at tls=1 and trusts the verify exchange instead of the chain.
    return { ...base, rejectUnauthorized: false };
  }
  const opts: tls.ConnectionOptions = { ...base, rejectUnauthorized: true };
  if (isIP(serverName) === 0) opts.servername = serverName;
  // Check the name even when it is an IP literal (no SNI is sent for those).
  opts.checkServerIdentity = (_host, cert) => tls.checkServerIdentity(serverName, cert);
  return opts;
}
