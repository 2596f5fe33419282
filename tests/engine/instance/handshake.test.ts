// The tunnel handshake on real sockets: heads read in whatever pieces they arrive, bounded in size
// and time; the server's verdicts (405, 404, 401, accepted); a handshake recognised on an idle
// pooled connection; and the client side against a server that accepts, refuses or stalls.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { accept, clientHandshake, idleHandshake, judgeHandshake, readHead, refuse } from '../../../engine/instance/handshake';
import { buildRequest, buildResponse, parseHead, type HttpHead } from '../../../engine/wire/http';
import { authToken } from '../../../engine/wire/token';
import { freePort } from '../../helpers/net';

const KEY = 'tunnel-key';

/** A connected pair of real TCP sockets: [the dialling end, the accepted end]. */
async function socketPair(t: TestContext): Promise<[net.Socket, net.Socket]> {
  const server = net.createServer({ allowHalfOpen: true });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
  const dialled = net.connect({ port: (server.address() as net.AddressInfo).port, host: '127.0.0.1', allowHalfOpen: true });
  const other = await accepted;
  server.close();
  t.after(() => {
    dialled.destroy();
    other.destroy();
  });
  dialled.on('error', () => {});
  other.on('error', () => {});
  return [dialled, other];
}

function head(text: string): HttpHead {
  const r = parseHead(Buffer.from(text, 'latin1'), 'request');
  assert.equal(r.state, 'done');
  return (r as { head: HttpHead }).head;
}

/** A handshake server: judges each request, accepts with `offer` or refuses as NodePass does. */
async function handshakeServer(t: TestContext, respond?: (sock: net.Socket, h: HttpHead) => void): Promise<number> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, async (sock) => {
    sockets.add(sock);
    sock.on('error', () => {});
    const h = await readHead(sock, 'request', 5000).catch(() => null);
    if (!h) return void sock.destroy();
    if (respond) return respond(sock, h);
    const v = judgeHandshake(h, KEY);
    if (v.ok) accept(sock, { flow: '+', max: 64, tls: '1', type: '2', features: v.features });
    else refuse(sock, v.status, v.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((r) => server.close(() => r()));
  });
  return (server.address() as net.AddressInfo).port;
}

const options = (port: number, key = KEY) => ({ host: '127.0.0.1', port, portText: String(port), serverName: 'example.test', key, timeoutMs: 2000, features: ['udp-frames'] });

test('judgeHandshake answers as NodePass does: 405 for other methods, 404 for other paths, 401 without the right token', () => {
  const token = authToken(KEY);
  const ok = judgeHandshake(head(buildRequest('h', token, ['udp-frames', 'verify-control']).toString('latin1')), KEY);
  assert.deepEqual(ok, { ok: true, features: ['udp-frames', 'verify-control'] });
  assert.deepEqual(judgeHandshake(head(`POST / HTTP/1.1\r\nAuthorization: Bearer ${token}\r\n\r\n`), KEY), {
    ok: false,
    status: 405,
    body: 'Method Not Allowed\n',
    reason: 'method POST',
  });
  const path = judgeHandshake(head(`GET /admin HTTP/1.1\r\nAuthorization: Bearer ${token}\r\n\r\n`), KEY);
  assert.deepEqual(path.ok ? null : [path.status, path.body], [404, 'Not Found\n']);
  // A query string does not change the path.
  assert.equal(judgeHandshake(head(`GET /?x=1 HTTP/1.1\r\nAuthorization: Bearer ${token}\r\n\r\n`), KEY).ok, true);
  const none = judgeHandshake(head('GET / HTTP/1.1\r\n\r\n'), KEY);
  assert.deepEqual(none.ok ? null : [none.status, none.reason], [401, 'no token']);
  const wrong = judgeHandshake(head(`GET / HTTP/1.1\r\nAuthorization: Bearer ${authToken('other')}\r\n\r\n`), KEY);
  assert.deepEqual(wrong.ok ? null : [wrong.status, wrong.body, wrong.reason], [401, 'Unauthorized\n', 'wrong tunnel key']);
});

test('idleHandshake tells a handshake with our key from pooled-stream bytes, waiting while it cannot tell', () => {
  const req = buildRequest('h', authToken(KEY), []);
  assert.equal(idleHandshake(req.subarray(0, 3), KEY), 'more');
  assert.equal(idleHandshake(req.subarray(0, 20), KEY), 'more');
  assert.equal(idleHandshake(req, KEY), 'yes');
  assert.equal(idleHandshake(buildRequest('h', authToken('other'), []), KEY), 'no');
  assert.equal(idleHandshake(Buffer.from('\x16\x03\x01\x02\x00'), KEY), 'no');
  assert.equal(idleHandshake(Buffer.from('POST / HTTP/1.1\r\n\r\n'), KEY), 'no');
  assert.equal(idleHandshake(Buffer.from('GET / HTTP/1.1\r\nbroken\r\n\r\n'), KEY), 'no');
});

test('readHead assembles a head sent one byte at a time, keeps the bytes read with it, and leaves the rest in the stream', async (t) => {
  const [a, b] = await socketPair(t);
  const text = 'GET / HTTP/1.1\r\nHost: x\r\n\r';
  const reading = readHead(b, 'request', 5000);
  for (const ch of text) {
    a.write(ch);
    await new Promise((r) => setImmediate(r));
  }
  a.write('\nEXTRA');
  const h = await reading;
  assert.deepEqual([h.first, h.second, h.headers.get('host')], ['GET', '/', 'x']);
  assert.equal(h.rest.toString(), 'EXTRA');
  // readHead leaves the stream paused for its new owner.
  assert.equal(b.isPaused(), true);
  a.write('MORE');
  const more = await new Promise<Buffer>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the stream gave nothing after the head')), 5000);
    b.once('data', (d: Buffer) => {
      clearTimeout(timer);
      resolve(d);
    });
    b.resume();
  });
  assert.equal(more.toString(), 'MORE');
});

test('readHead skips the 4 ID bytes a pool-mode server writes before its status line', async (t) => {
  const [a, b] = await socketPair(t);
  a.write(Buffer.concat([Buffer.from([0xde, 0xad, 0xbe, 0xef]), buildResponse(200, '{}')]));
  const h = await readHead(b, 'response', 5000);
  assert.equal(h.first, '200');
});

test('readHead refuses garbage at once, an oversized head, a close mid-header, and silence after its deadline', async (t) => {
  {
    const [a, b] = await socketPair(t);
    a.write(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x10]));
    await assert.rejects(readHead(b, 'request', 5000), { message: 'not an HTTP request' });
  }
  {
    const [a, b] = await socketPair(t);
    a.write(`GET / HTTP/1.1\r\nX: ${'a'.repeat(20_000)}`);
    await assert.rejects(readHead(b, 'request', 5000), { message: 'header larger than 16384 bytes' });
  }
  {
    const [a, b] = await socketPair(t);
    a.end('GET / HTTP/1.1\r\nHost');
    await assert.rejects(readHead(b, 'request', 5000), { message: 'connection closed mid-header' });
  }
  {
    const [, b] = await socketPair(t);
    const t0 = Date.now();
    await assert.rejects(readHead(b, 'request', 200), { message: 'no complete header within 200ms' });
    assert.ok(Date.now() - t0 < 2000);
  }
});

test('clientHandshake reads the offer (features included) from a server that accepts its key', async (t) => {
  const port = await handshakeServer(t);
  const r = await clientHandshake(options(port));
  assert.deepEqual(r.offer, { flow: '+', max: 64, tls: '1', type: '2', features: ['udp-frames'] });
  assert.equal(r.remoteIp, '127.0.0.1');
});

test('clientHandshake says why it failed: a refused key, a refused connection, a silent server, a bad body', async (t) => {
  const port = await handshakeServer(t);
  await assert.rejects(clientHandshake(options(port, 'wrong')), { message: 'tunnelHandshake: status 401 (the server refused the tunnel key)' });

  const closed = await freePort();
  await assert.rejects(clientHandshake(options(closed)), { message: `tunnelHandshake: dial tcp 127.0.0.1:${closed}: connect: connection refused` });

  const silent = await handshakeServer(t, () => {});
  await assert.rejects(clientHandshake({ ...options(silent), timeoutMs: 300 }), { message: 'tunnelHandshake: no complete header within 300ms' });

  const garbled = await handshakeServer(t, (sock) => sock.end(buildResponse(200, '{"flow":"x"}', 'application/json')));
  await assert.rejects(clientHandshake(options(garbled)), { message: 'tunnelHandshake: invalid tunnel config: flow "x"' });
});

test('clientHandshake reads a chunked body (a proxy in front may re-encode the answer)', async (t) => {
  const body = '{"flow":"-","max":8,"tls":"0","type":"0"}\n';
  const port = await handshakeServer(t, (sock) =>
    sock.end(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`),
  );
  const r = await clientHandshake(options(port));
  assert.deepEqual(r.offer, { flow: '-', max: 8, tls: '0', type: '0', features: [] });
});

test('accept and refuse send one complete response and end the connection', async (t) => {
  for (const send of [(s: net.Socket) => accept(s, { flow: '-', max: 1, tls: '0', type: '0' }), (s: net.Socket) => refuse(s, 404, 'Not Found\n')]) {
    const [a, b] = await socketPair(t);
    send(b);
    const chunks: Buffer[] = [];
    a.on('data', (d: Buffer) => chunks.push(d));
    await new Promise<void>((r) => a.once('end', () => r()));
    const text = Buffer.concat(chunks).toString('latin1');
    assert.match(text, /^HTTP\/1\.1 (200 OK|404 Not Found)\r\n/);
    assert.match(text, /Connection: close\r\n/);
    const len = Number(/Content-Length: (\d+)/.exec(text)![1]);
    assert.equal(Buffer.byteLength(text.slice(text.indexOf('\r\n\r\n') + 4)), len);
  }
});
