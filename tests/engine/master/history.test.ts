// Traffic history buckets: per minute for 24 h, per hour for 30 days.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HOUR, historyFromJSON, MINUTE, TrafficHistory } from '../../../engine/master/history';

const d = (n: number) => ({ tcprx: n, tcptx: 2 * n, udprx: 0, udptx: 1 });
const T0 = Date.UTC(2026, 0, 1, 10, 0, 0);

test('adds into minute and hour buckets, leaves out empty ones, prunes old ones', () => {
  const h = new TrafficHistory();
  assert.equal(h.add(T0 + 1000, { tcprx: 0, tcptx: 0, udprx: 0, udptx: 0 }), false);
  h.add(T0 + 1000, d(10));
  h.add(T0 + 59_000, d(5));
  h.add(T0 + MINUTE + 1, d(1));
  assert.deepEqual(h.points('minute', T0 + MINUTE + 2), [
    { t: T0, tcprx: 15, tcptx: 30, udprx: 0, udptx: 2 },
    { t: T0 + MINUTE, tcprx: 1, tcptx: 2, udprx: 0, udptx: 1 },
  ]);
  assert.deepEqual(h.points('hour', T0 + MINUTE + 2), [{ t: T0, tcprx: 16, tcptx: 32, udprx: 0, udptx: 3 }]);
  const later = T0 + 25 * HOUR;
  assert.deepEqual(h.points('minute', later), [], 'minutes older than 24 h are gone');
  assert.equal(h.points('hour', later).length, 1, 'hours are kept for 30 days');
  assert.deepEqual(h.points('hour', T0 + 31 * 24 * HOUR), []);
});

test('round-trips through JSON and drops malformed buckets', () => {
  const h = new TrafficHistory();
  h.add(T0, d(3));
  const back = historyFromJSON(JSON.parse(JSON.stringify(h)));
  assert.deepEqual(back.points('minute', T0), h.points('minute', T0));
  const bad = historyFromJSON({ minute: [[T0, 1, 2, 3], 'x', [T0, 1, 1, 1, -1]], hour: null });
  assert.deepEqual(bad.points('minute', T0), []);
});
