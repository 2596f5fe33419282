// The HTTP/2 pool transport (type 3) over real sockets: one TLS connection per pool, the request
// and response bodies as the two directions with their own FIN, the refusals of spec §5.5 as a
// plain HTTP/2 client sees them, and recovery when the connection dies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import { readId } from '../../../engine/pool/client-pool';
import { ServerPool } from '../../../engine/pool/server-pool';
import { H2ClientTransport } from '../../../engine/pool/h2-client';
import { H2ServerTransport } from '../../../engine/pool/h2-transport';
import { ramTls, type ServerTls } from '../../../engine/tls/context';
import { certFingerprint } from '../../../engine/tls/fingerprint';
import { randomData, sha256 } from '../../helpers/net';
import { readAll, tunnelPort, type TunnelPort } from './tunnel-port';

let serverTls: ServerTls;
async function tlsOnce(): Promise<ServerTls> {
  serverTls ??= await ramTls('test');
  return serverTls;
}

async function setup(o: { max?: number; clientIp?: string } = {}) {
  const pool = new ServerPool({ max: o.max ?? 64, clientIp: o.clientIp ?? '' });
  const errors: string[] = [];
  const transport = new H2ServerTransport({
    tls: await tlsOnce(),
    keepAliveMs: 5000,
    handshakeTimeoutMs: 3000,
    maxStreams: o.max ?? 64,
    clientIp: () => pool.clientIp,
    full: () => pool.full,
    onStream: (s) => {
      const why = pool.offer(s);
      if (why) errors.push(why);
    },
    onError: (e) => errors.push(e.message),
  });
  const port = await tunnelPort(() => transport);
  const client = (target: () => Promise<{ host: string; port: number }> = async () => ({ host: '127.0.0.1', port: port.port })) =>
    new H2ClientTransport({
      target,
      tls: 1,
      serverName: 'none',
      dialTimeoutMs: 3000,
      keepAliveMs: 60_000,
      replyTimeoutMs: 3000,
      maxStreams: o.max ?? 64,
    });
  return {
    pool,
    transport,
    port,
    errors,
    client,
    close: async () => {
      pool.close();
      transport.close();
      await port.close();
    },
  };
}

async function pair(t: Awaited<ReturnType<typeof setup>>, c: H2ClientTransport) {
  const opened = await c.open();
  const id = await readId(opened.stream, 3000);
  const server = (await t.pool.outgoingGet(id, 3000)).claim().stream;
  return { id, client: opened, server };
}

/** A bare HTTP/2 client over TLS (ALPN h2), optionally from another loopback address. */
async function rawSession(port: number, localAddress?: string): Promise<http2.ClientHttp2Session> {
  const raw = net.connect({ host: '127.0.0.1', port, localAddress });
  const sock = tls.connect({ socket: raw, ALPNProtocols: ['h2'], rejectUnauthorized: false });
  await new Promise<void>((resolve, reject) => {
    sock.once('secureConnect', () => resolve());
    sock.once('error', reject);
  });
  return http2.connect('https://none', { createConnection: () => sock });
}

async function rawRequest(s: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders): Promise<{ status: number; body: Buffer }> {
  const req = s.request(headers, { endStream: false });
  req.write(Buffer.from([0]));
  const status = await new Promise<number>((resolve, reject) => {
    req.once('response', (h) => resolve(Number(h[':status'])));
    req.once('error', reject);
  });
  const body = await new Promise<Buffer>((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      chunks.push(c);
      // A parked pool stream never ends by itself: 4 bytes are the whole ID.
      if (status === 200 && Buffer.concat(chunks).length >= 4) resolve(Buffer.concat(chunks));
    });
    req.once('end', () => resolve(Buffer.concat(chunks)));
  });
  // A granted stream stays parked in the pool until the session goes; a refused one is done.
  if (status !== 200) req.close();
  return { status, body };
}

test('streams share one TLS connection; each direction ends on its own; the client gets the certificate', async () => {
  const t = await setup();
  const c = t.client();
  try {
    const a = await pair(t, c);
    assert.equal(a.id, '00000000');
    assert.equal(certFingerprint(a.client.peerCert!), (await tlsOnce()).fingerprint());
    const up = randomData(2 << 20);
    const down = randomData(2 << 20);
    const serverGot = readAll(a.server);
    a.client.stream.end(up);
    assert.equal(sha256(await serverGot), sha256(up), 'request body = client → server');
    const clientGot = readAll(a.client.stream);
    a.server.end(down);
    assert.equal(sha256(await clientGot), sha256(down), 'response body after the request body ended');

    const more = await Promise.all(Array.from({ length: 10 }, () => pair(t, c)));
    assert.equal(new Set(more.map((m) => m.id)).size, 10);
    assert.equal(t.port.sockets.length, 1, 'one TCP connection carries every stream');
    for (const m of more) {
      m.client.stream.destroy();
      m.server.destroy();
    }
  } finally {
    c.close();
    await t.close();
  }
});

test('wire: POST /stream with a 0x00 opener gets 200 and the 4-byte ID; other requests get 404 not found', async () => {
  const t = await setup({ max: 2 });
  const s = await rawSession(t.port.port);
  try {
    const ok = await rawRequest(s, { ':method': 'POST', ':path': '/stream', ':authority': 'none' });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.subarray(0, 4).toString('hex'), '00000000');
    const wrongPath = await rawRequest(s, { ':method': 'POST', ':path': '/other', ':authority': 'none' });
    assert.deepEqual([wrongPath.status, wrongPath.body.toString()], [404, 'not found\n']);
    const wrongMethod = await rawRequest(s, { ':method': 'GET', ':path': '/stream', ':authority': 'none' });
    assert.deepEqual([wrongMethod.status, wrongMethod.body.toString()], [404, 'not found\n']);
    // Fill the pool (max 2), then one more is refused the same way.
    await rawRequest(s, { ':method': 'POST', ':path': '/stream', ':authority': 'none' });
    const full = await rawRequest(s, { ':method': 'POST', ':path': '/stream', ':authority': 'none' });
    assert.deepEqual([full.status, full.body.toString()], [404, 'not found\n']);
  } finally {
    s.destroy();
    await t.close();
  }
});

test('a stream from another IP than the handshake gets 403 unauthorized', async () => {
  const t = await setup({ clientIp: '127.0.0.1' });
  try {
    const s = await rawSession(t.port.port, '127.0.0.2');
    const r = await rawRequest(s, { ':method': 'POST', ':path': '/stream', ':authority': 'none' });
    assert.deepEqual([r.status, r.body.toString()], [403, 'unauthorized\n']);
    assert.equal(t.pool.active(), 0);
    s.destroy();
    // Our own client from the pinned address is served; the refusal text reaches its error.
    const c = t.client();
    const okStream = await c.open();
    assert.equal(await readId(okStream.stream, 3000), '00000000');
    c.close();
    const pinnedElsewhere = await setup({ clientIp: '127.0.0.9' });
    const c2 = pinnedElsewhere.client();
    await assert.rejects(c2.open(), /HTTP\/2 stream refused: 403 unauthorized/);
    c2.close();
    await pinnedElsewhere.close();
  } finally {
    await t.close();
  }
});

test('a server without ALPN h2 is refused by the client, and a client without it is closed by the server', async () => {
  const plainTls = tls.createServer({ ...(await tlsOnce()).pem() }, (s) => s.on('error', () => {}));
  await new Promise<void>((r) => plainTls.listen(0, '127.0.0.1', () => r()));
  const t = await setup();
  try {
    const port = (plainTls.address() as net.AddressInfo).port;
    const c = new H2ClientTransport({
      target: async () => ({ host: '127.0.0.1', port }),
      tls: 1,
      serverName: 'none',
      dialTimeoutMs: 3000,
      keepAliveMs: 60_000,
      replyTimeoutMs: 3000,
      maxStreams: 8,
    });
    await assert.rejects(c.open(), /ALPN none instead of h2/);
    c.close();

    const sock = tls.connect({ host: '127.0.0.1', port: t.port.port, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
    sock.on('error', () => {});
    await new Promise<void>((r) => sock.once('close', () => r()));
    assert.ok(t.errors.some((e) => /ALPN|no application protocol/i.test(e)), t.errors.join('; '));
  } finally {
    plainTls.close();
    await t.close();
  }
});

test('when the connection dies its idle streams end and the next open dials a new one', async () => {
  const first = await setup();
  let target: TunnelPort = first.port;
  const c = first.client(async () => ({ host: '127.0.0.1', port: target.port }));
  try {
    const a = await c.open();
    assert.equal(await readId(a.stream, 3000), '00000000');
    const ended = new Promise<void>((resolve) => a.stream.once('close', () => resolve()));
    await first.close(); // kills the TCP connection under the HTTP/2 session
    await ended;
    const second = await setup();
    target = second.port;
    const b = await c.open();
    assert.equal(await readId(b.stream, 3000), '00000000', 'a fresh server pool answered');
    assert.equal(second.port.sockets.length, 1);
    await second.close();
  } finally {
    c.close();
  }
});

test('a connection that stops answering PINGs is replaced before new streams are opened on it', async () => {
  const t = await setup();
  // A relay in front of the server that can turn into a black hole (nothing closed, nothing passed).
  const links: Array<{ a: net.Socket; b: net.Socket }> = [];
  const proxy = net.createServer((a) => {
    const b = net.connect(t.port.port, '127.0.0.1');
    a.pipe(b).pipe(a);
    a.on('error', () => {});
    b.on('error', () => {});
    links.push({ a, b });
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
  const c = new H2ClientTransport({
    target: async () => ({ host: '127.0.0.1', port: (proxy.address() as net.AddressInfo).port }),
    tls: 1,
    serverName: 'none',
    dialTimeoutMs: 3000,
    keepAliveMs: 60_000,
    replyTimeoutMs: 300,
    maxStreams: 64,
  });
  try {
    const a = await c.open();
    assert.equal(await readId(a.stream, 3000), '00000000');
    const oldGone = new Promise<void>((r) => a.stream.once('close', () => r()));
    links[0].a.unpipe(links[0].b);
    links[0].b.unpipe(links[0].a);
    // Past the freshness window, opening a stream first PINGs; the PING goes unanswered.
    await new Promise((r) => setTimeout(r, 1100));
    const b = await c.open();
    assert.match(await readId(b.stream, 3000), /^[0-9a-f]{8}$/);
    assert.equal(links.length, 2, 'a second connection was dialled');
    await oldGone; // the idle stream went with its connection
  } finally {
    c.close();
    for (const l of links) {
      l.a.destroy();
      l.b.destroy();
    }
    proxy.close();
    await t.close();
  }
});
