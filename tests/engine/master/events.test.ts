// The SSE hub with a real stream that stops reading: the subscriber is told (`resync`) and its
// stream ends, instead of events silently disappearing; others keep receiving.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { EventHub } from '../../../engine/master/events';
import type { InstanceEvent } from '../../../engine/api/types';

/** A real Writable whose consumer stalls until release() is called. */
function stalled() {
  const seen: string[] = [];
  const held: Array<() => void> = [];
  const w = new Writable({
    highWaterMark: 1024,
    write(chunk, _enc, cb) {
      seen.push(chunk.toString());
      held.push(cb);
    },
  });
  return { w, seen, release: () => held.splice(0).forEach((cb) => cb()) };
}

function fast() {
  const seen: string[] = [];
  const w = new Writable({
    write(chunk, _enc, cb) {
      seen.push(chunk.toString());
      cb();
    },
  });
  return { w, seen };
}

const ev = (i: number): InstanceEvent => ({ type: 'log', time: '2026-01-01T00:00:00Z', instance: null, logs: `line ${i} ${'x'.repeat(200)}` });

test('a slow subscriber gets resync and is closed; a fast one gets everything', async () => {
  const overflows: number[] = [];
  const hub = new EventHub({ maxBufferedBytes: 4096, heartbeatMs: 0, onOverflow: (n) => overflows.push(n) });
  const slow = stalled();
  const ok = fast();
  hub.attach(slow.w, []);
  hub.attach(ok.w, []);
  for (let i = 0; i < 100; i++) hub.publish(ev(i));
  assert.equal(overflows.length, 1);
  assert.equal(hub.subscribers, 1, 'the slow one was dropped from the hub');
  assert.ok(slow.w.writableEnded, 'its stream was ended');
  // Let the stalled consumer drain: the last thing it reads is the resync notice.
  for (let i = 0; i < 200 && !slow.w.writableFinished; i++) {
    slow.release();
    await new Promise((r) => setImmediate(r));
  }
  const text = slow.seen.join('');
  assert.ok(text.startsWith('retry: 3000\n\n'));
  assert.match(text, /event: resync\ndata: \{"type":"resync","reason":"slow consumer","buffered":\d+\}\n\n$/);
  const fastText = ok.seen.join('');
  assert.equal(fastText.match(/event: instance\n/g)?.length, 100, 'the fast subscriber got all 100');
  hub.stop();
});

test('heartbeat comments and closeAll with shutdown', async () => {
  const hub = new EventHub({ maxBufferedBytes: 1 << 20, heartbeatMs: 20 });
  const s = fast();
  hub.attach(s.w, [ev(1)]);
  await new Promise((r) => setTimeout(r, 70));
  hub.closeAll({ type: 'shutdown', time: 't', instance: null, logs: '' });
  hub.stop();
  const text = s.seen.join('');
  assert.match(text, /^retry: 3000\n\nevent: instance\ndata: \{"type":"log"/);
  assert.match(text, /: heartbeat\n\n/);
  assert.match(text, /event: instance\ndata: \{"type":"shutdown","time":"t","instance":null,"logs":""\}\n\n$/);
  assert.ok(s.w.writableEnded);
});
