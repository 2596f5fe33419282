// `slot` (one limit for TCP and UDP, counted even when unlimited) and `block` with its sniff deadline.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { bannerEchoServer, echoServer, eventually, freePort, TcpClient, UdpClient, udpEchoServer } from '../../helpers/net';
import { ProcessGroup, type NodePassProcess } from '../../helpers/proc';
import { startPair } from '../../helpers/tunnel';
import type { StatsSnapshot } from '../../../engine/instance/stats';

const g = new ProcessGroup();
after(() => g.stopAll());

async function checkPointWhere(p: NodePassProcess, ok: (s: StatsSnapshot) => boolean): Promise<StatsSnapshot> {
  return eventually(async () => {
    const s = await p.nextCheckPoint(3000);
    assert.ok(ok(s), `CHECK_POINT ${JSON.stringify(s)}`);
    return s;
  }, 8000);
}

async function tcpEcho(port: number, text: string): Promise<TcpClient> {
  const c = new TcpClient(port);
  await c.connected;
  c.write(text);
  assert.equal((await c.waitBytes(text.length)).toString(), text);
  return c;
}

describe('slot', () => {
  test('slot=2 shares two slots between TCP and UDP: the third session is refused until one ends', async () => {
    // One port for both: the egress client dials TCP and UDP on the same target address.
    const port = await freePort();
    const tcpAt = await echoServer(port);
    const udpAt = await udpEchoServer(port);
    const pair = await startPair(g, {
      flow: 'reverse',
      target: `127.0.0.1:${port}`,
      serverQuery: 'slot=2',
      env: { NP_UDP_READ_TIMEOUT: '1s' },
    });
    const a = await tcpEcho(pair.port, 'first');
    const u1 = new UdpClient(pair.port);
    assert.equal((await u1.request(Buffer.from('u1'))).toString(), 'u1');
    const keepAlive = setInterval(() => void u1.send(Buffer.from('k')), 200);
    try {
      // Third session, TCP: closed by the ingress before anything reaches the target.
      const before = tcpAt.connections;
      const b = new TcpClient(pair.port);
      assert.equal(await b.waitClosed(3000), true, 'the third TCP connection is closed');
      assert.equal(b.data.length, 0);
      assert.equal(tcpAt.connections, before);
      await pair.server.waitFor(/ERROR.*commonTCPLoop: TCP slot limit reached: 2\/2/);
      // Third session, UDP: its datagrams are dropped.
      const u2 = new UdpClient(pair.port);
      await assert.rejects(u2.request(Buffer.from('u2'), 700), /no datagram/);
      await pair.server.waitFor(/ERROR.*commonUDPLoop: UDP slot limit reached: 2\/2/);
      // The TCP session ends: a new TCP session fits.
      a.close();
      await checkPointWhere(pair.server, (s) => s.tcps === 0 && s.udps === 1);
      const c = await tcpEcho(pair.port, 'again');
      c.close();
      await checkPointWhere(pair.server, (s) => s.tcps === 0);
      // The UDP session expires: the waiting UDP client gets in.
      clearInterval(keepAlive);
      await checkPointWhere(pair.server, (s) => s.udps === 0);
      assert.equal((await u2.request(Buffer.from('u2 again'))).toString(), 'u2 again');
      u1.close();
      u2.close();
    } finally {
      clearInterval(keepAlive);
      await tcpAt.close();
      await udpAt.close();
    }
  });

  test('slot=0 is unlimited and sessions are still counted', async () => {
    const tcpT = await echoServer();
    const port = await freePort();
    const p = g.start(`client://127.0.0.1:${port}/127.0.0.1:${tcpT.port}?mode=1&slot=0`);
    await p.waitFor(/CHECK_POINT/);
    const conns = await Promise.all([1, 2, 3].map((i) => tcpEcho(port, `c${i}`)));
    await checkPointWhere(p, (s) => s.tcps === 3);
    for (const c of conns) c.close();
    await checkPointWhere(p, (s) => s.tcps === 0);
    await tcpT.close();
  });
});

describe('block=123', () => {
  test('SOCKS5, HTTP and TLS openers are refused; a service that speaks first still works', async () => {
    const banner = 'SSH-2.0-OpenSSH_9.6\r\n';
    const target = await bannerEchoServer(banner);
    const pair = await startPair(g, { flow: 'reverse', target: `127.0.0.1:${target.port}`, serverQuery: 'block=123' });

    const socks = new TcpClient(pair.port);
    await socks.connected;
    socks.write(Buffer.from([0x05, 0x01, 0x00])); // greeting: one method, "no auth"
    assert.equal(await socks.waitClosed(), true);
    await pair.server.waitFor(/WARN.*commonTCPLoop: blocked SOCKS5 protocol from 127\.0\.0\.1:\d+/);

    const http = new TcpClient(pair.port);
    await http.connected;
    http.write('GET / HTTP/1.1\r\nHost: example.com\r\n\r\n');
    assert.equal(await http.waitClosed(), true);
    await pair.server.waitFor(/WARN.*blocked HTTP protocol/);

    const tlsError = await new Promise<Error>((resolve) => {
      const t = tls.connect({ port: pair.port, host: '127.0.0.1', rejectUnauthorized: false });
      t.on('error', resolve);
      t.on('secureConnect', () => resolve(new Error('handshake completed')));
    });
    assert.doesNotMatch(tlsError.message, /handshake completed/);
    await pair.server.waitFor(/WARN.*blocked TLS protocol/);

    assert.equal(target.connections, 0, 'no blocked opener reached the target');
    assert.equal(socks.data.length + http.data.length, 0);

    // The server speaks first: the client sends nothing until it has read the banner.
    const ssh = new TcpClient(pair.port);
    await ssh.connected;
    assert.equal((await ssh.waitBytes(banner.length, 5000)).toString(), banner);
    ssh.write('SSH-2.0-client\r\n');
    assert.equal((await ssh.waitBytes(banner.length + 16)).toString(), banner + 'SSH-2.0-client\r\n');
    ssh.close();
    await target.close();
  });
});
