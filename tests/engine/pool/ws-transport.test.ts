// The WebSocket pool transport (type 2) over real sockets: wire format as a Go peer sees it, the
// half-close two Desktop peers agree on, refusals, TLS, and the handshake sharing the port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { X509Certificate } from 'node:crypto';
import WebSocket from 'ws';
import { readId } from '../../../engine/pool/client-pool';
import { ServerPool } from '../../../engine/pool/server-pool';
import type { PooledStream } from '../../../engine/pool/transport';
import { WsClientTransport, WsServerTransport } from '../../../engine/pool/ws-transport';
import { ramTls, type ServerTls } from '../../../engine/tls/context';
import { certFingerprint } from '../../../engine/tls/fingerprint';
import { randomData, sha256 } from '../../helpers/net';
import { nextValue, readAll, tunnelPort } from './tunnel-port';

async function setup(o: { tls?: ServerTls | null; max?: number } = {}) {
  const pool = new ServerPool({ max: o.max ?? 16, clientIp: '' });
  const handshakes = nextValue<{ sock: net.Socket; bytes: Buffer }>();
  const errors: string[] = [];
  const transport = new WsServerTransport({
    tls: o.tls ?? null,
    keepAliveMs: 5000,
    handshakeTimeoutMs: 3000,
    full: () => pool.full,
    onStream: (s) => {
      const why = pool.offer(s);
      if (why) errors.push(why);
    },
    onHandshake: (sock, bytes) => handshakes.push({ sock, bytes }),
    onError: (e) => errors.push(e.message),
  });
  const port = await tunnelPort(() => transport);
  const client = (tlsCode: 0 | 1 | 2 = o.tls ? 1 : 0, urlPort = String(port.port)) =>
    new WsClientTransport({
      target: async () => ({ host: '127.0.0.1', port: port.port }),
      host: '127.0.0.1',
      port: urlPort,
      tls: tlsCode,
      dialTimeoutMs: 3000,
      handshakeTimeoutMs: 3000,
      keepAliveMs: 5000,
    });
  return {
    pool,
    transport,
    port,
    handshakes,
    errors,
    client,
    close: async () => {
      pool.close();
      transport.close();
      await port.close();
    },
  };
}

/** Opens a pooled stream the way ClientPool does and claims the server's end of it. */
async function pair(t: Awaited<ReturnType<typeof setup>>, c = t.client()) {
  const opened: PooledStream = await c.open();
  const id = await readId(opened.stream, 3000);
  const conn = await t.pool.outgoingGet(id, 3000);
  const server = conn.claim().stream;
  return { id, client: opened, server };
}

test('ws:// stream: first ID 00000000, 1 MiB each way, and half-close keeps the other direction open', async () => {
  const t = await setup();
  try {
    const { id, client, server } = await pair(t);
    assert.equal(id, '00000000');
    assert.equal(client.peerCert, undefined);
    const up = randomData(1 << 20);
    const down = randomData(1 << 20);
    const serverGot = readAll(server);
    client.stream.end(up);
    assert.equal(sha256(await serverGot), sha256(up), 'client → server bytes');
    // The client has finished sending; the server still answers on the same stream.
    const clientGot = readAll(client.stream);
    server.end(down);
    assert.equal(sha256(await clientGot), sha256(down), 'server → client bytes after the client half-closed');
    const second = await pair(t);
    assert.notEqual(second.id, '00000000');
    assert.match(second.id, /^[0-9a-f]{8}$/);
    second.client.stream.destroy();
    second.server.destroy();
  } finally {
    await t.close();
  }
});

test('a Go-style peer (plain WebSocket, any path) sees the ID as one 4-byte binary message and each write as one message', async () => {
  const t = await setup();
  try {
    const ws = new WebSocket(`ws://127.0.0.1:${t.port.port}/any/path?x=1`, { perMessageDeflate: false });
    const messages = nextValue<{ data: Buffer; binary: boolean }>();
    ws.on('message', (data, binary) => messages.push({ data: data as Buffer, binary }));
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    const first = await messages.next();
    assert.equal(first.binary, true);
    assert.equal(first.data.length, 4);
    assert.equal(first.data.toString('hex'), '00000000');
    const server = (await t.pool.outgoingGet('00000000', 3000)).claim().stream;
    server.write(Buffer.from('abc'));
    server.write(Buffer.from('defg'));
    const m1 = await messages.next();
    const m2 = await messages.next();
    assert.deepEqual([m1.data.toString(), m2.data.toString()], ['abc', 'defg']);
    assert.ok(m1.binary && m2.binary);
    const got = nextValue<string>();
    server.on('data', (d: Buffer) => got.push(d.toString()));
    server.resume();
    ws.send(Buffer.from('xyz'));
    assert.equal(await got.next(), 'xyz');
    // Without the Desktop extension, ending our side is a normal close frame.
    server.end();
    assert.equal(await closed, 1000);
  } finally {
    await t.close();
  }
});

test('the upgrade request: GET / with Host = tunnel host (no port) and no compression', async () => {
  const heads = nextValue<string>();
  const srv = net.createServer((s) => {
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString('latin1');
      if (buf.includes('\r\n\r\n')) {
        heads.push(buf);
        s.end('HTTP/1.1 503 Service Unavailable\r\nContent-Length: 10\r\nConnection: close\r\n\r\npool full\n');
      }
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  try {
    const c = new WsClientTransport({
      target: async () => ({ host: '127.0.0.1', port }),
      host: 'tunnel.example',
      port: '10101',
      tls: 0,
      dialTimeoutMs: 3000,
      handshakeTimeoutMs: 3000,
      keepAliveMs: 5000,
    });
    await assert.rejects(c.open(), /websocket upgrade refused: 503 pool full/);
    const lines = (await heads.next()).split('\r\n');
    assert.equal(lines[0], 'GET / HTTP/1.1');
    const header = (name: string) => lines.find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`))?.split(': ')[1];
    assert.equal(header('Host'), 'tunnel.example');
    assert.equal(header('Upgrade')?.toLowerCase(), 'websocket');
    assert.equal(header('Sec-WebSocket-Version'), '13');
    assert.equal(header('Sec-WebSocket-Extensions'), undefined, 'no permessage-deflate offered');
  } finally {
    srv.close();
  }
});

test('a full pool answers the upgrade with 503 pool full', async () => {
  const t = await setup({ max: 1 });
  try {
    const c = t.client();
    const first = await c.open();
    assert.equal(await readId(first.stream, 3000), '00000000');
    await assert.rejects(c.open(), /websocket upgrade refused: 503 pool full/);
    first.stream.destroy();
  } finally {
    await t.close();
  }
});

test('a plain request without Upgrade is handed to the handshake with every byte it sent', async () => {
  const t = await setup();
  try {
    const request = 'GET / HTTP/1.1\r\nHost: none\r\nAuthorization: Bearer 0123\r\nX-Extra: ' + 'y'.repeat(3000) + '\r\n\r\n';
    const sock = net.connect(t.port.port, '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    // In two pieces: the transport must gather the head before deciding.
    sock.write(request.slice(0, 20));
    await new Promise((r) => setTimeout(r, 50));
    sock.write(request.slice(20));
    const h = await t.handshakes.next();
    assert.equal(h.bytes.toString('latin1'), request);
    const reply = nextValue<string>();
    sock.on('data', (d) => reply.push(d.toString()));
    h.sock.end('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
    assert.match(await reply.next(), /^HTTP\/1\.1 200 OK/);
    sock.destroy();
  } finally {
    await t.close();
  }
});

test('wss:// at tls=1: the client learns the server certificate; plain ws:// to a TLS tunnel is refused', async () => {
  const serverTls = await ramTls('test');
  const t = await setup({ tls: serverTls });
  try {
    const { id, client, server } = await pair(t);
    assert.equal(id, '00000000');
    assert.ok(client.peerCert, 'peerCert is set');
    assert.equal(certFingerprint(client.peerCert!), serverTls.fingerprint());
    assert.equal(new X509Certificate(client.peerCert!).subject.includes('O=test'), true);
    const data = randomData(256 * 1024);
    const got = readAll(server);
    client.stream.end(data);
    assert.equal(sha256(await got), sha256(data));
    server.destroy();

    const plain = new WebSocket(`ws://127.0.0.1:${t.port.port}/`, { perMessageDeflate: false });
    const status = await new Promise<number>((resolve, reject) => {
      plain.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      plain.once('open', () => reject(new Error('a plain upgrade was accepted by a TLS tunnel')));
      plain.once('error', reject);
    });
    assert.equal(status, 400);
    plain.terminate();
  } finally {
    await t.close();
  }
});

test('tls=0 on port 443 means wss:// with certificate verification (a TLS proxy in front)', async () => {
  const t = await setup({ tls: await ramTls('test') });
  try {
    await assert.rejects(t.client(0, '443').open(), /self[- ]signed|certificate/i);
  } finally {
    await t.close();
  }
});
