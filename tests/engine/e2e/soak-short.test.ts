// The short soak profile (the long one is `npm run soak`): thousands of short connections through
// one tunnel; RSS and descriptors stay bounded, no error lines, every byte is in the counters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSoak } from '../../helpers/soak';

test('3000 short connections: bounded RSS and fds, no errors, counters exact', async () => {
  const r = await runSoak({ connections: 3000, concurrency: 30, bytesPerConnection: 2048, maxMs: 60_000 });
  assert.equal(r.failed, 0);
  assert.equal(r.connections, 3000);
  assert.deepEqual(r.errorLines, []);
  assert.equal(r.bytesReceived, r.bytesSent);
  assert.deepEqual(r.counters, { tcprx: r.bytesSent, tcptx: r.bytesReceived });
  for (const side of ['server', 'client'] as const) {
    assert.ok(Math.abs(r.after[side].otherFds - r.before[side].otherFds) <= 8, `${side} fds outside the pool ${r.before[side].otherFds} → ${r.after[side].otherFds}`);
    assert.ok(r.after[side].rssMiB - r.before[side].rssMiB <= 40, `${side} RSS ${r.before[side].rssMiB} → ${r.after[side].rssMiB} MiB`);
  }
});
