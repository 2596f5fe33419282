// Token buckets and the two ways the limiter is applied: a throttling stream for TCP and a delay
// line for datagrams.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Pacer, RateLimiter, RateLimitedStream, TokenBucket } from '../../../engine/relay/rate';
import { relay } from '../../../engine/relay/tcp-relay';
import { until } from '../../helpers/wait';
import { echoServer, roundTrip, sha256, randomData } from '../../helpers/net';

test('token bucket: full burst first, then the rate; a large request goes into debt instead of blocking forever', () => {
  let now = 0;
  const b = new TokenBucket(1000, 1000, () => now);
  assert.equal(b.take(1000), 0);
  assert.equal(b.take(500), 500); // 500 bytes at 1000 B/s
  now = 500;
  assert.equal(b.take(0), 0);
  now = 1500;
  assert.equal(b.take(5000), 4000); // far beyond the bucket: pay it off in 4 s
  b.reset();
  assert.equal(b.take(1000), 0);
  assert.equal(RateLimiter.fromMbps(0), null);
  assert.equal(RateLimiter.fromMbps(8)!.bytesPerSecond, 1_000_000);
});

test('pacer: jobs run in order at the bucket rate, and a full queue drops', async () => {
  const p = new Pacer(new TokenBucket(1_000_000, 100_000), 250_000);
  const order: number[] = [];
  const t0 = Date.now();
  let accepted = 0;
  for (let i = 0; i < 40; i++) if (p.run(10_000, () => order.push(i))) accepted++;
  // 100 kB of burst runs at once, 250 kB may wait, the rest is dropped.
  assert.equal(accepted, 35);
  assert.equal(order.length, 10);
  await until('every accepted job', () => order.length === 35, 5000);
  assert.deepEqual(order, Array.from({ length: 35 }, (_, i) => i));
  // 250 kB beyond the burst at 1 MB/s take about 250 ms.
  assert.ok(Date.now() - t0 >= 240);
});

test('a rate-limited socket keeps the relay exact: bytes intact, half-close delivered', async () => {
  const echo = await echoServer();
  const srv = net.createServer({ allowHalfOpen: true }, (user) => {
    const target = net.connect({ port: echo.port, host: '127.0.0.1', allowHalfOpen: true }, () => {
      void relay(new RateLimitedStream(user, new RateLimiter(2_000_000)), target, { idleMs: 0 });
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  const data = randomData(3_000_000);
  const t0 = Date.now();
  const back = await roundTrip(port, data);
  const secs = (Date.now() - t0) / 1000;
  assert.equal(sha256(back), sha256(data));
  // 3 MB each way through 2 MB/s buckets with 2 MB of burst: at least 0.5 s of waiting.
  assert.ok(secs >= 0.45, `${secs} s`);
  srv.close();
  await echo.close();
});
