// The server pool over real TLS streams: an ID is on the wire before its stream can be handed out,
// and a stream handed out and released at once (what a `verify` probe is) still delivers its ID —
// a v1.14 client only knows a stream by the ID it read.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { ServerPool } from '../../../engine/pool/server-pool';
import { TcpServerTransport } from '../../../engine/pool/tcp-transport';
import { ramTls } from '../../../engine/tls/context';

/** Reads the 4 ID bytes as a v1.14 client does: after its own handshake, whenever they come. */
function readIdAfterHandshake(t0: TestContext, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const t = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false, minVersion: 'TLSv1.3' });
    t0.after(() => t.destroy());
    let got = Buffer.alloc(0);
    t.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d]);
      if (got.length >= 4) {
        resolve(got.subarray(0, 4).toString('hex'));
        t.destroy();
      }
    });
    t.on('error', (e) => reject(new Error(`client: ${e.message} after ${got.length} bytes`)));
    t.on('close', () => reject(new Error(`client: closed after ${got.length} bytes`)));
  });
}

test('every stream taken from the pool the moment it is available has its ID delivered to the client', async (t) => {
  const serverTls = await ramTls('test');
  const pool = new ServerPool({ max: 1024, clientIp: '' });
  const transport = new TcpServerTransport({ tls: serverTls, keepAliveMs: 5000, handshakeTimeoutMs: 5000, onStream: (s) => pool.offer(s) });
  const taken: string[] = [];
  // Like Session.sendVerify: take the oldest idle stream as soon as there is one, name it, release it.
  pool.onChange = () => {
    if (pool.active() === 0) return;
    void pool.incomingGet(1000).then((c) => {
      taken.push(c.id);
      c.release();
    });
  };
  const accepted = new Set<net.Socket>();
  const server = net.createServer({ pauseOnConnect: true }, (s) => {
    accepted.add(s);
    transport.takeSocket(s, Buffer.alloc(0));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    pool.close();
    server.close();
    for (const s of accepted) s.destroy();
  });
  const port = (server.address() as net.AddressInfo).port;

  const read = await Promise.all(Array.from({ length: 40 }, () => readIdAfterHandshake(t, port)));
  assert.equal(new Set(read).size, 40, 'every client read a distinct ID');
  assert.ok(read.includes('00000000'), 'the first ID is 00000000');
  await waitFor(() => taken.length === 40);
  assert.deepEqual([...taken].sort(), [...read].sort(), 'every ID handed out is one a client received');
});

test('a pooled stream is not available while its ID write is still queued', async (t) => {
  const serverTls = await ramTls('test');
  const pool = new ServerPool({ max: 4, clientIp: '' });
  let offered: tls.TLSSocket | null = null;
  const transport = new TcpServerTransport({
    tls: serverTls,
    keepAliveMs: 5000,
    handshakeTimeoutMs: 5000,
    onStream: (s) => {
      offered = s.stream as tls.TLSSocket;
      // Hold the socket's writes back (a full send buffer), as a slow peer would.
      offered.cork();
      pool.offer(s);
    },
  });
  const accepted = new Set<net.Socket>();
  const server = net.createServer({ pauseOnConnect: true }, (s) => {
    accepted.add(s);
    transport.takeSocket(s, Buffer.alloc(0));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    pool.close();
    server.close();
    for (const s of accepted) s.destroy();
  });
  const port = (server.address() as net.AddressInfo).port;
  const id = readIdAfterHandshake(t, port);
  await waitFor(() => offered !== null);
  await assert.rejects(pool.incomingGet(300), /insufficient/, 'nothing is handed out before the ID has left');
  assert.equal(pool.active(), 0);
  offered!.uncork();
  const conn = await pool.incomingGet(2000);
  assert.equal(await id, conn.id);
  conn.close();
});

async function waitFor(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A real TCP connection: [the end a pool would be offered, the peer's end]. */
async function connected(t: TestContext): Promise<[net.Socket, net.Socket]> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const accepted = new Promise<net.Socket>((r) => srv.once('connection', r));
  const peer = net.connect((srv.address() as net.AddressInfo).port, '127.0.0.1');
  const ours = await accepted;
  srv.close();
  for (const s of [ours, peer]) s.on('error', () => {});
  t.after(() => {
    ours.destroy();
    peer.destroy();
  });
  return [ours, peer];
}

function closedByPool(peer: net.Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the refused stream was not closed')), 5000);
    peer.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    peer.resume();
  });
}

test('offers are refused, and their streams closed, from another IP than the pinned one, beyond max, and after close', async (t) => {
  const pinned = new ServerPool({ max: 4, clientIp: '127.0.0.1' });
  t.after(() => pinned.close());
  {
    const [ours, peer] = await connected(t);
    assert.equal(pinned.offer({ stream: ours, remoteIp: '192.0.2.7', remoteAddr: '192.0.2.7:4000' }), 'unauthorized IP 192.0.2.7');
    await closedByPool(peer);
  }
  const small = new ServerPool({ max: 1, clientIp: '' });
  t.after(() => small.close());
  {
    const [ours] = await connected(t);
    assert.equal(small.offer({ stream: ours, remoteIp: '127.0.0.1', remoteAddr: '127.0.0.1:1' }), null);
    const [more, peer] = await connected(t);
    // The first stream counts against max from the moment its ID is being written.
    assert.equal(small.offer({ stream: more, remoteIp: '127.0.0.1', remoteAddr: '127.0.0.1:2' }), 'pool full');
    await closedByPool(peer);
  }
  small.close();
  {
    const [ours, peer] = await connected(t);
    assert.equal(small.offer({ stream: ours, remoteIp: '127.0.0.1', remoteAddr: '127.0.0.1:3' }), 'pool closed');
    await closedByPool(peer);
  }
});
