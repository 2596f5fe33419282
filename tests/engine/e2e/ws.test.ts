// WebSocket pool (type 2) end to end through bin/nodepass: ws:// at tls=0, wss:// at tls=1, and
// no client-IP pinning (spec §4.2): a pooled stream from another address is accepted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { ready, reversePair } from '../../helpers/tunnel';
import { streamPoolCases } from './stream-pools';

const { group, echo } = streamPoolCases({
  type: 2,
  // The client's own `type` is ignored: it adopts the server's.
  reverse: { serverQuery: 'type=2', clientQuery: 'type=3', tls: 0 },
  forward: { serverQuery: 'type=2&tls=1', clientQuery: 'type=0', tls: 1 },
});

test('type=2: a pooled WebSocket from another source address is accepted (no pinning)', async () => {
  const p = await reversePair(group, echo().port, { serverQuery: 'type=2' });
  await ready(p);
  const ws = new WebSocket(`ws://127.0.0.1:${p.tunnelPort}/`, { perMessageDeflate: false, localAddress: '127.0.0.2' });
  const id = await new Promise<Buffer>((resolve, reject) => {
    ws.once('message', (d) => resolve(d as Buffer));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused with ${res.statusCode}`)));
    ws.once('error', reject);
  });
  assert.equal(id.length, 4, 'got a 4-byte pool ID');
  assert.notEqual(id.toString('hex'), '00000000', 'the control stream was taken by the real client');
  ws.terminate();
});
