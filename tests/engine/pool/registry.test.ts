// The pool's transport registry: a pool type names one descriptor, loaded on first use, so a
// process pays at start-up only for the transport it runs (ws, http2 and the QUIC binding are big).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { quicUnavailable } from '../../../engine/pool/quic/native';
import { loadTransport } from '../../../engine/pool/registry';

const probe = path.join(path.dirname(fileURLToPath(import.meta.url)), 'registry-probe.ts');

test('each pool type resolves to the descriptor of that type, the same object every time', async () => {
  const kinds = [];
  for (const type of [0, 1, 2, 3]) {
    const d = await loadTransport(type);
    assert.equal(d.type, type);
    assert.equal(await loadTransport(type), d);
    kinds.push([d.kind, d.pinsClientIp]);
  }
  // WebSocket is the one pool that accepts pooled connections from any IP (spec §4.2).
  assert.deepEqual(kinds, [
    ['tcp', true],
    ['quic', true],
    ['ws', false],
    ['h2', true],
  ]);
});

test('any other number is refused with a message naming it', async () => {
  for (const type of [4, -1, 1.5, NaN]) await assert.rejects(loadTransport(type), { message: `unknown pool type: ${type}` });
});

function run(type: number): { imported: Record<string, boolean>; prepared: Record<string, boolean> } {
  const out = execFileSync(process.execPath, ['--import', 'tsx', probe, String(type)], { encoding: 'utf8', timeout: 60_000 });
  return JSON.parse(out.trim().split('\n').pop()!);
}

test('importing the engine loads no transport library; preparing a server loads only its own', () => {
  const none = { ws: false, http2: false, quiche: false };
  const tcp = run(0);
  assert.deepEqual(tcp.imported, none);
  assert.deepEqual(tcp.prepared, none);
  assert.deepEqual(run(2).prepared, { ws: true, http2: false, quiche: false });
  assert.deepEqual(run(3).prepared, { ws: false, http2: true, quiche: false });
  // The QUIC binding is loaded to check that it can run here (where it cannot, prepare() fails).
  if (quicUnavailable() === null) assert.deepEqual(run(1).prepared, { ws: false, http2: false, quiche: true });
});
