// Our server (bin/nodepass) with a client that behaves on the wire as NodePass v1.14 does
// (tests/peers/v114), pool type 0 at tls=1: the v1.14 client must pass `verify` on its first
// session — it reads the ID of a pooled stream only when it arrives, and cancels when the stream
// our server names in `verify` never reached it — then carry TCP both ways and UDP.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { datagramLadder, freePort } from '../../helpers/net';
import { datagramsInFlight, twoWayTransfer } from '../../helpers/interop-traffic';
import { makePki } from '../../helpers/certs';
import { startV114Client, type V114Client } from '../../peers/v114';
import { REPORT_MS, suite, type Services } from './services';

const s = suite();
const MiB = 1024 * 1024;

/** The first session verifies (no restart before it), and so does our side. */
async function verifiedFirstTime(peer: V114Client, server: { waitFor(re: RegExp, ms: number): Promise<string> }): Promise<void> {
  const first = await peer.log.waitFor(/TLS certificate fingerprint verified|Client error/, 15_000);
  assert.match(first, /TLS certificate fingerprint verified/, `the v1.14 client ended its first session:\n${peer.log.text()}`);
  await server.waitFor(/TLS certificate fingerprint verified/, 15_000);
}

async function traffic(svc: Services, entry: number): Promise<void> {
  // Several MiB each way on two connections at once, then a small one.
  await Promise.all([twoWayTransfer(svc.tcp, entry, 4 * MiB, 3 * MiB, 60_000), twoWayTransfer(svc.tcp, entry, 2 * MiB, 5 * MiB, 60_000)]);
  await twoWayTransfer(svc.tcp, entry, 10, 100_000, 20_000);
  // 1…1400 bytes, 4 in flight (the first ones small; large first datagrams: the test below).
  const datagrams = datagramLadder(80, 1400);
  const r = await datagramsInFlight(entry, datagrams, 4, 3000);
  assert.deepEqual(r, { sent: 80, intact: 80, foreign: [] });
}

describe('our server at tls=1 with a v1.14 client (type 0)', () => {
  test('reverse: verify on the first session, TCP intact both ways, UDP intact', async () => {
    const svc = await s.services();
    const tunnel = await freePort();
    const entry = await freePort();
    const server = s.group.start(`server://127.0.0.1:${tunnel}/127.0.0.1:${entry}?tls=1&mode=1&log=debug`);
    await server.waitFor(/Pending tunnel handshake/);
    const peer = s.own(
      startV114Client({ tunnel: { host: '127.0.0.1', port: tunnel }, targets: [{ host: '127.0.0.1', port: svc.port }], env: { reportIntervalMs: REPORT_MS } }),
    );
    await verifiedFirstTime(peer, server);
    await traffic(svc, entry);
    assert.equal(peer.log.count(/Client error/), 0, peer.log.text());
  });

  test('forward: verify on the first session, TCP intact both ways, UDP intact', async () => {
    const svc = await s.services();
    const tunnel = await freePort();
    const entry = await freePort();
    const server = s.group.start(`server://127.0.0.1:${tunnel}/127.0.0.1:${svc.port}?tls=1&mode=2&log=debug`);
    await server.waitFor(/Pending tunnel handshake/);
    const peer = s.own(
      startV114Client({ tunnel: { host: '127.0.0.1', port: tunnel }, targets: [{ host: '127.0.0.1', port: entry }], env: { reportIntervalMs: REPORT_MS } }),
    );
    await verifiedFirstTime(peer, server);
    await traffic(svc, entry);
    assert.equal(peer.log.count(/Client error/), 0, peer.log.text());
  });
});

test('our server at tls=2 (CA-signed) with a v1.14 client: both verifies pass, reverse mode carries traffic', async () => {
  // Two v1.14 peers cannot do this: a v1.14 server at tls=2 has no certificate to compare with.
  const pki = await makePki(['localhost'], ['127.0.0.1']);
  const svc = await s.services();
  const tunnel = await freePort();
  const entry = await freePort();
  const server = s.group.start(
    `server://127.0.0.1:${tunnel}/127.0.0.1:${entry}?tls=2&crt=${encodeURIComponent(pki.certFile)}&key=${encodeURIComponent(pki.keyFile)}&mode=1&log=debug`,
  );
  await server.waitFor(/Pending tunnel handshake/);
  const peer = s.own(
    startV114Client({
      tunnel: { host: '127.0.0.1', port: tunnel },
      targets: [{ host: '127.0.0.1', port: svc.port }],
      sni: 'localhost',
      ca: readFileSync(pki.caFile),
      env: { reportIntervalMs: REPORT_MS },
    }),
  );
  await verifiedFirstTime(peer, server);
  await twoWayTransfer(svc.tcp, entry, 2 * MiB, 3 * MiB, 60_000);
  assert.equal(peer.log.count(/Client error/), 0, peer.log.text());
});

describe('our server with a v1.14 client, type 3 (HTTP/2)', () => {
  // The stream our server names in `verify` must reach the v1.14 client (its ID read off the
  // response body) and not be reset first.
  for (const flow of ['reverse', 'forward'] as const) {
    test(`tls=1 ${flow}: verify on the first session, TCP intact both ways`, async () => {
      const svc = await s.services();
      const tunnel = await freePort();
      const entry = await freePort();
      const [serverTarget, peerTarget] = flow === 'reverse' ? [entry, svc.port] : [svc.port, entry];
      const server = s.group.start(`server://127.0.0.1:${tunnel}/127.0.0.1:${serverTarget}?tls=1&type=3&mode=${flow === 'reverse' ? 1 : 2}&log=debug`);
      await server.waitFor(/Pending tunnel handshake/);
      const peer = s.own(
        startV114Client({ tunnel: { host: '127.0.0.1', port: tunnel }, targets: [{ host: '127.0.0.1', port: peerTarget }], env: { reportIntervalMs: REPORT_MS } }),
      );
      await peer.log.waitFor(/Loading tunnel config: .*TYPE=3/, 10_000);
      await verifiedFirstTime(peer, server);
      await Promise.all([twoWayTransfer(svc.tcp, entry, 3 * MiB, 2 * MiB, 60_000), twoWayTransfer(svc.tcp, entry, 1000, 1 * MiB, 60_000)]);
      assert.equal(peer.log.count(/Client error/), 0, peer.log.text());
    });
  }
});

describe('UDP from a v1.14 client over TLS: datagrams its records cut in pieces arrive whole', () => {
  // A v1.14 client's first write on a pooled stream leaves in a record of at most 1186 bytes, the
  // next in one of at most 2372, … (Go's dynamic record sizing), and a v1.14 reader takes every
  // record as a datagram. Sizes chosen so the first five are each cut in two or three.
  const sizes = [1400, 3000, 5000, 16000, 7117, 100, 1186, 1, 9000];

  for (const flow of ['reverse', 'forward'] as const) {
    test(`${flow}: first datagram 1400 bytes, then up to 16000`, async () => {
      const svc = await s.services();
      const tunnel = await freePort();
      const entry = await freePort();
      const [serverTarget, peerTarget] = flow === 'reverse' ? [entry, svc.port] : [svc.port, entry];
      const server = s.group.start(`server://127.0.0.1:${tunnel}/127.0.0.1:${serverTarget}?tls=1&mode=${flow === 'reverse' ? 1 : 2}`);
      await server.waitFor(/Pending tunnel handshake/);
      const peer = s.own(
        startV114Client({ tunnel: { host: '127.0.0.1', port: tunnel }, targets: [{ host: '127.0.0.1', port: peerTarget }], env: { reportIntervalMs: REPORT_MS } }),
      );
      await verifiedFirstTime(peer, server);
      const datagrams = sizes.map((n) => randomBytes(n));
      const r = await datagramsInFlight(entry, datagrams, 1, 3000);
      assert.deepEqual(r, { sent: sizes.length, intact: sizes.length, foreign: [] });
      // Our server saw them whole too (reverse: the replies; forward: what it sent the target).
      assert.equal(svc.udp.datagrams, sizes.length);
    });
  }
});
