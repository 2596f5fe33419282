// Type 0 over real sockets: a plain TCP or TLS 1.3 connection per pooled stream. The server side
// owns silent connections at tls=0 and ClientHellos with TLS; the client side presents what the
// server's certificate was; the descriptor builds both ends from an instance's narrow context.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { readId } from '../../../engine/pool/client-pool';
import { ServerPool } from '../../../engine/pool/server-pool';
import { tcpTransport, TcpClientTransport, TcpServerTransport } from '../../../engine/pool/tcp-transport';
import type { PooledStream } from '../../../engine/pool/transport';
import { ramTls, type ServerTls } from '../../../engine/tls/context';
import { certFingerprint } from '../../../engine/tls/fingerprint';
import { randomData, sha256 } from '../../helpers/net';
import { until } from '../../helpers/wait';

/** A tunnel port handing every accepted socket to `transport` as the server does (paused, no head). */
async function port(t: TestContext, take: (s: net.Socket) => void): Promise<number> {
  const sockets = new Set<net.Socket>();
  const srv = net.createServer({ pauseOnConnect: true, allowHalfOpen: true }, (s) => {
    sockets.add(s);
    s.on('error', () => {});
    take(s);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  t.after(() => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((r) => srv.close(() => r()));
  });
  return (srv.address() as net.AddressInfo).port;
}

function echo(s: PooledStream): void {
  s.stream.on('error', () => {});
  s.stream.pipe(s.stream);
}

async function echoThrough(stream: PooledStream['stream'], data: Buffer): Promise<Buffer> {
  const chunks: Buffer[] = [];
  stream.on('data', (d: Buffer) => chunks.push(d));
  const ended = new Promise<void>((r) => stream.once('end', () => r()));
  stream.resume();
  stream.end(data);
  await ended;
  return Buffer.concat(chunks);
}

for (const mode of [0, 1] as const) {
  test(`tls=${mode}: a pooled stream carries bytes both ways and says who is on the other end`, async (t) => {
    const serverTls: ServerTls | null = mode ? await ramTls('test') : null;
    const got: PooledStream[] = [];
    const server = new TcpServerTransport({ tls: serverTls, keepAliveMs: 5000, handshakeTimeoutMs: 5000, onStream: (s) => (got.push(s), echo(s)) });
    t.after(() => server.close());
    const p = await port(t, (s) => server.takeSocket(s, Buffer.alloc(0)));
    const client = new TcpClientTransport({ target: async () => ({ host: '127.0.0.1', port: p }), tls: mode, serverName: '', dialTimeoutMs: 5000, keepAliveMs: 5000 });
    const opened = await client.open();
    t.after(() => opened.stream.destroy());
    const data = randomData(1024 * 1024);
    assert.equal(sha256(await echoThrough(opened.stream, data)), sha256(data));
    assert.equal(opened.remoteIp, '127.0.0.1');
    assert.equal(opened.remoteAddr, `127.0.0.1:${p}`);
    assert.equal(got.length, 1);
    assert.equal(got[0].remoteIp, '127.0.0.1');
    if (serverTls) assert.equal(certFingerprint(opened.peerCert!), serverTls.fingerprint());
    else assert.equal(opened.peerCert, undefined);
  });
}

test('owns(): at tls=0 only a silent connection is a pooled one; with TLS only a ClientHello', async () => {
  const plain = new TcpServerTransport({ tls: null, keepAliveMs: 1000, handshakeTimeoutMs: 1000, onStream: () => {} });
  assert.equal(plain.owns(null), true);
  assert.equal(plain.owns(Buffer.from('GET / HTTP/1.1\r\n')), false);
  const secure = new TcpServerTransport({ tls: await ramTls('test'), keepAliveMs: 1000, handshakeTimeoutMs: 1000, onStream: () => {} });
  assert.equal(secure.owns(null), false);
  assert.equal(secure.owns(Buffer.from([0x16, 0x03, 0x01])), true);
  assert.equal(secure.owns(Buffer.from('GET / HTTP/1.1\r\n')), false);
});

test('a client that fails the TLS handshake is reported and dropped; a closed transport takes nothing', async (t) => {
  const errors: string[] = [];
  const streams: PooledStream[] = [];
  const server = new TcpServerTransport({
    tls: await ramTls('test'),
    keepAliveMs: 5000,
    handshakeTimeoutMs: 5000,
    onStream: (s) => streams.push(s),
    onError: (e) => errors.push(e.message),
  });
  const p = await port(t, (s) => server.takeSocket(s, Buffer.alloc(0)));
  const garbage = net.connect(p, '127.0.0.1');
  garbage.on('error', () => {});
  garbage.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  const closed = new Promise<void>((r) => garbage.once('close', () => r()));
  await until('the handshake error', () => errors.length === 1);
  assert.match(errors[0], /^TLS handshake: /);
  await closed;

  server.close();
  const late = net.connect(p, '127.0.0.1');
  late.on('error', () => {});
  await new Promise<void>((r) => late.once('close', () => r()));
  assert.equal(streams.length, 0);
});

test('a dial that cannot connect rejects with the Go-style reason', async () => {
  const client = new TcpClientTransport({ target: async () => ({ host: '127.0.0.1', port: 1 }), tls: 0, serverName: '', dialTimeoutMs: 2000, keepAliveMs: 5000 });
  await assert.rejects(client.open(), { message: 'dial tcp 127.0.0.1:1: connect: connection refused' });
});

test('the descriptor builds both ends from a narrow context; refusals are logged at debug', async (t) => {
  const debug: string[] = [];
  const logger = { debug: (m: string) => debug.push(m), warn: () => {}, error: () => {} };
  const pool = new ServerPool({ max: 1, clientIp: '' });
  t.after(() => pool.close());
  const ctx = { tunnel: { host: '127.0.0.1', port: 0 }, tls: null, keepAliveMs: 5000, handshakeTimeoutMs: 5000, logger, onHandshake: () => {} };
  const server = tcpTransport.server(ctx, pool, null);
  const p = await port(t, (s) => server.takeSocket(s, Buffer.alloc(0)));
  const client = tcpTransport.client(
    { resolve: async () => ({ host: '127.0.0.1', port: p }), host: '127.0.0.1', portText: String(p), serverName: '', keepAliveMs: 5000, handshakeTimeoutMs: 5000, dialTimeoutMs: 5000, logger },
    { tls: 0, max: 1 },
  );
  const first = await client.open();
  t.after(() => first.stream.destroy());
  assert.equal(await readId(first.stream, 5000), '00000000');
  // The pool holds max=1 idle stream: the next is refused and the refusal logged.
  const second = await client.open();
  t.after(() => second.stream.destroy());
  await until('the refusal', () => debug.some((l) => /^Tunnel pool: refused 127\.0\.0\.1:\d+: pool full$/.test(l)));
  await assert.rejects(readId(second.stream, 5000), { message: 'connection closed before its ID arrived' });
});
