// The desktop app and the master run instances in worker threads: the QUIC binary must load and
// carry traffic there too (one native module shared by several isolates).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { echoServer, eventually, freePort, randomData, roundTrip, sha256 } from '../../helpers/net';
import { ROOT } from '../../helpers/proc';
import { WorkerRunner } from '../../../engine/master/runner-worker';

const runners: WorkerRunner[] = [];
after(async () => {
  await Promise.all(runners.map((r) => r.stop(1000)));
});

function start(id: string, url: string): { runner: WorkerRunner; lines: string[] } {
  const lines: string[] = [];
  const runner = new WorkerRunner(
    { id, url, statsIntervalMs: 0, env: { ...process.env, NP_REPORT_INTERVAL: '1s' } },
    { script: path.join(ROOT, 'dist/engine/instance-worker.mjs'), heapMb: 256, faults: false },
  );
  runner.on('log', (l) => lines.push(l));
  runners.push(runner);
  return { runner, lines };
}

test('type=1 between two instances in worker threads carries traffic', async () => {
  const echo = await echoServer();
  try {
    const tunnel = await freePort();
    const entry = await freePort();
    const server = start('s', `server://127.0.0.1:${tunnel}/127.0.0.1:${entry}?type=1`);
    await eventually(async () => assert.ok(server.lines.some((l) => /Pending tunnel handshake/.test(l))), 10000);
    const client = start('c', `client://127.0.0.1:${tunnel}/127.0.0.1:${echo.port}`);
    await eventually(async () => assert.ok(client.lines.some((l) => /TLS certificate fingerprint verified/.test(l)), client.lines.join('\n')), 15000, 100);
    assert.ok(client.lines.some((l) => /Loading tunnel config: FLOW=-\|MAX=1024\|TLS=1\|TYPE=1/.test(l)));
    const d = randomData(4 * 1024 * 1024);
    await eventually(async () => assert.equal(sha256(await roundTrip(entry, d, '127.0.0.1', 20000)), sha256(d)), 20000, 200);
  } finally {
    await echo.close();
  }
});
