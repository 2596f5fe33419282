// The tls=1 "RAM" certificate (spec §6.2): ECDSA P-256, self-signed, O=<version>, one year,
// generated once per process so its fingerprint is stable for the process's life.

import { webcrypto } from 'node:crypto';

export interface CertPair {
  certPem: string;
  keyPem: string;
  /** DER of the leaf, for the fingerprint. */
  der: Buffer;
}

export async function generateSelfSigned(organization: string): Promise<CertPair> {
  // Loaded on demand: tls=0 tunnels never pay for the X.509 library at start-up.
  await import('reflect-metadata'); // the X.509 library's DI container needs the Reflect API
  const x509 = await import('@peculiar/x509');
  x509.cryptoProvider.set(webcrypto as unknown as Crypto);
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as unknown as CryptoKeyPair;
  const serial = Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)));
  serial[0] &= 0x7f; // positive and < 2^128
  const now = new Date();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial.toString('hex'),
    name: `O=${organization.replace(/[,+=<>#;"\\]/g, '')}`,
    notBefore: now,
    notAfter: new Date(now.getTime() + 365 * 24 * 3600 * 1000),
    signingAlgorithm: alg,
    keys,
    extensions: [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey as never));
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END PRIVATE KEY-----\n`;
  return { certPem: cert.toString('pem'), keyPem, der: Buffer.from(cert.rawData) };
}
