// UDP through real CLI processes: reverse, forward and single-end; content of every datagram,
// idle expiry and a fresh session afterwards, 100 concurrent clients, counters.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { datagramLadder, freePort, udpEchoCheck, udpEchoServer, UdpClient, eventually } from '../../helpers/net';
import { ProcessGroup, type NodePassProcess } from '../../helpers/proc';
import { startPair } from '../../helpers/tunnel';
import type { StatsSnapshot } from '../../../engine/instance/stats';

const g = new ProcessGroup();
after(() => g.stopAll());

/** The next CHECK_POINT a process logs from now on. */
function nextCheckPoint(p: NodePassProcess, timeoutMs = 5000): Promise<StatsSnapshot> {
  return p.nextCheckPoint(timeoutMs);
}

async function hundredClients(port: number): Promise<UdpClient[]> {
  const clients = Array.from({ length: 100 }, () => new UdpClient(port));
  await Promise.all(clients.map((c) => c.bind()));
  await Promise.all(clients.map((c) => udpEchoCheck(c, datagramLadder(5, 1400))));
  return clients;
}

for (const flow of ['reverse', 'forward'] as const) {
  describe(`UDP through a ${flow} tunnel`, () => {
    test('1000 datagrams of 1…16384 bytes come back intact, and the counters match', async () => {
      const echo = await udpEchoServer();
      const pair = await startPair(g, { flow, target: `127.0.0.1:${echo.port}` });
      const c = new UdpClient(pair.port);
      const sent = await udpEchoCheck(c, datagramLadder(1000, 16384));
      assert.equal(echo.datagrams, 1000);
      assert.equal(echo.bytes, sent);
      // Both sides count the user-/target-facing bytes: ingress from/to the client, egress to/from the target.
      for (const p of [pair.ingress, pair.egress]) {
        const cp = await eventually(async () => {
          const s = await nextCheckPoint(p);
          assert.equal(s.udprx, sent);
          assert.equal(s.udptx, sent);
          return s;
        }, 5000);
        assert.equal(cp.tcprx + cp.tcptx, 0);
        assert.equal(cp.udps, 1, 'one live UDP session holds a slot');
      }
      c.close();
      await echo.close();
    });

    test('a session expires after NP_UDP_READ_TIMEOUT and a new one starts cleanly', async () => {
      const echo = await udpEchoServer();
      // 2 s leaves room for a loaded machine between the echo and the next CHECK_POINT (1 s apart).
      const pair = await startPair(g, { flow, target: `127.0.0.1:${echo.port}`, env: { NP_UDP_READ_TIMEOUT: '2s' } });
      const c = new UdpClient(pair.port);
      await udpEchoCheck(c, datagramLadder(3, 500));
      assert.equal(echo.peers.length, 1);
      // Log lines arrive in batches: the first CHECK_POINT read may predate the session.
      await eventually(async () => assert.equal((await nextCheckPoint(pair.ingress)).udps, 1), 5000);
      // Idle for longer than the timeout: both sides drop the session and its slot.
      await eventually(async () => assert.equal((await nextCheckPoint(pair.ingress)).udps, 0), 10000);
      await eventually(async () => assert.equal((await nextCheckPoint(pair.egress)).udps, 0), 5000);
      await udpEchoCheck(c, datagramLadder(3, 500));
      assert.equal(echo.peers.length, 2, 'the new session reaches the target from a new socket');
      await eventually(async () => assert.equal((await nextCheckPoint(pair.ingress)).udps, 1), 5000);
      c.close();
      await echo.close();
    });

    test('100 concurrent client sockets each get their own session', async () => {
      const echo = await udpEchoServer();
      const pair = await startPair(g, { flow, target: `127.0.0.1:${echo.port}` });
      const clients = await hundredClients(pair.port);
      assert.equal(echo.peers.length, 100);
      assert.equal((await nextCheckPoint(pair.egress)).udps, 100);
      for (const c of clients) c.close();
      await echo.close();
    });
  });
}

describe('UDP in single-end mode', () => {
  test('1000 datagrams, expiry and a new session, 100 clients, counters', async () => {
    const echo = await udpEchoServer();
    const port = await freePort();
    const p = g.start(`client://127.0.0.1:${port}/127.0.0.1:${echo.port}?mode=1`, { NP_UDP_READ_TIMEOUT: '1s' });
    await p.waitFor(/CHECK_POINT\|MODE=1\|PING=\d+ms\|POOL=0/);
    const c = new UdpClient(port);
    const sent = await udpEchoCheck(c, datagramLadder(1000, 16384));
    assert.equal(echo.bytes, sent);
    const s = await nextCheckPoint(p);
    assert.deepEqual([s.udprx, s.udptx, s.udps, s.tcprx, s.tcptx], [sent, sent, 1, 0, 0]);
    await eventually(async () => assert.equal((await nextCheckPoint(p)).udps, 0), 6000);
    await udpEchoCheck(c, datagramLadder(2, 100));
    assert.equal(echo.peers.length, 2);
    c.close();
    const clients = await hundredClients(port);
    assert.equal(echo.peers.length, 102);
    for (const x of clients) x.close();
    await echo.close();
  });
});
