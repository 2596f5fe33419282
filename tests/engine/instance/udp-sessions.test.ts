// UDP sessions are always released: refused targets, the end of a tunnel session, oversize
// datagrams and shutdown.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { datagramLadder, freePort, udpEchoCheck, udpEchoServer, UdpClient } from '../../helpers/net';
import { ProcessGroup, type NodePassProcess } from '../../helpers/proc';
import { startPair } from '../../helpers/tunnel';
import { parseCheckPoint, type StatsSnapshot } from '../../../engine/instance/stats';

const g = new ProcessGroup();
after(() => g.stopAll());

/** The next CHECK_POINT a process logs from now on. */
function nextCheckPoint(p: NodePassProcess, timeoutMs = 5000): Promise<StatsSnapshot> {
  return p.nextCheckPoint(timeoutMs);
}

describe('UDP sessions are released', () => {
  test('a target that refuses (ICMP port unreachable) crashes nothing, and the session works once it is up', async () => {
    const targetPort = await freePort();
    const pair = await startPair(g, { flow: 'forward', target: `127.0.0.1:${targetPort}` });
    const single = await freePort();
    const p = g.start(`client://127.0.0.1:${single}/127.0.0.1:${targetPort}?mode=1`);
    await p.waitFor(/CHECK_POINT/);
    const viaTunnel = new UdpClient(pair.port);
    const direct = new UdpClient(single);
    for (let i = 0; i < 5; i++) {
      await assert.rejects(viaTunnel.request(Buffer.from(`nobody ${i}`), 200), /no datagram/);
      await assert.rejects(direct.request(Buffer.from(`nobody ${i}`), 200), /no datagram/);
    }
    const echo = await udpEchoServer(targetPort);
    assert.equal((await viaTunnel.request(Buffer.from('up now'))).toString(), 'up now');
    assert.equal((await direct.request(Buffer.from('up now'))).toString(), 'up now');
    assert.equal(echo.peers.length, 2, 'each kept its session (and its socket) across the refusals');
    for (const proc of [pair.server, pair.client, p]) assert.equal(proc.exitCode, null);
    viaTunnel.close();
    direct.close();
    await echo.close();
  });

  test('when the tunnel session ends its UDP sessions go; a new client carries the same user on', async () => {
    const echo = await udpEchoServer();
    const pair = await startPair(g, { flow: 'reverse', target: `127.0.0.1:${echo.port}` });
    const c = new UdpClient(pair.port);
    await udpEchoCheck(c, datagramLadder(3, 1000));
    assert.equal((await nextCheckPoint(pair.server)).udps, 1);
    await pair.client.stop('SIGKILL');
    const again = g.start(pair.client.url);
    // The new session starts with no UDP session left over from the old one.
    const first = parseCheckPoint(await again.waitFor(/CHECK_POINT/))!;
    assert.equal(first.udps, 0);
    assert.equal((await nextCheckPoint(pair.server)).udps, 0);
    await udpEchoCheck(c, datagramLadder(3, 1000));
    assert.equal((await nextCheckPoint(pair.server)).udps, 1);
    c.close();
    await echo.close();
  });
});

describe('UDP limits and shutdown', () => {
  test('datagrams up to NP_UDP_DATA_BUF_SIZE pass, larger ones are dropped and reported', async () => {
    const echo = await udpEchoServer();
    const pair = await startPair(g, {
      flow: 'reverse',
      target: `127.0.0.1:${echo.port}`,
      env: { NP_UDP_DATA_BUF_SIZE: '2000' },
      serverQuery: 'log=debug',
    });
    const c = new UdpClient(pair.port);
    await udpEchoCheck(c, [Buffer.alloc(2000, 1)]);
    await assert.rejects(c.request(Buffer.alloc(2001, 2), 500), /no datagram/);
    await udpEchoCheck(c, [Buffer.alloc(10, 3)]);
    assert.equal(echo.datagrams, 2);
    await pair.server.waitFor(/dropped a 2001-byte datagram/);
    c.close();
    await echo.close();
  });

  test('SIGTERM with live UDP sessions shuts down cleanly', async () => {
    const echo = await udpEchoServer();
    const pair = await startPair(g, { flow: 'forward', target: `127.0.0.1:${echo.port}` });
    const clients = [1, 2, 3].map(() => new UdpClient(pair.port));
    for (const c of clients) await udpEchoCheck(c, datagramLadder(2, 100));
    assert.equal(await pair.client.stop('SIGTERM'), 0);
    assert.match(pair.client.output(), /Client shutdown complete/);
    assert.equal(await pair.server.stop('SIGTERM'), 0);
    assert.match(pair.server.output(), /Server shutdown complete/);
    for (const c of clients) c.close();
    await echo.close();
  });
});
