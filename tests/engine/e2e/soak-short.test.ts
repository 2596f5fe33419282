// The short soak profile (the long one is `npm run soak`): thousands of short TCP connections plus
// steady long-lived UDP flows through one tunnel; RSS and descriptors stay bounded, no error lines,
// every byte and every datagram is in the counters, and no UDP flow ever stalls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSoak } from '../../../scripts/lib/soak';

test('3000 short connections + 4 steady UDP flows: bounded RSS and fds, no errors, counters exact', async (t) => {
  const r = await runSoak({ connections: 3000, concurrency: 30, bytesPerConnection: 2048, maxMs: 60_000, udpFlows: 4, udpIntervalMs: 5 });
  t.diagnostic(
    `${r.connections} connections in ${r.elapsedMs} ms; UDP ${r.udp.datagrams} datagrams, ${r.udp.lost} lost, longest gap ${r.udp.maxGapMs} ms; ` +
      `server RSS ${r.before.server.rssMiB}→${r.after.server.rssMiB} MiB, fds ${r.before.server.otherFds}→${r.after.server.otherFds}; ` +
      `client RSS ${r.before.client.rssMiB}→${r.after.client.rssMiB} MiB, fds ${r.before.client.otherFds}→${r.after.client.otherFds}`,
  );
  assert.equal(r.failed, 0);
  assert.equal(r.connections, 3000);
  assert.deepEqual(r.errorLines, []);
  assert.equal(r.bytesReceived, r.bytesSent);
  assert.equal(r.udp.lost, 0, `UDP datagrams lost: ${r.udp.lost}/${r.udp.datagrams}`);
  assert.ok(r.udp.datagrams >= 400, `UDP datagrams: ${r.udp.datagrams}`);
  assert.equal(r.udp.bytesReceived, r.udp.bytesSent);
  assert.ok(r.udp.maxGapMs < 2000, `a UDP flow stalled for ${r.udp.maxGapMs} ms`);
  assert.deepEqual(r.counters, { tcprx: r.bytesSent, tcptx: r.bytesReceived, udprx: r.udp.bytesSent, udptx: r.udp.bytesReceived });
  for (const side of ['server', 'client'] as const) {
    assert.ok(Math.abs(r.after[side].otherFds - r.before[side].otherFds) <= 8, `${side} fds outside the pool ${r.before[side].otherFds} → ${r.after[side].otherFds}`);
    assert.ok(r.after[side].rssMiB - r.before[side].rssMiB <= 40, `${side} RSS ${r.before[side].rssMiB} → ${r.after[side].rssMiB} MiB`);
  }
});
