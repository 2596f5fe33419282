// The one body reader (master API, desktop routes, sign-in) against real HTTP requests: declared
// and streamed bodies over the limit, malformed JSON, an empty body, and one that is fine.

import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { readJson, type BodyResult } from '../../../engine/http/body';

const LIMIT = 1024;

describe('request body reader', () => {
  let server: http.Server;
  let port = 0;
  /** What the reader made of each request, in order. */
  const seen: BodyResult<unknown>[] = [];

  before(async () => {
    server = http.createServer((req, res) => {
      void readJson(req, LIMIT).then((r) => {
        seen.push(r);
        res.writeHead(r.ok ? 200 : r.status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(r));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as net.AddressInfo).port;
  });

  after(() => {
    server.closeAllConnections();
    server.close();
  });

  const post = async (body: string | undefined, headers: Record<string, string> = {}) => {
    const r = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', headers, body });
    return { status: r.status, json: (await r.json()) as BodyResult<unknown> };
  };

  it('decodes JSON and tells an empty body (undefined) from a JSON null', async () => {
    assert.deepEqual(await post('{"a":[1,"é"]}'), { status: 200, json: { ok: true, value: { a: [1, 'é'] } } });
    assert.deepEqual(await post('null'), { status: 200, json: { ok: true, value: null } });
    for (const blank of [undefined, '  \n']) {
      assert.equal((await post(blank)).status, 200);
      assert.deepEqual(seen.at(-1), { ok: true, value: undefined });
    }
  });

  it('names malformed JSON', async () => {
    const r = await post('{"a":');
    assert.equal(r.status, 400);
    assert.match((r.json as { error: string }).error, /^Invalid request body: malformed JSON \(.+\)$/);
  });

  it('refuses a declared length over the limit before reading it, and a streamed one as soon as it passes', async () => {
    const declared = await post('x'.repeat(LIMIT + 1));
    assert.deepEqual(declared.json, { ok: false, status: 413, error: `Request body too large: ${LIMIT + 1} bytes (limit ${LIMIT})` });
    // Chunked, no Content-Length: the reader counts.
    const streamed = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/' }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
      for (let i = 0; i < 8; i++) req.write('y'.repeat(256));
      req.end();
    });
    assert.equal(streamed.status, 413);
    assert.deepEqual(JSON.parse(streamed.body), { ok: false, status: 413, error: `Request body too large: more than ${LIMIT} bytes` });
    // Exactly the limit is fine.
    assert.equal((await post(JSON.stringify('z'.repeat(LIMIT - 2)))).status, 200);
  });
});
