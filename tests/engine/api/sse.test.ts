// The SSE parser used by the HTTP client: split chunks, CRLF, comments, retry, multi-line data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SseParser, type SseMessage } from '../../../engine/api/sse';

test('parses events across arbitrary chunk boundaries', () => {
  const stream = 'retry: 3000\n\n: heartbeat\n\nevent: instance\ndata: {"a":1}\n\r\nevent: resync\r\ndata: x\r\ndata: y\r\n\r\ndata:no-space\n\n';
  for (const size of [1, 2, 3, 7, stream.length]) {
    const msgs: SseMessage[] = [];
    const retries: number[] = [];
    const comments: string[] = [];
    const p = new SseParser({ message: (m) => msgs.push(m), retry: (r) => retries.push(r), comment: (c) => comments.push(c) });
    for (let i = 0; i < stream.length; i += size) p.push(stream.slice(i, i + size));
    assert.deepEqual(retries, [3000], `size ${size}`);
    assert.deepEqual(comments, ['heartbeat']);
    assert.deepEqual(
      msgs.map((m) => [m.event, m.data]),
      [
        ['instance', '{"a":1}'],
        ['resync', 'x\ny'],
        ['message', 'no-space'],
      ],
      `size ${size}`,
    );
  }
});
