// One pooled stream while it waits under its ID, over a real TCP connection: bytes that arrive
// before anyone claims it are kept (each read as it came) and handed over with it, its end is
// noticed, a flood is paused rather than buffered, and release() lets the peer read everything.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { PoolConn } from '../../../engine/pool/pool-conn';
import { randomData, sha256 } from '../../helpers/net';
import { until } from '../../helpers/wait';

async function pair(t: TestContext): Promise<[net.Socket, net.Socket]> {
  const srv = net.createServer({ allowHalfOpen: true });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const accepted = new Promise<net.Socket>((r) => srv.once('connection', r));
  const a = net.connect({ port: (srv.address() as net.AddressInfo).port, host: '127.0.0.1', allowHalfOpen: true });
  const b = await accepted;
  srv.close();
  for (const s of [a, b]) s.on('error', () => {});
  t.after(() => {
    a.destroy();
    b.destroy();
  });
  return [a, b];
}

test('bytes that arrive while the stream is idle come with it when claimed, chunk by chunk, with its end', async (t) => {
  const [peer, ours] = await pair(t);
  const conn = new PoolConn('0a0b0c0d', ours, '127.0.0.1', '127.0.0.1:1');
  const seen: number[] = [];
  conn.idleDataHook = (c) => seen.push(c.earlyData.length);
  conn.watch();
  peer.write('first');
  await until('the first chunk', () => conn.hasEarlyData);
  peer.end('second');
  await until('both chunks and the end', () => seen.at(-1) === 11 && ours.readableEnded);
  const c = conn.claim();
  assert.equal(c.head?.toString(), 'firstsecond');
  assert.deepEqual(
    c.chunks.map((b) => b.toString()),
    ['first', 'second'],
  );
  assert.equal(c.ended, true);
  assert.equal(c.stream, ours);
  assert.equal(ours.isPaused(), true, 'handed over paused');
  assert.equal(conn.hasEarlyData, false);
});

test('an idle stream that dies is reported to its pool', async (t) => {
  const [peer, ours] = await pair(t);
  const conn = new PoolConn('0a0b0c0d', ours, '127.0.0.1', '127.0.0.1:1');
  let dropped = 0;
  conn.dropped = () => dropped++;
  conn.watch();
  peer.destroy();
  await until('the drop', () => dropped > 0);
});

test('a flood on an idle stream is paused at 256 KiB (the kernel holds the rest), and nothing is lost', async (t) => {
  const [peer, ours] = await pair(t);
  const conn = new PoolConn('0a0b0c0d', ours, '127.0.0.1', '127.0.0.1:1');
  conn.watch();
  const data = randomData(4 * 1024 * 1024);
  peer.end(data);
  await until('the pause', () => ours.isPaused() && conn.earlyData.length >= 256 * 1024);
  const held = conn.earlyData.length;
  assert.ok(held < 1024 * 1024, `held ${held} bytes in memory`);
  const c = conn.claim();
  const rest: Buffer[] = [];
  c.stream.on('data', (d: Buffer) => rest.push(d));
  const ended = new Promise<void>((r) => c.stream.once('end', () => r()));
  c.stream.resume();
  await ended;
  assert.equal(sha256(Buffer.concat([c.head!, ...rest])), sha256(data));
});

test('release() delivers what was written, then FIN, and reads and drops what the peer still sends', async (t) => {
  const [peer, ours] = await pair(t);
  const conn = new PoolConn('0a0b0c0d', ours, '127.0.0.1', '127.0.0.1:1');
  const data = randomData(2 * 1024 * 1024);
  ours.write(data);
  conn.release(5000);
  const got: Buffer[] = [];
  peer.on('data', (d: Buffer) => got.push(d));
  // The peer keeps talking while it reads; our side must not answer with a reset.
  peer.write(randomData(64 * 1024));
  await new Promise<void>((resolve, reject) => {
    peer.once('end', () => resolve());
    peer.once('error', reject);
  });
  assert.equal(sha256(Buffer.concat(got)), sha256(data));
  peer.end();
  await until('our side closing once the peer has', () => ours.destroyed);
});
