// fetch → ApiResult, as HttpApi and the page's desktop API client use it, against a real HTTP
// server: values, 204, the server's error words (JSON or plain text), a body that is not JSON, no
// answer within the deadline, and nobody listening.

import assert from 'node:assert/strict';
import http from 'node:http';
import type net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { callJson } from '../../../engine/api/request';
import { freePort } from '../../helpers/net';

describe('callJson', () => {
  let server: http.Server;
  let base = '';
  const received: { method: string; headers: http.IncomingHttpHeaders; body: string }[] = [];

  before(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (d: string) => (body += d));
      req.on('end', () => {
        received.push({ method: req.method!, headers: req.headers, body });
        switch (req.url) {
          case '/value':
            res.writeHead(200, { 'Content-Type': 'application/json' });
            return res.end(JSON.stringify({ echo: body ? JSON.parse(body) : null }));
          case '/none':
            res.writeHead(204);
            return res.end();
          case '/json-error':
            res.writeHead(409, { 'Content-Type': 'application/json' });
            return res.end('{"error":"Instance URL conflict"}');
          case '/text-error':
            res.writeHead(404, { 'Content-Type': 'text/plain' });
            return res.end('404 page not found\n');
          case '/bare-error':
            res.writeHead(503, 'Busy');
            return res.end();
          case '/not-json':
            res.writeHead(200);
            return res.end('<html>');
          case '/silent':
            return; // never answers
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  });

  after(() => {
    server.closeAllConnections();
    server.close();
  });

  it('returns the value, sends a body as JSON with the given headers', async () => {
    const r = await callJson(fetch, `${base}/value`, { method: 'POST', headers: { 'X-API-Key': 'k1' }, body: { alias: 'é' } });
    assert.deepEqual(r, { ok: true, value: { echo: { alias: 'é' } } });
    const got = received.at(-1)!;
    assert.equal(got.method, 'POST');
    assert.equal(got.headers['x-api-key'], 'k1');
    assert.equal(got.headers['content-type'], 'application/json');
    assert.deepEqual(await callJson(fetch, `${base}/value`, { method: 'GET' }), { ok: true, value: { echo: null } });
    assert.equal(received.at(-1)!.headers['content-type'], undefined, 'no body, no Content-Type');
    assert.deepEqual(await callJson(fetch, `${base}/none`, { method: 'DELETE' }), { ok: true, value: null });
  });

  it('returns the status with the server’s words', async () => {
    assert.deepEqual(await callJson(fetch, `${base}/json-error`, { method: 'PUT', body: {} }), { ok: false, status: 409, error: 'Instance URL conflict' });
    assert.deepEqual(await callJson(fetch, `${base}/text-error`, { method: 'GET' }), { ok: false, status: 404, error: '404 page not found' });
    assert.deepEqual(await callJson(fetch, `${base}/bare-error`, { method: 'GET' }), { ok: false, status: 503, error: 'Busy' });
    const bad = await callJson(fetch, `${base}/not-json`, { method: 'GET' });
    assert.equal(bad.ok, false);
    assert.match((bad as { error: string }).error, new RegExp(`^GET ${base}/not-json: the answer is not JSON`));
  });

  it('gives up at the deadline, and says when nobody answers at all (status 0)', async () => {
    const slow = await callJson(fetch, `${base}/silent`, { method: 'GET', timeoutMs: 300 });
    assert.deepEqual(slow, { ok: false, status: 0, error: `request timed out: GET ${base}/silent` });
    const port = await freePort();
    const refused = await callJson(fetch, `http://127.0.0.1:${port}/x`, { method: 'GET' });
    assert.equal(refused.ok, false);
    assert.equal((refused as { status: number }).status, 0);
  });
});
