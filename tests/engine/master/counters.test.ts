// §9.8 traffic arithmetic across instance restarts and user resets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyProcessValues, delta, newCounters, onProcessStart, resetCounters, type Traffic } from '../../../engine/master/counters';

const t = (tcprx: number, tcptx = 0, udprx = 0, udptx = 0): Traffic => ({ tcprx, tcptx, udprx, udptx });

test('totals carry across process restarts; reset zeroes and later reports count from there', () => {
  let c = onProcessStart(newCounters());
  c = applyProcessValues(c, t(100, 50, 7, 3));
  assert.deepEqual(c.value, t(100, 50, 7, 3));
  c = resetCounters(c);
  assert.deepEqual(c.value, t(0));
  c = applyProcessValues(c, t(160, 50, 7, 3));
  assert.deepEqual(c.value, t(60, 0, 0, 0), 'only what came after the reset');
  c = onProcessStart(c); // the instance restarts: its process counts from 0 again
  c = applyProcessValues(c, t(500));
  assert.deepEqual(c.value, t(560), 'the old reset offset does not apply to the new process');
});

test('NodePass case: a first report below the reset offset drops the offset', () => {
  let c = applyProcessValues(onProcessStart(newCounters()), t(1000));
  c = resetCounters(c);
  c = applyProcessValues(c, t(10)); // engine restarted internally without the master knowing
  assert.deepEqual(c.value, t(10));
  assert.deepEqual(c.reset, t(0));
});

test('delta between reports, and after a process restart', () => {
  assert.deepEqual(delta(t(10, 5), t(25, 5)), t(15, 0));
  assert.deepEqual(delta(t(100), t(30)), t(30));
});
