// Our client (bin/nodepass) with a server that behaves on the wire as NodePass v1.14 does
// (tests/peers/v114), pool type 0. At tls=1 the v1.14 server takes every TLS record it reads as
// one datagram, so our client must send each reply datagram in a record of its own; at tls=2 a
// v1.14 server has no certificate of its own to compare and cancels on any `verify` it gets, so
// our client must not send one.
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { freePort } from '../../helpers/net';
import { makePki } from '../../helpers/certs';
import { datagramsInFlight, twoWayTransfer } from '../../helpers/interop-traffic';
import { fileCert, ramCert, startV114Server } from '../../peers/v114';
import { REPORT_MS, suite } from './services';

const s = suite();
const MiB = 1024 * 1024;

describe('a v1.14 server (type 0) with our client', () => {
  test('tls=1 reverse: 100 of 100 UDP datagrams intact with 4 in flight, TCP intact both ways', async () => {
    const svc = await s.services();
    const tunnel = await freePort();
    const entry = await freePort();
    const peer = s.own(
      startV114Server({
        tunnel: { host: '127.0.0.1', port: tunnel },
        targets: [{ host: '127.0.0.1', port: entry }],
        tls: { code: 1, cert: await ramCert() },
        mode: '1',
        env: { reportIntervalMs: REPORT_MS },
      }),
    );
    await peer.log.waitFor(/Pending tunnel handshake/, 5000);
    const client = s.group.start(`client://127.0.0.1:${tunnel}/127.0.0.1:${svc.port}?mode=2&log=debug`);
    // The v1.14 server lets users in once our client's `verify` has passed.
    await peer.log.waitFor(/TLS certificate fingerprint verified/, 15_000);
    await client.waitFor(/TLS certificate fingerprint verified/, 15_000);

    const datagrams = Array.from({ length: 100 }, (_, i) => randomBytes(1 + ((i * 617) % 1400)));
    const r = await datagramsInFlight(entry, datagrams, 4, 3000);
    assert.deepEqual(r, { sent: 100, intact: 100, foreign: [] }, 'every echo came back whole, none merged');

    await Promise.all([twoWayTransfer(svc.tcp, entry, 3 * MiB, 4 * MiB, 60_000), twoWayTransfer(svc.tcp, entry, 1 * MiB, 1000, 60_000)]);
    assert.equal(peer.log.count(/Server error/), 0, peer.log.text());
  });

  test('tls=2 forward (CA-signed certificate): the session holds and carries traffic', async () => {
    const pki = await makePki(['localhost'], ['127.0.0.1']);
    const svc = await s.services();
    const tunnel = await freePort();
    const entry = await freePort();
    const peer = s.own(
      startV114Server({
        tunnel: { host: '127.0.0.1', port: tunnel },
        targets: [{ host: '127.0.0.1', port: svc.port }],
        tls: { code: 2, cert: fileCert(readFileSync(pki.certFile), readFileSync(pki.keyFile)) },
        mode: '2',
        env: { reportIntervalMs: REPORT_MS },
      }),
    );
    await peer.log.waitFor(/Pending tunnel handshake/, 5000);
    const client = s.group.start(`client://127.0.0.1:${tunnel}/127.0.0.1:${entry}?mode=2&sni=localhost&log=debug`, {
      NODE_EXTRA_CA_CERTS: pki.caFile,
    });
    // The v1.14 server sends its own `verify` (without a fingerprint) after a report interval or
    // two, and its session must outlive it: a ping answered after that.
    const sent = await peer.log.waitFor(/TLS verify signal: cid \w+ ->/, 15_000);
    await peer.log.waitFor(/CHECK_POINT/, 5000, peer.log.lines.indexOf(sent) + 1);
    await client.waitFor(/CHECK_POINT/, 5000);

    await twoWayTransfer(svc.tcp, entry, 3 * MiB, 2 * MiB, 60_000);
    const r = await datagramsInFlight(entry, Array.from({ length: 20 }, (_, i) => randomBytes(1 + i * 50)), 1, 3000);
    assert.deepEqual(r, { sent: 20, intact: 20, foreign: [] });
    assert.equal(peer.log.count(/Server error/), 0, peer.log.text());
    assert.equal(peer.log.count(/Sending tunnel config/), 1, 'one session from start to end');
    assert.equal(client.lines.filter((l) => /Client error/.test(l)).length, 0, client.output());
  });
});

test('tls=1: datagrams a v1.14 server cuts in records arrive whole (its first after the ID: up to 2372 bytes a record)', async () => {
  const svc = await s.services();
  const tunnel = await freePort();
  const entry = await freePort();
  const peer = s.own(
    startV114Server({
      tunnel: { host: '127.0.0.1', port: tunnel },
      targets: [{ host: '127.0.0.1', port: entry }],
      tls: { code: 1, cert: await ramCert() },
      mode: '1',
      env: { reportIntervalMs: REPORT_MS },
    }),
  );
  await peer.log.waitFor(/Pending tunnel handshake/, 5000);
  s.group.start(`client://127.0.0.1:${tunnel}/127.0.0.1:${svc.port}?mode=2`);
  await peer.log.waitFor(/TLS certificate fingerprint verified/, 15_000);
  const sizes = [3000, 5000, 16000, 100, 2372, 7000];
  const r = await datagramsInFlight(entry, sizes.map((n) => randomBytes(n)), 1, 3000);
  assert.deepEqual(r, { sent: sizes.length, intact: sizes.length, foreign: [] });
  assert.equal(svc.udp.datagrams, sizes.length, 'the target got each datagram whole');
});
