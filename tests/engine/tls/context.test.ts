// The tunnel's TLS: the tls=1 RAM certificate, tls=2 PEM files (errors that name the file, reload
// on schedule, a broken reload keeping the old pair), and the client options of each mode, all
// checked over real TLS 1.3 connections.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { clientTlsOptions, commonName, fileTls, ramTls, type ServerTls } from '../../../engine/tls/context';
import { certFingerprint } from '../../../engine/tls/fingerprint';
import { generateSelfSigned } from '../../../engine/tls/selfsigned';
import { makePki } from '../../helpers/certs';

/** A TLS server on 127.0.0.1 that serves `serverTls`'s current context to each connection. */
async function serve(t: TestContext, serverTls: ServerTls): Promise<number> {
  const sockets = new Set<net.Socket>();
  const srv = net.createServer((raw) => {
    sockets.add(raw);
    raw.on('error', () => {});
    const s = new tls.TLSSocket(raw, { isServer: true, secureContext: serverTls.context() });
    s.on('error', () => {});
    s.on('secure', () => s.end('hello'));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  t.after(() => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((r) => srv.close(() => r()));
  });
  return (srv.address() as net.AddressInfo).port;
}

/** Connects with `options`; resolves with what the server said and the certificate it showed. */
function connect(port: number, options: tls.ConnectionOptions): Promise<{ text: string; der: Buffer; protocol: string | null }> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, ...options });
    let text = '';
    s.on('data', (d: Buffer) => (text += d));
    s.once('end', () => {
      const cert = s.getPeerCertificate();
      resolve({ text, der: cert.raw, protocol: s.getProtocol() });
      s.destroy();
    });
    s.once('error', (e) => {
      s.destroy();
      reject(e);
    });
  });
}

test('tls=1: a RAM certificate served over TLS 1.3 only, its fingerprint the one clients see', async (t) => {
  const ram = await ramTls('v1.14.0-test');
  assert.equal(ram.code, 1);
  assert.equal(ram.description, 'RAM cert');
  const port = await serve(t, ram);
  const seen = await connect(port, clientTlsOptions(1, ''));
  assert.equal(seen.text, 'hello');
  assert.equal(seen.protocol, 'TLSv1.3');
  assert.equal(certFingerprint(seen.der), ram.fingerprint());
  assert.match(ram.fingerprint(), /^sha256:([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  // The PEM pair (what QUIC is given) is the same certificate.
  assert.equal(certFingerprint(new (await import('node:crypto')).X509Certificate(ram.pem().cert).raw), ram.fingerprint());
  await assert.rejects(connect(port, { rejectUnauthorized: false, maxVersion: 'TLSv1.2' }));
});

test('the RAM certificate names the version as its organisation and differs per process start', async () => {
  const a = await generateSelfSigned('v1.14.0-test');
  const b = await generateSelfSigned('v1.14.0-test');
  const { X509Certificate } = await import('node:crypto');
  const x = new X509Certificate(a.certPem);
  assert.equal(x.subject, 'O=v1.14.0-test');
  assert.ok(Date.parse(x.validTo) - Date.now() > 360 * 86_400_000);
  assert.notEqual(certFingerprint(a.der), certFingerprint(b.der));
});

test('tls=2: a PEM pair is served under its common name, and the client options verify chain and name', async (t) => {
  const pki = await makePki(['localhost'], ['127.0.0.1']);
  t.after(() => rmSync(pki.dir, { recursive: true, force: true }));
  const files = fileTls(pki.certFile, pki.keyFile, 3_600_000);
  assert.equal(files.code, 2);
  assert.equal(files.description, 'localhost');
  const port = await serve(t, files);
  const ca = [readFileSync(pki.caFile)];
  assert.equal((await connect(port, { ...clientTlsOptions(2, 'localhost'), ca })).text, 'hello');
  // An IP literal as the name is checked against the certificate's IP entries (no SNI is sent).
  assert.equal((await connect(port, { ...clientTlsOptions(2, '127.0.0.1'), ca })).text, 'hello');
  await assert.rejects(connect(port, { ...clientTlsOptions(2, 'other.example'), ca }), /other\.example/);
  await assert.rejects(connect(port, clientTlsOptions(2, 'localhost')), /certificate/);
  // tls=1 clients do not verify (the fingerprint exchange does that).
  assert.equal((await connect(port, clientTlsOptions(1, 'anything'))).text, 'hello');
});

test('tls=2: a file that cannot be used is named with what is wrong with it', async (t) => {
  const pki = await makePki();
  t.after(() => rmSync(pki.dir, { recursive: true, force: true }));
  const missing = path.join(pki.dir, 'missing.pem');
  assert.throws(() => fileTls(missing, pki.keyFile, 1000), { message: new RegExp(`^crt=${missing.replace(/[.]/g, '\\.')}: cannot read: ENOENT`) });
  assert.throws(() => fileTls(pki.certFile, missing, 1000), new RegExp(`^Error: key=${missing.replace(/[.]/g, '\\.')}: cannot read`));
  const junk = path.join(pki.dir, 'junk.pem');
  writeFileSync(junk, 'not a certificate');
  assert.throws(() => fileTls(junk, pki.keyFile, 1000), new RegExp(`crt=${junk.replace(/[.]/g, '\\.')}: not a PEM certificate`));
  // A valid certificate with someone else's key.
  assert.throws(() => fileTls(pki.certFile, pki.untrustedKeyFile, 1000), new RegExp(`crt=.*server\\.pem, key=.*untrusted\\.key: `));
});

test('tls=2: files are re-read once NP_RELOAD_INTERVAL has passed; a broken file keeps the pair in use', async (t) => {
  const pki = await makePki();
  t.after(() => rmSync(pki.dir, { recursive: true, force: true }));
  const crt = path.join(pki.dir, 'live.pem');
  const key = path.join(pki.dir, 'live.key');
  copyFileSync(pki.certFile, crt);
  copyFileSync(pki.keyFile, key);
  const reloaded: string[] = [];
  const failed: string[] = [];
  const files = fileTls(crt, key, 50, { onReloaded: (p) => reloaded.push(p), onReloadFailed: (e) => failed.push(e.message) });
  const first = files.fingerprint();
  copyFileSync(pki.untrustedCertFile, crt);
  copyFileSync(pki.untrustedKeyFile, key);
  files.context(); // within the interval: nothing re-read
  assert.equal(files.fingerprint(), first);
  await new Promise((r) => setTimeout(r, 60));
  const port = await serve(t, files); // context() per connection: due now
  const seen = await connect(port, clientTlsOptions(1, ''));
  assert.notEqual(files.fingerprint(), first);
  assert.equal(certFingerprint(seen.der), files.fingerprint());
  assert.deepEqual(reloaded, [crt]);

  const second = files.fingerprint();
  writeFileSync(crt, 'broken');
  await new Promise((r) => setTimeout(r, 60));
  files.context();
  assert.equal(failed.length, 1);
  assert.match(failed[0], /not a PEM certificate/);
  assert.equal(files.fingerprint(), second);
});

test('commonName reads CN from a PEM certificate and is empty for anything else', async () => {
  const pki = await makePki(['tunnel.example']);
  try {
    assert.equal(commonName(readFileSync(pki.certFile, 'utf8')), 'tunnel.example');
    assert.equal(commonName('garbage'), '');
  } finally {
    rmSync(pki.dir, { recursive: true, force: true });
  }
});
