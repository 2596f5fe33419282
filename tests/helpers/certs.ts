// A throw-away CA and a server certificate signed by it, for tls=2 tests.

import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);
const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

async function keyPem(k: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', k as never));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END PRIVATE KEY-----\n`;
}

export interface TestPki {
  dir: string;
  caFile: string;
  certFile: string;
  keyFile: string;
  /** A second CA's server cert for the same names: valid, but not trusted by the client. */
  untrustedCertFile: string;
  untrustedKeyFile: string;
}

async function makeCa(name: string) {
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as unknown as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `CN=${name}`,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
    signingAlgorithm: alg,
    keys,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
  });
  return { keys, cert };
}

async function makeLeaf(ca: { keys: CryptoKeyPair; cert: x509.X509Certificate }, names: string[], ips: string[]) {
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as unknown as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: '02',
    subject: `CN=${names[0]}`,
    issuer: ca.cert.subject,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
    signingAlgorithm: alg,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    extensions: [
      new x509.SubjectAlternativeNameExtension([...names.map((n) => ({ type: 'dns' as const, value: n })), ...ips.map((i) => ({ type: 'ip' as const, value: i }))]),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    ],
  });
  return { cert: cert.toString('pem'), key: await keyPem(keys.privateKey) };
}

export async function makePki(names = ['localhost'], ips = ['127.0.0.1']): Promise<TestPki> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'np-pki-'));
  const ca = await makeCa('NodePass Test CA');
  const other = await makeCa('Untrusted CA');
  const leaf = await makeLeaf(ca, names, ips);
  const bad = await makeLeaf(other, names, ips);
  const p = (n: string) => path.join(dir, n);
  writeFileSync(p('ca.pem'), ca.cert.toString('pem'));
  writeFileSync(p('server.pem'), leaf.cert);
  writeFileSync(p('server.key'), leaf.key);
  writeFileSync(p('untrusted.pem'), bad.cert);
  writeFileSync(p('untrusted.key'), bad.key);
  return {
    dir,
    caFile: p('ca.pem'),
    certFile: p('server.pem'),
    keyFile: p('server.key'),
    untrustedCertFile: p('untrusted.pem'),
    untrustedKeyFile: p('untrusted.key'),
  };
}
