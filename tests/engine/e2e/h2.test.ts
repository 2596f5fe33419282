// HTTP/2 pool (type 3) end to end through bin/nodepass: tls=0 is promoted to 1 (spec §2.6), and
// a stream from another address than the handshake's is answered 403 `unauthorized` (§5.5).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import { echoIntact } from '../../helpers/net';
import { ready, reversePair } from '../../helpers/tunnel';
import { streamPoolCases } from './stream-pools';

const { group, echo } = streamPoolCases({
  type: 3,
  // tls=0 asked for, tls=1 served; the client's own `type` is ignored.
  reverse: { serverQuery: 'type=3&tls=0', clientQuery: 'type=2', tls: 1 },
  forward: { serverQuery: 'type=3', clientQuery: 'type=0', tls: 1 },
});

async function postStream(port: number, localAddress: string): Promise<{ status: number; body: string }> {
  const raw = net.connect({ host: '127.0.0.1', port, localAddress });
  const sock = tls.connect({ socket: raw, ALPNProtocols: ['h2'], rejectUnauthorized: false });
  await new Promise<void>((resolve, reject) => {
    sock.once('secureConnect', () => resolve());
    sock.once('error', reject);
  });
  const s = http2.connect('https://none', { createConnection: () => sock });
  try {
    const req = s.request({ ':method': 'POST', ':path': '/stream', ':authority': 'none' }, { endStream: false });
    req.write(Buffer.from([0]));
    const status = await new Promise<number>((resolve, reject) => {
      req.once('response', (h) => resolve(Number(h[':status'])));
      req.once('error', reject);
    });
    let body = '';
    await new Promise<void>((resolve) => {
      req.on('data', (d: Buffer) => {
        body += d.toString('latin1');
        if (status === 200 && body.length >= 4) resolve();
      });
      req.once('end', () => resolve());
    });
    return { status, body };
  } finally {
    s.destroy();
  }
}

test('type=3 with tls=0 runs at tls 1, and a stream from another source IP gets 403 unauthorized', async () => {
  const p = await reversePair(group, echo().port, { serverQuery: 'type=3&tls=0' });
  await ready(p, 1);
  assert.match(p.server.output(), /TLS code-1: RAM cert with TLS 1\.3 for stream pool/);
  const foreign = await postStream(p.tunnelPort, '127.0.0.2');
  assert.deepEqual(foreign, { status: 403, body: 'unauthorized\n' });
  // The same request from the handshake's address is served (so the 403 is about the address).
  const own = await postStream(p.tunnelPort, '127.0.0.1');
  assert.equal(own.status, 200);
  assert.equal(own.body.length, 4);
});

test('a client that stops (all its streams reset at once) leaves the server serving the next client', async () => {
  // The server reacts to the first reset (the control stream) by closing the pool's idle streams
  // while the other resets are still being read: that must neither abort nor spin the process.
  const p = await reversePair(group, echo().port, { serverQuery: 'type=3&tls=1' });
  await ready(p, 1);
  await p.client.waitFor(/CHECK_POINT\|.*POOL=(?:[2-9]\d|\d{3,})\|/, 15000);
  const mark = p.server.lines.length;
  await p.client.stop('SIGTERM');
  await p.server.waitFor(/Tunnel session ended/, 5000, mark);
  const next = group.start(`client://127.0.0.1:${p.tunnelPort}/127.0.0.1:${echo().port}`);
  await next.waitFor(/TLS certificate fingerprint verified/, 15000);
  await echoIntact(p.entryPort, 2 * 1024 * 1024, 20000);
  assert.equal(p.server.exitCode, null, 'the server is still running');
});
