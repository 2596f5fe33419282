// Reconnect back-off: a fast first retry, growth by the factor, a cap, ±25 % jitter, and a reset;
// sleep() that an abort cuts short.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff, sleep } from '../../../engine/instance/backoff';

test('delays start near firstMs, grow by the factor, stop at the cap, each within ±25 %', () => {
  const b = new Backoff(100, 5000, 2);
  const expected = [100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000];
  for (const base of expected) {
    const d = b.next();
    assert.ok(d >= base * 0.75 - 1 && d <= base * 1.25 + 1, `delay ${d} outside ${base} ±25 %`);
  }
});

test('jitter spreads the delays (clients that lost the same server do not retry in step)', () => {
  const firsts = new Set(Array.from({ length: 50 }, () => new Backoff(1000, 5000).next()));
  assert.ok(firsts.size > 10, `only ${firsts.size} distinct first delays in 50`);
});

test('reset() starts over from the first delay', () => {
  const b = new Backoff(100, 60_000, 2);
  for (let i = 0; i < 10; i++) b.next();
  assert.ok(b.next() > 10_000);
  b.reset();
  assert.ok(b.next() <= 126);
});

test('a delay is never below 10 ms, however small firstMs is', () => {
  const b = new Backoff(0, 0);
  for (let i = 0; i < 5; i++) assert.equal(b.next(), 10);
});

test('attempts beyond 30 keep the cap without overflowing', () => {
  const b = new Backoff(1, 1e12, 10);
  let last = 0;
  for (let i = 0; i < 100; i++) last = b.next();
  assert.ok(Number.isFinite(last) && last <= 1.25e12);
});

test('sleep resolves after its time, or at once when its signal aborts (before or during)', async () => {
  const t0 = performance.now();
  await sleep(30);
  assert.ok(performance.now() - t0 >= 25);

  const ac = new AbortController();
  const t1 = performance.now();
  const p = sleep(60_000, ac.signal);
  ac.abort();
  await p;
  assert.ok(performance.now() - t1 < 1000);

  const t2 = performance.now();
  await sleep(60_000, ac.signal); // already aborted
  assert.ok(performance.now() - t2 < 1000);
});
