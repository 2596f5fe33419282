// TLS as v1.14 does it on pooled connections (type 0).
//
// observed (strace of the Go client's ClientHello on a pooled connection, tls=1): record version
// 0x0301, cipher suites 1301/1302/1303 only, supported_versions = {TLS 1.3} only, no server_name
// extension, no ALPN; key shares X25519MLKEM768 + X25519. Node cannot offer the hybrid group, the
// rest is reproduced: TLS 1.3 only, no SNI, no ALPN, no verification at tls=1; at tls=2 chain and
// name verification with ServerName = the `sni` parameter, the tunnel host name, or `none`.
// observed (openssl s_client against the Go server, tls=1): the RAM certificate is ECDSA P-256,
// self-signed, Subject = Issuer = O=v1.14.0 (no CN, no SAN), one year, KU digitalSignature +
// keyEncipherment (critical), EKU serverAuth, a 128-bit serial.
// observed: neither side puts a deadline on the pooled TLS handshake.

import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';
import type net from 'node:net';
import tls from 'node:tls';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export interface ClientTlsConfig {
  code: 1 | 2;
  /** tls=2: the name checked against the certificate (Go's ServerName). */
  serverName: string;
  /** tls=2: trusted roots (Go uses the system's; tests bring their own CA). */
  ca?: string | Buffer;
  /** ALPN (type 3: h2; type 0 offers none). */
  alpn?: string[];
}

/** tls.Client(conn, …).Handshake(): resolves with the TLS socket, rejects on any failure. */
export function clientHandshake(sock: net.Socket, cfg: ClientTlsConfig): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const opts: tls.ConnectionOptions = {
      socket: sock,
      minVersion: 'TLSv1.3',
      maxVersion: 'TLSv1.3',
      rejectUnauthorized: cfg.code === 2,
    };
    if (cfg.alpn) opts.ALPNProtocols = cfg.alpn;
    if (cfg.code === 2) {
      opts.servername = cfg.serverName;
      if (cfg.ca) opts.ca = cfg.ca;
      opts.checkServerIdentity = (_h, cert) => tls.checkServerIdentity(cfg.serverName, cert);
    }
    const t = tls.connect(opts);
    settle(t, sock, 'secureConnect', resolve, reject);
  });
}

/** tls.Server(conn, config).Handshake() with the server's config (MinVersion TLS 1.3). */
export function serverHandshake(sock: net.Socket, context: tls.SecureContext): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    settle(new tls.TLSSocket(sock, { isServer: true, secureContext: context }), sock, 'secure', resolve, reject);
  });
}

function settle(
  t: tls.TLSSocket,
  raw: net.Socket,
  ready: 'secure' | 'secureConnect',
  resolve: (t: tls.TLSSocket) => void,
  reject: (e: Error) => void,
): void {
  const fail = (e: Error) => {
    t.off(ready, ok);
    t.off('error', fail);
    t.off('close', closed);
    t.destroy();
    raw.destroy();
    reject(e);
  };
  const closed = () => fail(new Error('connection closed during the TLS handshake'));
  const ok = () => {
    t.off('error', fail);
    t.off('close', closed);
    resolve(t);
  };
  t.once('error', fail);
  t.once('close', closed);
  t.once(ready, ok);
}

export interface ServerCert {
  context: tls.SecureContext;
  /** tls=1: the DER of the certificate (Go: tlsConfig.Certificates[0]); null at tls=2. */
  staticDer: Buffer | null;
}

/** The tls=1 RAM certificate as the Go binary makes it. */
export async function ramCert(version = 'v1.14.0'): Promise<ServerCert> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as unknown as CryptoKeyPair;
  const serial = Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)));
  serial[0] &= 0x7f;
  const now = new Date();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial.toString('hex'),
    name: `O=${version}`,
    notBefore: now,
    notAfter: new Date(now.getTime() + 365 * 86_400_000),
    signingAlgorithm: alg,
    keys,
    extensions: [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey as never));
  const key = `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END PRIVATE KEY-----\n`;
  return {
    context: tls.createSecureContext({ cert: cert.toString('pem'), key, minVersion: 'TLSv1.3' }),
    staticDer: Buffer.from(cert.rawData),
  };
}

/**
 * tls=2: the certificate comes from files through GetCertificate, so the Go server's config has
 * no static certificate list and its `verify` fingerprint is empty (observed: the v1.14 server at
 * tls=2 sends verify without `fp`, and cancels on any verify it receives: `no local certificate`).
 */
export function fileCert(certPem: string | Buffer, keyPem: string | Buffer): ServerCert {
  return { context: tls.createSecureContext({ cert: certPem, key: keyPem, minVersion: 'TLSv1.3' }), staticDer: null };
}
