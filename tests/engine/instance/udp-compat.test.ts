// UDP against a peer that speaks exactly NodePass v1.14's wire (a Go NodePass: no feature header
// in the handshake answer, each datagram one raw write, every read one datagram), played here by
// hand over real sockets. Also: between two of our own peers, framing is negotiated (an empty
// datagram survives, which raw writes cannot carry).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { freePort, UdpClient, udpEchoServer, datagramLadder, udpEchoCheck } from '../../helpers/net';
import { ProcessGroup } from '../../helpers/proc';
import { startPair } from '../../helpers/tunnel';
import { decodeSignal, encodeSignal, LineSplitter, type Signal } from '../../../engine/wire/signal';
import { authToken } from '../../../engine/wire/token';
import { portDerivedKey } from '../../../engine/wire/fnv';

const g = new ProcessGroup();
const cleanups: Array<() => void> = [];
after(async () => {
  for (const c of cleanups) c();
  await g.stopAll();
});

/** Reads from a socket until `pred` accepts the bytes so far. */
function readUntil(s: net.Socket, pred: (b: Buffer) => boolean, timeoutMs = 3000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const t = setTimeout(() => reject(new Error(`readUntil: timeout with ${buf.length} bytes`)), timeoutMs);
    const on = (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      if (pred(buf)) {
        clearTimeout(t);
        s.off('data', on);
        s.pause();
        resolve(buf);
      }
    };
    s.on('data', on);
    s.resume();
  });
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1', noDelay: true }, () => resolve(s));
    s.once('error', reject);
  });
}

/** The control channel of a hand-played Go peer: answers pings, hands other signals over. */
function control(sock: net.Socket, key: Buffer, onSignal: (s: Signal) => void): (s: Signal) => void {
  const split = new LineSplitter(65536, (line) => {
    const r = decodeSignal(line, key);
    if (!r.ok) return;
    if (r.signal.action === 'ping') sock.write(encodeSignal({ action: 'pong' }, key));
    else onSignal(r.signal);
  }, () => {});
  sock.on('data', (c: Buffer) => split.push(c));
  sock.resume();
  const ping = setInterval(() => sock.write(encodeSignal({ action: 'ping' }, key)), 500);
  cleanups.push(() => clearInterval(ping));
  return (s) => sock.write(encodeSignal(s, key));
}

describe('UDP with a v1.14 (Go) peer', () => {
  test('our server as ingress: raw datagrams on the pooled connection, no features offered', async () => {
    const tunnel = await freePort();
    const user = await freePort();
    const key = portDerivedKey(String(tunnel));
    const server = g.start(`server://127.0.0.1:${tunnel}/127.0.0.1:${user}?mode=1`);
    await server.waitFor(/Pending tunnel handshake/);

    // Handshake exactly as Go's HTTP client sends it (no X-NodePass-Features).
    const hs = await connect(tunnel);
    hs.write(`GET / HTTP/1.1\r\nHost: none\r\nUser-Agent: Go-http-client/1.1\r\nAuthorization: Bearer ${authToken(key)}\r\nAccept-Encoding: gzip\r\n\r\n`);
    const resp = (await readUntil(hs, (b) => b.includes('\n}\n') || /\r\n\r\n\{.*\}\n/s.test(b.toString()))).toString();
    hs.destroy();
    assert.match(resp, /^HTTP\/1\.1 200/);
    const body = JSON.parse(resp.slice(resp.indexOf('\r\n\r\n') + 4));
    assert.deepEqual(body, { flow: '-', max: 1024, tls: '0', type: '0' });

    // Pool: the first connection gets 00000000 and becomes the control channel.
    const pool = new Map<string, net.Socket>();
    for (let i = 0; i < 4; i++) {
      const s = await connect(tunnel);
      const id = (await readUntil(s, (b) => b.length >= 4)).subarray(0, 4).toString('hex');
      pool.set(id, s);
      cleanups.push(() => s.destroy());
    }
    assert.ok(pool.has('00000000'));
    const seen: Buffer[] = [];
    const udpSignals: Signal[] = [];
    control(pool.get('00000000')!, Buffer.from(key), (s) => {
      if (s.action !== 'udp') return;
      udpSignals.push(s);
      // The egress side of a Go peer: each read is one datagram; echo it with one write.
      const conn = pool.get(s.id!)!;
      conn.on('data', (c: Buffer) => {
        seen.push(c);
        conn.write(c);
      });
      conn.resume();
    });
    await server.waitFor(/CHECK_POINT/);

    const c = new UdpClient(user);
    await c.bind();
    const datagrams = datagramLadder(40, 1400);
    await udpEchoCheck(c, datagrams);
    assert.equal(udpSignals.length, 1);
    assert.equal(udpSignals[0].remote, `127.0.0.1:${c.localPort}`);
    // On the wire: the payloads themselves, one per read, no length prefix.
    assert.deepEqual(seen.map((b) => b.toString('hex')), datagrams.map((b) => b.toString('hex')));
    c.close();
  });

  test('our client as egress: a udp signal from a Go server, raw writes both ways', async () => {
    const echo = await udpEchoServer();
    const fake = net.createServer();
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', () => r()));
    cleanups.push(() => fake.close());
    const tunnel = (fake.address() as net.AddressInfo).port;
    const key = portDerivedKey(String(tunnel));
    let handshook = false;
    let nextId = 0;
    const pool = new Map<string, net.Socket>();
    const poolReady = new Promise<void>((resolveReady) => {
      fake.on('connection', (s) => {
        s.on('error', () => {});
        cleanups.push(() => s.destroy());
        if (!handshook) {
          handshook = true;
          void readUntil(s, (b) => b.includes('\r\n\r\n')).then((req) => {
            assert.match(req.toString(), new RegExp(`Authorization: Bearer ${authToken(key)}`));
            const body = '{"flow":"-","max":1024,"tls":"0","type":"0"}\n';
            s.end(`HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
          });
          return;
        }
        const id = nextId === 0 ? '00000000' : (0x10000000 + nextId).toString(16);
        nextId++;
        s.write(Buffer.from(id, 'hex'));
        pool.set(id, s);
        if (pool.size === 3) resolveReady();
      });
    });
    const client = g.start(`client://127.0.0.1:${tunnel}/127.0.0.1:${echo.port}?mode=2&min=3`);
    await poolReady;
    const send = control(pool.get('00000000')!, Buffer.from(key), () => {});
    await client.waitFor(/CHECK_POINT/);

    const [id, conn] = [...pool.entries()].find(([i]) => i !== '00000000')!;
    const replies: Buffer[] = [];
    conn.on('data', (c: Buffer) => replies.push(c));
    conn.resume();
    send({ action: 'udp', remote: '203.0.113.9:40000', id });
    const datagrams = datagramLadder(20, 1200);
    for (const d of datagrams) {
      const before = replies.length;
      conn.write(d);
      const t0 = Date.now();
      while (replies.length === before && Date.now() - t0 < 3000) await new Promise((r) => setTimeout(r, 5));
      assert.equal(replies.length, before + 1, 'one reply write per datagram');
    }
    assert.deepEqual(replies.map((b) => b.toString('hex')), datagrams.map((b) => b.toString('hex')));
    assert.equal(echo.datagrams, 20);
    assert.equal(echo.peers.length, 1);
    await echo.close();
  });
});

describe('UDP between two NodePass Desktop peers', () => {
  test('framing is negotiated: an empty datagram crosses the tunnel', async () => {
    const echo = await udpEchoServer();
    const pair = await startPair(g, { flow: 'reverse', target: `127.0.0.1:${echo.port}` });
    const c = new UdpClient(pair.port);
    await udpEchoCheck(c, [Buffer.alloc(0), Buffer.from('x'), Buffer.alloc(0)]);
    assert.equal(echo.datagrams, 3);
    c.close();
    await echo.close();
  });
});
