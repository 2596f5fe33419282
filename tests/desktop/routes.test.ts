// Headless mode's desktop routes on a real HTTP server with real masters: the fleet pass-through
// swaps the local key for the remote master's (which never reaches the caller), streams events,
// and refuses callers without the local key; the desktop API answers as over IPC.

import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { MasterEntry } from '../../engine/api/desktop';
import { HttpApi } from '../../engine/api/http-client';
import { desktopRoutes } from '../../desktop/routes';
import { DesktopService } from '../../desktop/service';
import { eventually } from '../helpers/net';
import { must, removeDir, startMaster, type MasterHandle } from '../helpers/master';

describe('headless desktop routes', () => {
  let local: MasterHandle;
  let remote: MasterHandle;
  let server: http.Server;
  let origin = '';
  let dir = '';

  before(async () => {
    [local, remote] = await Promise.all([startMaster(), startMaster()]);
    dir = mkdtempSync(path.join(os.tmpdir(), 'npd-routes-'));
    const svc = new DesktopService({ file: path.join(dir, 'desktop.json'), local: () => ({ url: local.base, key: local.key }), appliedApiAccess: { mode: 'loopback', port: 0, tls: 0, crt: '', key: '' } });
    const routes = desktopRoutes(svc, () => local.key);
    server = http.createServer((req, res) => {
      if (!routes(req, res)) {
        res.writeHead(418);
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });

  after(async () => {
    server.closeAllConnections();
    server.close();
    await Promise.all([local.kill('SIGTERM'), remote.kill('SIGTERM')]);
    for (const d of [local.stateDir, remote.stateDir, dir]) removeDir(d);
  });

  const call = async (method: string, p: string, body?: unknown, key: string | null = local.key) => {
    const r = await fetch(origin + p, { method, headers: { ...(key ? { 'X-API-Key': key } : {}), 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    return { status: r.status, headers: r.headers, text, json: text ? (JSON.parse(text) as unknown) : null };
  };

  it('adds a master and passes its API through with its own key', async () => {
    assert.equal((await call('GET', '/desktop/masters', undefined, null)).status, 401);
    assert.equal((await call('GET', '/desktop/masters', undefined, remote.key)).status, 401, 'the remote key is not the local one');
    const added = await call('POST', '/desktop/masters', { url: remote.base, key: remote.key, name: 'far' });
    assert.equal(added.status, 201, added.text);
    const entry = added.json as MasterEntry;
    assert.ok(!added.text.includes(remote.key), 'keys never come back');
    const list = await call('GET', '/desktop/masters');
    assert.ok(!list.text.includes(remote.key));
    assert.deepEqual((list.json as MasterEntry[]).map((m) => m.name), ['', 'far']);

    // The page's HttpApi pointed at /fleet/<id> with the local key: it is the remote master.
    const api = new HttpApi({ baseUrl: `${origin}/fleet/${entry.id}`, apiKey: local.key, reconnectMinMs: 100 });
    const created = must(await api.createInstance({ alias: 'via-proxy', url: 'client://127.0.0.1:1/127.0.0.1:2?mode=1' }));
    assert.equal(must(await remote.api.getInstance(created.id)).alias, 'via-proxy');
    assert.equal((await local.api.getInstance(created.id)).ok, false);
    const info = await call('GET', `/fleet/${entry.id}/info`);
    assert.equal(info.status, 200);
    assert.ok(![...info.headers.values()].some((v) => v.includes(remote.key)));
    // Live events come through the pass-through too.
    const seen: string[] = [];
    const sub = api.subscribe((e) => seen.push(`${e.type}:${e.instance?.alias ?? ''}`));
    await eventually(async () => assert.ok(seen.includes('initial:via-proxy'), seen.join(',')), 15000);
    must(await api.updateInstance(created.id, { alias: 'renamed' }));
    await eventually(async () => assert.ok(seen.includes('update:renamed'), seen.join(',')), 15000);
    sub.close();

    assert.equal((await call('GET', `/fleet/${entry.id}/instances`, undefined, null)).status, 401);
    assert.deepEqual((await call('GET', '/fleet/nope/instances')).json, { error: 'no master "nope" in the fleet' });
    assert.equal((await call('DELETE', `/desktop/masters/${entry.id}`)).status, 204);
    assert.equal((await call('GET', `/fleet/${entry.id}/info`)).status, 404);
  });

  it('settings: validation errors are 400 with the reason; notify is for the app only', async () => {
    const bad = await call('PATCH', '/desktop/settings', { apiAccess: { mode: 'network', port: 9999, tls: 0 } });
    assert.deepEqual([bad.status, bad.json], [400, { error: 'apiAccess: opening the API to the network requires TLS (tls=1 or tls=2)' }]);
    const ok = await call('PATCH', '/desktop/settings', { locale: 'zh' });
    assert.equal((ok.json as { locale: string }).locale, 'zh');
    assert.equal((await call('POST', '/desktop/notify', { title: 'x', body: 'y' })).status, 501);
  });

  it('checks bodies against the desktop API’s schemas and names the field; a bad path is a 400, not a crash', async () => {
    const cases: [string, string, unknown, number, string][] = [
      ['POST', '/desktop/masters', [1], 400, 'expected object, got array'],
      ['POST', '/desktop/masters', { url: 7, key: 'k' }, 400, 'url: expected string, got number'],
      ['POST', '/desktop/masters', { url: remote.base, key: ' ' }, 400, 'key: the master’s API key is required'],
      ['POST', '/desktop/masters', { url: remote.base, key: 'k', name: 'n'.repeat(257) }, 400, 'name: at most 256 characters'],
      ['PATCH', '/desktop/settings', { apiAccess: { port: 70000 } }, 400, 'apiAccess.port: expected a port number 0-65535'],
      ['PATCH', '/desktop/settings', { autostart: 'yes' }, 400, 'autostart: expected boolean, got string'],
      ['PATCH', '/desktop/masters/nope', { name: 'x' }, 404, 'no master "nope"'],
      ['PATCH', '/desktop/masters/%E0%A4%A', { name: 'x' }, 400, 'master id: bad percent-encoding'],
      ['GET', '/fleet/%E0%A4%A/info', undefined, 400, 'master id: bad percent-encoding'],
    ];
    for (const [method, p, body, status, error] of cases) {
      const r = await call(method, p, body);
      assert.deepEqual([r.status, r.json], [status, { error }], `${method} ${p} ${JSON.stringify(body)}`);
    }
    const big = await fetch(`${origin}/desktop/settings`, { method: 'PATCH', headers: { 'X-API-Key': local.key }, body: JSON.stringify({ locale: 'x'.repeat(70_000) }) });
    assert.equal(big.status, 413);
    assert.deepEqual((await call('GET', '/desktop/masters')).status, 200, 'the server is still up');
  });
});
