// Rates from cumulative counters, at whatever cadence updates arrive, and the five-minute rings.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Ring, TOTAL, TrafficBook, type Counters } from '../../shared/traffic';

const c = (tcprx: number, tcptx: number, udprx = 0, udptx = 0, status = 'running'): Counters => ({ tcprx, tcptx, udprx, udptx, status });

describe('TrafficBook', () => {
  it('derives bytes per second from successive counters (TCP + UDP)', () => {
    const b = new TrafficBook();
    b.observe('a', c(0, 0), 0);
    b.observe('a', c(1000, 500, 1000, 500), 1000);
    assert.deepEqual(b.rate('a', 1000), { down: 2000, up: 1000 });
    // A 5 s cadence (the Go master) gives the average over those 5 s.
    b.observe('a', c(6000, 3000, 1000, 500), 6000);
    assert.deepEqual(b.rate('a', 6000), { down: 1000, up: 500 });
  });

  it('ignores updates too close together to measure, without losing their bytes', () => {
    const b = new TrafficBook();
    b.observe('a', c(0, 0), 0);
    b.observe('a', c(100, 0), 50);
    b.observe('a', c(1000, 0), 1000);
    assert.equal(b.rate('a', 1000).down, 1000);
  });

  it('treats a counter going down as a reset, not a negative rate', () => {
    const b = new TrafficBook();
    b.observe('a', c(0, 0), 0);
    b.observe('a', c(5000, 5000), 1000);
    b.observe('a', c(0, 0), 2000);
    assert.deepEqual(b.rate('a', 2000), { down: 0, up: 0 });
    b.observe('a', c(300, 100), 3000);
    assert.deepEqual(b.rate('a', 3000), { down: 300, up: 100 });
  });

  it('reads zero when the instance stops or updates stop coming', () => {
    const b = new TrafficBook({ minStaleMs: 3000 });
    b.observe('a', c(0, 0), 0);
    b.observe('a', c(1000, 1000), 1000);
    assert.equal(b.rate('a', 2000).down, 1000);
    assert.equal(b.rate('a', 5000).down, 0);
    b.observe('a', c(2000, 2000, 0, 0, 'stopped'), 2000);
    assert.equal(b.rate('a', 2000).down, 0);
  });

  it('samples every instance and the total into rings of the last five minutes', () => {
    const b = new TrafficBook();
    b.observe('a', c(0, 0), 0);
    b.observe('b', c(0, 0), 0);
    b.observe('a', c(1000, 0), 1000);
    b.observe('b', c(0, 3000), 1000);
    const r = b.sample(1000);
    assert.deepEqual(r.get(TOTAL), { down: 1000, up: 3000 });
    for (let s = 2; s <= 400; s++) b.sample(s * 1000);
    const [xs, down] = b.ring(TOTAL).toArrays();
    assert.equal(xs.length, 300);
    assert.equal(xs[0], 101);
    assert.equal(xs[299], 400);
    assert.equal(down[299], 0);
    assert.deepEqual(b.keys().sort(), [TOTAL, 'a', 'b']);
    b.remove('a');
    assert.equal(b.has('a'), false);
    assert.deepEqual(b.keys().sort(), [TOTAL, 'b']);
    assert.deepEqual(Object.keys(b.exportRings()).sort(), [TOTAL, 'b']);
  });
});

describe('saving the rings', () => {
  it('restores what was exported, dropping samples outside the window', () => {
    const a = new TrafficBook();
    a.observe('x', c(0, 0), 0);
    a.observe('x', c(1000, 2000), 1000);
    for (let s = 1; s <= 10; s++) a.sample(s * 1000);
    const saved = JSON.parse(JSON.stringify(a.exportRings()));
    const b = new TrafficBook();
    b.importRings(saved, 305_000);
    const [xs, down, up] = b.ring('x').toArrays();
    assert.deepEqual(xs, [6, 7, 8, 9, 10]);
    const [, down0, up0] = a.ring('x').toArrays();
    assert.deepEqual(down, down0.slice(5));
    assert.deepEqual(up, up0.slice(5));
    // Samples 1-3 carried the rate; the restore kept everything of the window, the first ones too.
    const c2 = new TrafficBook();
    c2.importRings(saved, 10_000);
    assert.deepEqual(c2.ring('x').toArrays()[1].slice(0, 3), [1000, 1000, 1000]);
    b.importRings({ y: 'garbage', z: [[1], [2]] }, 10_000);
    assert.equal(b.ring('y').length, 0);
  });
});

describe('Ring', () => {
  it('keeps the newest samples oldest-first', () => {
    const r = new Ring(3);
    for (let i = 1; i <= 5; i++) r.push(i * 1000, i, -i);
    assert.deepEqual(r.toArrays(), [
      [3, 4, 5],
      [3, 4, 5],
      [-3, -4, -5],
    ]);
    assert.deepEqual(r.last(), { t: 5000, down: 5, up: -5 });
  });
});
