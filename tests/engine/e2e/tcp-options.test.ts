// The `read` idle timeout, tls=2 certificate reload, and client-IP pinning of pooled connections.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { copyFileSync } from 'node:fs';
import { echoServer, freePort, randomData, roundTrip, sha256, type TestServer } from '../../helpers/net';
import { ProcessGroup } from '../../helpers/proc';
import { forwardPair, ready } from '../../helpers/tunnel';
import { makePki } from '../../helpers/certs';

let echo: TestServer;
const group = new ProcessGroup();
before(async () => {
  echo = await echoServer();
});
after(async () => {
  await group.stopAll();
  await echo.close();
});

test('read=1s closes a connection idle for a second, not a busy one', async () => {
  const p = await forwardPair(group, echo.port, { serverQuery: 'read=1s', clientQuery: 'read=1s' });
  await ready(p);
  const closedAfter = await new Promise<number>((resolve) => {
    const t0 = Date.now();
    const s = net.connect(p.entryPort, '127.0.0.1', () => s.write('x'));
    s.on('data', () => {});
    s.on('close', () => resolve(Date.now() - t0));
    s.on('error', () => {});
  });
  assert.ok(closedAfter >= 900 && closedAfter < 4000, `idle connection closed after ${closedAfter} ms`);
  // A connection that keeps talking for 2.5 s survives.
  const busy = await new Promise<string>((resolve) => {
    const s = net.connect(p.entryPort, '127.0.0.1');
    let got = 0;
    let sent = 0;
    const tick = setInterval(() => {
      s.write(Buffer.alloc(100, 1));
      sent += 100;
      if (sent >= 1000) {
        clearInterval(tick);
        s.end();
      }
    }, 250);
    s.on('data', (c) => (got += c.length));
    s.on('end', () => resolve(`${got}`));
    s.on('error', (e) => resolve(e.message));
  });
  assert.equal(busy, '1000');
});

test('tls=2: renewed certificate files are picked up after NP_RELOAD_INTERVAL', async () => {
  const pkiA = await makePki(['localhost'], ['127.0.0.1']);
  const pkiB = await makePki(['localhost'], ['127.0.0.1']);
  // The server reads its cert/key from pkiA's paths; we overwrite them with B's later.
  const tunnel = await freePort();
  const server = group.start(
    `server://127.0.0.1:${tunnel}/127.0.0.1:${echo.port}?tls=2&log=debug&crt=${encodeURIComponent(pkiA.certFile)}&key=${encodeURIComponent(pkiA.keyFile)}`,
    { NP_RELOAD_INTERVAL: '1s' },
  );
  await server.waitFor(/Pending tunnel handshake/);
  const entry = await freePort();
  const client = group.start(`client://127.0.0.1:${tunnel}/127.0.0.1:${entry}?sni=localhost`, {
    NODE_EXTRA_CA_CERTS: `${pkiA.caFile}`,
  });
  await client.waitFor(/CHECK_POINT/);
  const d = randomData(1024 * 1024);
  assert.equal(sha256(await roundTrip(entry, d)), sha256(d));
  // Renew: the files now hold a certificate from another CA.
  copyFileSync(pkiB.certFile, pkiA.certFile);
  copyFileSync(pkiB.keyFile, pkiA.keyFile);
  await new Promise((r) => setTimeout(r, 1200));
  // A TLS connection to the tunnel port now gets the new certificate (server is in session mode).
  const peer = await new Promise<tls.PeerCertificate>((resolve, reject) => {
    const t = tls.connect({ port: tunnel, host: '127.0.0.1', rejectUnauthorized: false, servername: 'localhost' }, () => {
      resolve(t.getPeerCertificate());
      t.destroy();
    });
    t.on('error', reject);
  });
  await server.waitFor(/TLS cert reloaded: /, 5000);
  const { X509Certificate } = await import('node:crypto');
  const { readFileSync } = await import('node:fs');
  assert.equal(peer.fingerprint256, new X509Certificate(readFileSync(pkiB.certFile)).fingerprint256);
});

test('type 0: pooled connections from another IP than the handshake are refused', async () => {
  const p = await forwardPair(group, echo.port);
  await ready(p);
  // 127.0.0.2 is not the client's address: the server closes without an ID.
  const r = await new Promise<{ bytes: number; closed: boolean }>((resolve) => {
    const s = net.connect({ port: p.tunnelPort, host: '127.0.0.1', localAddress: '127.0.0.2' });
    let bytes = 0;
    s.on('data', (c) => (bytes += c.length));
    s.on('close', () => resolve({ bytes, closed: true }));
    s.on('error', () => {});
    setTimeout(() => {
      s.destroy();
      resolve({ bytes, closed: false });
    }, 2000);
  });
  assert.deepEqual(r, { bytes: 0, closed: true });
  const d = randomData(100_000);
  assert.equal(sha256(await roundTrip(p.entryPort, d)), sha256(d));
});
