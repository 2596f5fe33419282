// How this computer talks to a remote master: plain HTTP, HTTPS verified against the system's CAs,
// or HTTPS pinned to the one certificate the user chose to trust (a `tls=1` master's self-signed
// certificate has no CA). A pinned connection is checked during the TLS handshake, before a single
// request byte (and so the API key) is written. Used by the desktop service (a fetch for HttpApi)
// and by headless mode's proxy (an agent).

import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { Readable, type Duplex } from 'node:stream';
import tls from 'node:tls';

/** Fingerprints compare without separators or case (`AB:CD…` = `abcd…`). */
export const sameFingerprint = (a: string, b: string) => a.replace(/[^0-9a-f]/gi, '').toLowerCase() === b.replace(/[^0-9a-f]/gi, '').toLowerCase();

/** An agent that accepts exactly the certificate with this SHA-256 fingerprint. */
class PinnedAgent extends https.Agent {
  constructor(private readonly fingerprint: string) {
    // No keep-alive: every request makes (and checks) its own connection; the event stream is the
    // only long-lived one.
    super({ keepAlive: false });
  }
  override createConnection(options: http.RequestOptions, cb?: (err: Error | null, s: Duplex) => void): Duplex | undefined {
    const socket = tls.connect({ ...(options as tls.ConnectionOptions), rejectUnauthorized: false });
    const onError = (e: Error) => cb?.(e, socket);
    socket.once('error', onError);
    socket.once('secureConnect', () => {
      socket.removeListener('error', onError);
      const cert = socket.getPeerCertificate();
      if (!cert?.fingerprint256 || !sameFingerprint(cert.fingerprint256, this.fingerprint)) {
        socket.destroy();
        cb?.(new Error(`certificate changed: the master now presents SHA-256 ${cert?.fingerprint256 ?? 'none'}, not the trusted ${this.fingerprint}`), socket);
        return;
      }
      cb?.(null, socket);
    });
    return undefined;
  }
}

const agents = new Map<string, PinnedAgent>();
const plainAgent = new http.Agent({ keepAlive: true, maxSockets: 16 });
const caAgent = new https.Agent({ keepAlive: true, maxSockets: 16 });

export function agentFor(url: URL, fingerprint: string): http.Agent {
  if (url.protocol === 'http:') return plainAgent;
  if (!fingerprint) return caAgent;
  let a = agents.get(fingerprint);
  if (!a) {
    a = new PinnedAgent(fingerprint);
    agents.set(fingerprint, a);
  }
  return a;
}

/** The certificate a TLS server presents (no verification), for the user to decide about. */
export function peerCertificate(url: URL, timeoutMs = 5000): Promise<{ fingerprint256: string; subject: string; validTo: string }> {
  return new Promise((resolve, reject) => {
    const port = Number(url.port || 443);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const s = tls.connect({ host, port, servername: isIP(host) ? undefined : host, rejectUnauthorized: false });
    const timer = setTimeout(() => s.destroy(new Error(`no TLS handshake with ${url.host} within ${timeoutMs} ms`)), timeoutMs);
    s.once('secureConnect', () => {
      clearTimeout(timer);
      const c = s.getPeerCertificate();
      s.end();
      const cn = c.subject?.CN;
      resolve({ fingerprint256: c.fingerprint256, subject: Array.isArray(cn) ? cn.join(', ') : (cn ?? ''), validTo: c.valid_to ?? '' });
    });
    s.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

const CERT_ERRORS = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** True for errors that mean "the certificate is not trusted" (as opposed to "nobody answers"). */
export function isCertificateError(e: unknown): boolean {
  const err = e as { code?: string; cause?: { code?: string } };
  return CERT_ERRORS.has(err?.code ?? '') || CERT_ERRORS.has(err?.cause?.code ?? '');
}

/** A fetch over node:http(s) with the agent above, streaming the response body (for SSE). */
export function remoteFetch(fingerprint: string): typeof fetch {
  return ((input: string | URL | Request, init?: RequestInit) =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
      const headers: Record<string, string> = {};
      new Headers(init?.headers).forEach((v, k) => (headers[k] = v));
      const mod = url.protocol === 'https:' ? https : http;
      const req = mod.request(url, { method: init?.method ?? 'GET', headers, agent: agentFor(url, fingerprint) }, (res) => {
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(', ') : v);
        const status = res.statusCode ?? 502;
        const body = status === 204 || status === 304 || init?.method === 'HEAD' ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>);
        if (!body) res.resume();
        resolve(new Response(body, { status, statusText: res.statusMessage, headers: h }));
      });
      const signal = init?.signal;
      const abort = () => req.destroy(Object.assign(new Error('This operation was aborted'), { name: 'AbortError' }));
      if (signal?.aborted) abort();
      signal?.addEventListener('abort', abort, { once: true });
      req.on('error', reject);
      req.end(typeof init?.body === 'string' ? init.body : undefined);
    })) as typeof fetch;
}
