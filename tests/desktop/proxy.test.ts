// The one reverse proxy (master API on the web front's origin, fleet masters under /fleet/<id>)
// between a real client and a real upstream server: what the upstream sees, what comes back,
// streams that flow before they end and end when the browser goes, and an upstream that is gone.

import assert from 'node:assert/strict';
import http from 'node:http';
import type net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { proxyRequest, type ProxyTarget } from '../../desktop/proxy';
import { freePort } from '../helpers/net';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

describe('reverse proxy', () => {
  let upstream: http.Server;
  let front: http.Server;
  let upstreamOrigin = '';
  let frontOrigin = '';
  const seen: Seen[] = [];
  let target: (req: http.IncomingMessage) => ProxyTarget;
  let streamClosed: Promise<void>;
  let onStreamClosed = () => {};

  before(async () => {
    upstream = http.createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (d: string) => (body += d));
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
        if (req.url!.startsWith('/api/v1/events')) {
          res.writeHead(200, { 'Content-Type': 'text/event-stream' });
          res.write('retry: 3000\n\n');
          res.on('close', () => onStreamClosed());
          return;
        }
        res.writeHead(201, { 'Content-Type': 'application/json', 'X-Upstream': 'yes' });
        res.end(JSON.stringify({ got: body }));
      });
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
    upstreamOrigin = `http://127.0.0.1:${(upstream.address() as net.AddressInfo).port}`;
    front = http.createServer((req, res) => proxyRequest(req, res, target(req)));
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', () => r()));
    frontOrigin = `http://127.0.0.1:${(front.address() as net.AddressInfo).port}`;
  });

  after(() => {
    for (const s of [front, upstream]) {
      s.closeAllConnections();
      s.close();
    }
  });

  const browserHeaders = {
    Cookie: 'npd_session=secret-session',
    Origin: 'http://127.0.0.1:8800',
    Referer: 'http://127.0.0.1:8800/#/masters',
    'X-API-Key': 'local-key',
    'Content-Type': 'application/json',
  };

  it('keeps the browser’s cookie, Origin and Referer here; passes method, path, query and body', async () => {
    target = (req) => ({ url: new URL(upstreamOrigin + req.url) });
    const r = await fetch(`${frontOrigin}/api/v1/instances?x=1`, { method: 'POST', headers: browserHeaders, body: '{"url":"client://a:1/b:2"}' });
    assert.equal(r.status, 201);
    assert.equal(r.headers.get('x-upstream'), 'yes');
    assert.deepEqual(await r.json(), { got: '{"url":"client://a:1/b:2"}' });
    const s = seen.at(-1)!;
    assert.equal(s.method, 'POST');
    assert.equal(s.url, '/api/v1/instances?x=1');
    assert.equal(s.headers.host, new URL(upstreamOrigin).host);
    assert.equal(s.headers['x-api-key'], 'local-key', 'without a key of its own the caller’s goes on');
    for (const h of ['cookie', 'origin', 'referer']) assert.equal(s.headers[h], undefined, h);
  });

  it('swaps the caller’s key for the target’s own', async () => {
    target = (req) => ({ url: new URL(upstreamOrigin + '/api/v1' + req.url!.slice('/fleet/m1'.length)), apiKey: 'remote-key' });
    const r = await fetch(`${frontOrigin}/fleet/m1/info`, { headers: browserHeaders });
    assert.equal(r.status, 201);
    await r.arrayBuffer();
    assert.equal(seen.at(-1)!.url, '/api/v1/info');
    assert.equal(seen.at(-1)!.headers['x-api-key'], 'remote-key');
  });

  it('passes an event stream through as it flows, and ends it upstream when the browser leaves', async () => {
    target = (req) => ({ url: new URL(upstreamOrigin + req.url) });
    streamClosed = new Promise((r) => (onStreamClosed = r));
    const ctl = new AbortController();
    const r = await fetch(`${frontOrigin}/api/v1/events`, { headers: browserHeaders, signal: ctl.signal });
    assert.equal(r.headers.get('content-type'), 'text/event-stream');
    const reader = r.body!.getReader();
    const first = await reader.read();
    assert.equal(new TextDecoder().decode(first.value), 'retry: 3000\n\n');
    ctl.abort();
    await streamClosed;
  });

  it('answers 502 naming the cause when the master is not there', async () => {
    const port = await freePort();
    target = () => ({ url: new URL(`http://127.0.0.1:${port}/api/v1/info`) });
    const r = await fetch(`${frontOrigin}/api/v1/info`, { headers: browserHeaders });
    assert.equal(r.status, 502);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    assert.match(((await r.json()) as { error: string }).error, /^master unreachable: connect ECONNREFUSED 127\.0\.0\.1:\d+$/);
  });
});
