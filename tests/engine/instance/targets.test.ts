// Several targets (round-robin start, failover), the `dial` source address, and notcp/noudp (§7.11).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { echoServer, freePort, TcpClient, UdpClient, udpEchoServer } from '../../helpers/net';
import { ProcessGroup } from '../../helpers/proc';
import { startPair } from '../../helpers/tunnel';

const g = new ProcessGroup();
after(() => g.stopAll());

async function tcpEcho(port: number, text: string): Promise<void> {
  const c = new TcpClient(port);
  await c.connected;
  c.write(text);
  assert.equal((await c.waitBytes(text.length)).toString(), text);
  c.close();
}

/** True when nothing accepts TCP connections on the port. */
function tcpRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
  });
}

/** True when the UDP port can be bound, i.e. nobody listens on it. */
function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const u = dgram.createSocket('udp4');
    u.once('error', () => resolve(false));
    u.bind(port, '127.0.0.1', () => u.close(() => resolve(true)));
  });
}

describe('several targets', () => {
  test('one target down: every TCP connection reaches the other', async () => {
    const live = await echoServer();
    const dead = await freePort();
    const pair = await startPair(g, { flow: 'reverse', target: `127.0.0.1:${dead},127.0.0.1:${live.port}` });
    for (let i = 0; i < 6; i++) await tcpEcho(pair.port, `conn ${i}`);
    assert.equal(live.connections, 6);
    await live.close();
  });

  test('two live targets share TCP connections and UDP sessions round-robin', async () => {
    const port1 = await freePort();
    const port2 = await freePort();
    const [t1, t2, u1, u2] = await Promise.all([echoServer(port1), echoServer(port2), udpEchoServer(port1), udpEchoServer(port2)]);
    const pair = await startPair(g, { flow: 'forward', target: `127.0.0.1:${port1},127.0.0.1:${port2}` });
    for (let i = 0; i < 6; i++) await tcpEcho(pair.port, `conn ${i}`);
    assert.deepEqual([t1.connections, t2.connections], [3, 3]);
    const clients = [1, 2, 3, 4].map(() => new UdpClient(pair.port));
    for (const c of clients) assert.equal((await c.request(Buffer.from('hi'))).toString(), 'hi');
    assert.deepEqual([u1.peers.length, u2.peers.length], [2, 2]);
    for (const c of clients) c.close();
    await Promise.all([t1.close(), t2.close(), u1.close(), u2.close()]);
  });
});

describe('dial', () => {
  test('dial=127.0.0.2: TCP and UDP reach the target from that source address', async () => {
    const port = await freePort();
    const tcpT = await echoServer(port);
    const udpT = await udpEchoServer(port);
    const pair = await startPair(g, { flow: 'reverse', target: `127.0.0.1:${port}`, clientQuery: 'dial=127.0.0.2' });
    await tcpEcho(pair.port, 'from .2');
    const u = new UdpClient(pair.port);
    assert.equal((await u.request(Buffer.from('udp from .2'))).toString(), 'udp from .2');
    assert.match(tcpT.peers![0], /^(::ffff:)?127\.0\.0\.2:\d+$/);
    assert.match(udpT.peers[0], /^127\.0\.0\.2:\d+$/);
    u.close();
    await tcpT.close();
    await udpT.close();
  });

  test('a source address this host does not have falls back to automatic, with an error logged once', async () => {
    const t = await echoServer();
    const port = await freePort();
    const p = g.start(`client://127.0.0.1:${port}/127.0.0.1:${t.port}?mode=1&dial=192.0.2.1`);
    await p.waitFor(/CHECK_POINT/);
    await tcpEcho(port, 'one');
    await tcpEcho(port, 'two');
    await p.waitFor(/ERROR.*dialWithRotation: fallback to system auto due to dialer failure/);
    assert.equal(p.lines.filter((l) => l.includes('fallback to system auto')).length, 1);
    assert.match(t.peers![0], /127\.0\.0\.1:\d+$/);
    await t.close();
  });
});

describe('notcp / noudp (§7.11)', () => {
  test('server notcp=1 in reverse mode: no TCP target listener, UDP still works', async () => {
    const port = await freePort();
    const tcpT = await echoServer(port);
    const udpT = await udpEchoServer(port);
    const pair = await startPair(g, { flow: 'reverse', target: `127.0.0.1:${port}`, serverQuery: 'notcp=1' });
    assert.equal(await tcpRefused(pair.port), true);
    const u = new UdpClient(pair.port);
    assert.equal((await u.request(Buffer.from('udp ok'))).toString(), 'udp ok');
    assert.match(pair.server.output(), /Server started: .*notcp=1&noudp=0/);
    u.close();
    await tcpT.close();
    await udpT.close();
  });

  test('client noudp=1 with flow +: no UDP target listener, TCP still works', async () => {
    const port = await freePort();
    const tcpT = await echoServer(port);
    const udpT = await udpEchoServer(port);
    const pair = await startPair(g, { flow: 'forward', target: `127.0.0.1:${port}`, clientQuery: 'noudp=1' });
    await tcpEcho(pair.port, 'tcp ok');
    assert.equal(await udpFree(pair.port), true, 'the UDP target address is not bound');
    await tcpT.close();
    await udpT.close();
  });

  test('egress side notcp=1 ignores tcp signals: the user gets no answer, UDP works', async () => {
    const port = await freePort();
    const tcpT = await echoServer(port);
    const udpT = await udpEchoServer(port);
    const pair = await startPair(g, { flow: 'reverse', target: `127.0.0.1:${port}`, clientQuery: 'notcp=1' });
    const c = new TcpClient(pair.port);
    await c.connected;
    c.write('anyone?');
    await assert.rejects(c.waitBytes(1, 1000), /got 0\/1 bytes/);
    assert.equal(tcpT.connections, 0);
    c.close();
    const u = new UdpClient(pair.port);
    assert.equal((await u.request(Buffer.from('udp ok'))).toString(), 'udp ok');
    u.close();
    await tcpT.close();
    await udpT.close();
  });

  test('single-end notcp=1 binds only UDP; noudp=1 binds only TCP', async () => {
    const port = await freePort();
    const tcpT = await echoServer(port);
    const udpT = await udpEchoServer(port);
    const a = await freePort();
    const pa = g.start(`client://127.0.0.1:${a}/127.0.0.1:${port}?mode=1&notcp=1`);
    await pa.waitFor(/CHECK_POINT/);
    assert.equal(await tcpRefused(a), true);
    const u = new UdpClient(a);
    assert.equal((await u.request(Buffer.from('udp ok'))).toString(), 'udp ok');
    u.close();
    const b = await freePort();
    const pb = g.start(`client://127.0.0.1:${b}/127.0.0.1:${port}?mode=1&noudp=1`);
    await pb.waitFor(/CHECK_POINT/);
    await tcpEcho(b, 'tcp ok');
    assert.equal(await udpFree(b), true);
    await tcpT.close();
    await udpT.close();
  });
});
