// Headless mode's web front against a real master: the bundle with its CSP, the one-time sign-in
// token and the session cookie, the Host check, and the API (including SSE) passed through.

import assert from 'node:assert/strict';
import http from 'node:http';
import path from 'node:path';
import { readdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { HttpApi } from '../../engine/api/http-client';
import type { InstanceEvent } from '../../engine/api/types';
import { PAGE_CSP } from '../../desktop/bundle';
import { createWebUi, type WebUi } from '../../desktop/webui';
import { eventually, freePort } from '../helpers/net';
import { must, removeDir, startMaster, type MasterHandle } from '../helpers/master';

const RENDERER = path.resolve(import.meta.dirname, '../../dist/renderer');

interface Res {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(port: number, method: string, p: string, o: { headers?: Record<string, string>; body?: string } = {}): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: p, headers: { host: `127.0.0.1:${port}`, ...o.headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

const json = (body: unknown) => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('web UI front (real master)', () => {
  let master: MasterHandle;
  let server: http.Server;
  let ui: WebUi;
  let port: number;
  const nextTokens: string[] = [];

  before(async () => {
    master = await startMaster();
    port = await freePort();
    ui = createWebUi({
      root: RENDERER,
      masterOrigin: `http://127.0.0.1:${master.port}`,
      apiBase: '/api/v1',
      apiKey: () => master.key,
      allowedHosts: [`127.0.0.1:${port}`, `localhost:${port}`],
      onTokenUsed: (t) => nextTokens.push(t),
    });
    server = http.createServer((q, s) => ui.handle(q, s));
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await master.kill('SIGTERM');
    removeDir(master.stateDir);
  });

  it('serves the app with a strict CSP, assets by name, and 404 for unknown files', async () => {
    const index = await request(port, 'GET', '/');
    assert.equal(index.status, 200);
    assert.match(index.body, /<div id="root"><\/div>/);
    assert.equal(index.headers['content-security-policy'], PAGE_CSP);
    assert.equal(index.headers['x-content-type-options'], 'nosniff');
    assert.equal(index.headers['cache-control'], 'no-store');
    const js = readdirSync(path.join(RENDERER, 'assets')).find((f) => f.endsWith('.js'))!;
    const asset = await request(port, 'GET', `/assets/${js}`);
    assert.equal(asset.status, 200);
    assert.equal(asset.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.match(String(asset.headers['cache-control']), /immutable/);
    assert.equal((await request(port, 'GET', '/assets/nope.js')).status, 404);
    // Climbing out of the bundle lands back inside it.
    for (const p of ['/../../../../etc/passwd', '/%2e%2e/%2e%2e/%2e%2e/etc/passwd', '/..%2f..%2f..%2fetc%2fpasswd']) {
      const r = await request(port, 'GET', p);
      assert.doesNotMatch(r.body, /root:/, p);
    }
    assert.equal((await request(port, 'POST', '/')).status, 405);
  });

  it('refuses a Host it does not serve (DNS rebinding)', async () => {
    const r = await request(port, 'GET', '/', { headers: { host: 'evil.example' } });
    assert.equal(r.status, 403);
    assert.equal(JSON.parse(r.body).error, 'unexpected Host header "evil.example"');
    assert.equal((await request(port, 'GET', '/', { headers: { host: `localhost:${port}` } })).status, 200);
  });

  it('trades a one-time token for the key and a session cookie', async () => {
    const token = ui.newToken();
    const first = await request(port, 'POST', '/auth/login', json({ token }));
    assert.equal(first.status, 200);
    assert.deepEqual(JSON.parse(first.body), { key: master.key, base: '/api/v1' });
    const cookie = String(first.headers['set-cookie']);
    assert.match(cookie, /^npd_session=[0-9a-f]{48}; HttpOnly; SameSite=Strict; Path=\//);
    // The same token again: refused. A fresh one was handed to the console.
    const again = await request(port, 'POST', '/auth/login', json({ token }));
    assert.equal(again.status, 401);
    assert.equal(JSON.parse(again.body).error, 'sign-in link already used or not valid');
    assert.equal(nextTokens.length, 1);
    assert.equal((await request(port, 'POST', '/auth/login', json({ token: nextTokens[0] }))).status, 200);

    const sid = cookie.split(';')[0];
    const session = await request(port, 'GET', '/auth/session', { headers: { cookie: sid } });
    assert.deepEqual(JSON.parse(session.body), { key: master.key, base: '/api/v1' });
    assert.equal((await request(port, 'GET', '/auth/session')).status, 401);
    assert.equal((await request(port, 'GET', '/auth/session', { headers: { cookie: 'npd_session=forged' } })).status, 401);
    const out = await request(port, 'POST', '/auth/logout', { headers: { cookie: sid } });
    assert.equal(out.status, 204);
    assert.match(String(out.headers['set-cookie']), /Max-Age=0/);
    assert.equal((await request(port, 'GET', '/auth/session', { headers: { cookie: sid } })).status, 401);
  });

  it('accepts the API key itself, rejects a wrong one, and wants JSON', async () => {
    assert.equal((await request(port, 'POST', '/auth/login', json({ key: master.key }))).status, 200);
    const wrong = await request(port, 'POST', '/auth/login', json({ key: 'f'.repeat(32) }));
    assert.equal(wrong.status, 401);
    assert.equal(JSON.parse(wrong.body).error, 'wrong API key');
    const form = await request(port, 'POST', '/auth/login', { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'token=x' });
    assert.equal(form.status, 415);
    const hugeBody = json({ key: 'k'.repeat(5000) });
    const huge = await request(port, 'POST', '/auth/login', hugeBody);
    assert.equal(huge.status, 413);
    assert.equal(JSON.parse(huge.body).error, `Request body too large: ${hugeBody.body.length} bytes (limit 4096)`);
    const broken = await request(port, 'POST', '/auth/login', { headers: { 'content-type': 'application/json' }, body: '{"key":' });
    assert.equal(broken.status, 400);
    assert.match(JSON.parse(broken.body).error, /^Invalid request body: malformed JSON/);
  });

  it('passes the master API through on the same origin, events included', async () => {
    const none = await request(port, 'GET', '/api/v1/instances');
    assert.equal(none.status, 401);
    assert.equal(JSON.parse(none.body).error, 'Unauthorized: API key required');
    // A path that looks like another host stays a request to the master, never one elsewhere (a 502).
    const elsewhere = await freePort();
    const odd = await request(port, 'GET', `//127.0.0.1:${elsewhere}/api/v1/instances`, { headers: { 'x-api-key': master.key } });
    assert.equal(odd.status, 200, odd.body);
    assert.equal((JSON.parse(odd.body) as { id: string }[])[0].id, '********', 'the master’s own list');
    const api = new HttpApi({ baseUrl: `http://127.0.0.1:${port}/api/v1`, apiKey: master.key });
    const events: InstanceEvent[] = [];
    const sub = api.subscribe((e) => events.push(e));
    try {
      await eventually(async () => assert.ok(events.some((e) => e.type === 'initial')), 10000);
      const p = await freePort();
      const created = must(await api.createInstance({ alias: 'via-front', url: `client://127.0.0.1:${p}/127.0.0.1:9?mode=1` }));
      await eventually(async () => assert.ok(events.some((e) => e.type === 'create' && e.instance?.id === created.id)), 10000);
      assert.equal(must(await master.api.getInstance(created.id)).alias, 'via-front');
      must(await api.deleteInstance(created.id));
    } finally {
      sub.close();
    }
  });

  it('slows down guessing: many failed sign-ins get 429', async () => {
    let last = 0;
    for (let n = 0; n < 25; n++) last = (await request(port, 'POST', '/auth/login', json({ token: `guess${n}` }))).status;
    assert.equal(last, 429);
  });
});
