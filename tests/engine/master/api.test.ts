// The master API against a real master process on 127.0.0.1 (worker isolation, the default):
// every endpoint with its errors, the live event sequence, traffic through a server+client pair
// created over the API, counters in GET / SSE / metrics / history, reset, and key regeneration.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { echoServer, eventually, freePort, randomData, roundTrip, sha256, type TestServer } from '../../helpers/net';
import { EventLog, must, removeDir, startMaster, type MasterHandle } from '../../helpers/master';
import { InstanceSchema, MasterInfoSchema, TrafficHistorySchema } from '../../../engine/api/schemas';
import type { Instance, InstanceEvent } from '../../../engine/api/types';

let m: MasterHandle;
let echo: TestServer;

before(async () => {
  echo = await echoServer();
  m = await startMaster({ env: { NPD_SSE_HEARTBEAT: '300ms', NPD_BODY_LIMIT: '65536' } });
});
after(async () => {
  await m.kill('SIGKILL');
  await echo.close();
  removeDir(m.stateDir);
});

const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, PATCH, POST, PUT, DELETE, OPTIONS',
  'access-control-allow-headers': 'Content-Type, Authorization, X-API-Key, Cache-Control',
};

async function idleServerUrl(): Promise<string> {
  return `server://127.0.0.1:${await freePort()}/127.0.0.1:${await freePort()}`;
}

async function created(url: string, alias?: string): Promise<Instance> {
  const r = await m.raw('POST', '/instances', { body: JSON.stringify({ url, alias }) });
  assert.equal(r.status, 201, r.text);
  return r.json as Instance;
}

describe('authentication, CORS and routing', () => {
  test('401 without a key and with a wrong one; Bearer works; public endpoints need none', async () => {
    const none = await m.raw('GET', '/instances', { key: null });
    assert.equal(none.status, 401);
    assert.deepEqual(none.json, { error: 'Unauthorized: API key required' });
    const wrong = await m.raw('GET', '/instances', { key: '0'.repeat(32) });
    assert.equal(wrong.status, 401);
    assert.deepEqual(wrong.json, { error: 'Unauthorized: Invalid API key' });
    for (const p of ['/events', '/info', '/tcping?target=127.0.0.1:1', '/metrics', '/instances/abc']) {
      assert.equal((await m.raw('GET', p, { key: null })).status, 401, p);
    }
    const bearer = await m.raw('GET', '/instances', { key: null, headers: { Authorization: `Bearer ${m.key}` } });
    assert.equal(bearer.status, 200);
    assert.equal((await m.raw('GET', '/openapi.json', { key: null })).status, 200);
    assert.equal((await m.raw('GET', '/docs', { key: null })).status, 200);
  });

  test('OPTIONS answers 200 before authentication; JSON responses carry CORS headers and a trailing newline', async () => {
    const o = await m.raw('OPTIONS', '/instances', { key: null });
    assert.equal(o.status, 200);
    assert.equal(o.text, '');
    const r = await m.raw('GET', '/instances');
    for (const [k, v] of Object.entries(CORS)) {
      assert.equal(o.headers.get(k), v, `OPTIONS ${k}`);
      assert.equal(r.headers.get(k), v, `GET ${k}`);
    }
    assert.equal(r.headers.get('content-type'), 'application/json');
    assert.ok(r.text.endsWith('\n'));
  });

  test("unknown paths get Go's plain 404; unknown IDs get JSON 404; empty ID 400; bad method 405", async () => {
    const p = await m.raw('GET', '/nope');
    assert.equal(p.status, 404);
    assert.equal(p.text, '404 page not found\n');
    assert.equal((await fetch(`http://127.0.0.1:${m.port}/other/v1/instances`)).status, 404);
    for (const method of ['GET', 'PATCH', 'PUT', 'DELETE', 'POST']) {
      const r = await m.raw(method, '/instances/deadbeef', { body: method === 'GET' || method === 'DELETE' ? undefined : '{}' });
      assert.equal(r.status, 404, method);
      assert.deepEqual(r.json, { error: 'Instance not found' });
    }
    const empty = await m.raw('GET', '/instances/');
    assert.equal(empty.status, 400);
    assert.deepEqual(empty.json, { error: 'Instance ID is required' });
    const inst = await created(await idleServerUrl());
    const post = await m.raw('POST', `/instances/${inst.id}`, { body: '{}' });
    assert.equal(post.status, 405);
    assert.deepEqual(post.json, { error: 'Method not allowed' });
    assert.equal((await m.raw('DELETE', '/instances')).status, 405);
    assert.equal((await m.raw('POST', '/events', { body: '{}' })).status, 405);
    assert.equal((await m.raw('DELETE', '/info')).status, 405);
    assert.equal((await m.raw('POST', '/tcping', { body: '{}' })).status, 405);
    assert.equal((await m.raw('DELETE', `/instances/${inst.id}`)).status, 204);
  });
});

describe('instances', () => {
  test('the API-key record comes first: url is the key, config the master ID (= /info mid); 403 on PUT and DELETE', async () => {
    const list = must(await m.api.listInstances());
    const keyRec = list[0];
    assert.equal(keyRec.id, '********');
    assert.equal(keyRec.url, m.key);
    assert.match(keyRec.config, /^[0-9a-f]{16}$/);
    assert.equal(keyRec.type, '');
    assert.equal(keyRec.status, '');
    const info = must(await m.api.getInfo());
    assert.equal(info.mid, keyRec.config, '/info reports the master ID from the first start (NodePass: empty)');
    assert.deepEqual(MasterInfoSchema.parse(info), info);
    assert.deepEqual(Object.keys(info), [...Object.keys(info)].sort(), 'keys sorted like a Go map');
    const put = await m.raw('PUT', '/instances/********', { body: JSON.stringify({ url: await idleServerUrl() }) });
    assert.equal(put.status, 403);
    assert.deepEqual(put.json, { error: 'Forbidden: API Key' });
    const del = await m.raw('DELETE', '/instances/%2A%2A%2A%2A%2A%2A%2A%2A');
    assert.equal(del.status, 403);
    assert.deepEqual(del.json, { error: 'Forbidden: API Key' });
    // PATCH on the key record ignores everything but action=restart.
    const patch = await m.raw('PATCH', '/instances/********', { body: JSON.stringify({ alias: 'x', action: 'stop' }) });
    assert.equal(patch.status, 200);
    assert.equal((patch.json as Instance).url, m.key);
  });

  test('POST: 400s name what is wrong; a valid URL is normalised (§9.9) and the instance starts', async () => {
    const cases: Array<[string, RegExp]> = [
      ['{"url": ', /^Invalid request body: malformed JSON/],
      ['', /^Invalid request body: empty/],
      ['[]', /^Invalid request body: expected a JSON object, got array/],
      ['{"url": 5}', /^Invalid request body: url: expected string, got number$/],
      ['{}', /^Invalid request body: url: expected string, got nothing$/],
      ['{"url": ""}', /^Invalid request body: url: expected a server:\/\/ or client:\/\/ URL/],
      ['{"url": "master://127.0.0.1:1/api"}', /^Invalid URL scheme: master/],
      ['{"url": "http://x:1/y:2"}', /^Invalid URL scheme: http/],
      ['{"url": "server://127.0.0.1:10101/127.0.0.1:8080?tls=3"}', /^Invalid URL format: tls=3: expected 0, 1 or 2$/],
      ['{"url": "server://127.0.0.1:99999/127.0.0.1:8080"}', /^Invalid URL format: tunnel address/],
      [`{"url": "server://127.0.0.1:1/127.0.0.1:2", "alias": "${'a'.repeat(257)}"}`, /^Instance alias exceeds maximum length 256$/],
      ['{"url": "server://127.0.0.1:1/127.0.0.1:2", "alias": 7}', /^Invalid request body: alias: expected string, got number$/],
    ];
    const before = must(await m.api.listInstances()).length;
    for (const [body, re] of cases) {
      const r = await m.raw('POST', '/instances', { body });
      assert.equal(r.status, 400, body);
      assert.match((r.json as { error: string }).error, re, body);
    }
    assert.equal(must(await m.api.listInstances()).length, before, 'nothing was created');

    const tunnel = await freePort();
    const target = await freePort();
    const inst = await created(`server://127.0.0.1:${tunnel}/127.0.0.1:${target}?tls=1&max=512`, 'first');
    assert.match(inst.id, /^[0-9a-f]{8}$/);
    assert.equal(inst.alias, 'first');
    assert.equal(inst.type, 'server');
    assert.equal(inst.restart, true);
    assert.equal(inst.url, `server://127.0.0.1:${tunnel}/127.0.0.1:${target}?log=info&max=512&tls=1`);
    assert.equal(
      inst.config,
      `server://127.0.0.1:${tunnel}/127.0.0.1:${target}?block=0&dial=auto&dns=5m0s&log=info&max=512&mode=0&notcp=0&noudp=0&proxy=0&rate=0&read=0s&slot=65536&tls=1&type=0`,
    );
    assert.deepEqual(inst.meta, { peer: { sid: '', type: '', alias: '' }, tags: {} });
    assert.deepEqual(InstanceSchema.parse(inst), inst);
    const raw = await m.raw('GET', `/instances/${inst.id}`);
    assert.match(raw.text, /\\u0026/, "'&' escaped as Go's encoder does");
    await eventually(async () => assert.equal(must(await m.api.getInstance(inst.id)).status, 'running'), 10000);
  });

  test('413 for a body over the limit', async () => {
    const big = JSON.stringify({ url: await idleServerUrl(), alias: 'x'.repeat(70_000) });
    const r = await m.raw('POST', '/instances', { body: big });
    assert.equal(r.status, 413);
    assert.match((r.json as { error: string }).error, /^Request body too large/);
  });

  test('PATCH validates the whole body first: no partial updates; each field as NodePass applies it', async () => {
    const inst = await created(await idleServerUrl(), 'orig');
    const bad: Array<[unknown, string | RegExp]> = [
      [{ alias: 'changed', restart: 'yes' }, 'Invalid request body: restart: expected boolean, got string'],
      [{ alias: 'changed', action: 'jump' }, 'Invalid action: jump'],
      [{ alias: 'changed', action: 3 }, 'Invalid request body: action: expected string, got number'],
      [{ alias: 'changed', meta: { peer: { sid: 's'.repeat(300) } } }, 'Meta peer.sid exceeds maximum length 256'],
      [{ alias: 'changed', meta: { tags: { k: 'v'.repeat(257) } } }, 'Meta tag value exceeds maximum length 256'],
      [{ alias: 'changed', meta: { tags: { ['k'.repeat(257)]: 'v' } } }, 'Meta tag key exceeds maximum length 256'],
      [{ alias: 'changed', meta: { tags: ['a'] } }, /^Invalid request body: meta\.tags: expected record, got array$/],
      [{ alias: 'ü'.repeat(129) }, 'Instance alias exceeds maximum length 256'],
    ];
    for (const [body, msg] of bad) {
      const r = await m.raw('PATCH', `/instances/${inst.id}`, { body: JSON.stringify(body) });
      assert.equal(r.status, 400, JSON.stringify(body));
      if (typeof msg === 'string') assert.deepEqual(r.json, { error: msg });
      else assert.match((r.json as { error: string }).error, msg);
    }
    const malformed = await m.raw('PATCH', `/instances/${inst.id}`, { body: '{"alias":' });
    assert.equal(malformed.status, 400, 'NodePass answers 200 here (§10.2 #10)');
    const now = must(await m.api.getInstance(inst.id));
    assert.equal(now.alias, 'orig', 'no partial update');
    assert.equal(now.restart, true);

    const ok = must(await m.api.updateInstance(inst.id, { alias: 'renamed', restart: false, meta: { peer: { sid: '1', type: 'a', alias: 'p' }, tags: { z: '1', a: '2' } } }));
    assert.equal(ok.alias, 'renamed');
    assert.equal(ok.restart, false);
    assert.deepEqual(ok.meta.peer, { sid: '1', type: 'a', alias: 'p' });
    const raw = await m.raw('GET', `/instances/${inst.id}`);
    assert.match(raw.text, /"tags":\{"a":"2","z":"1"\}/, 'tag keys sorted');
    // An empty alias does not clear it (NodePass); `peer: {}` clears the peer; null leaves fields alone.
    const again = must(await m.api.updateInstance(inst.id, { alias: '', meta: { peer: { sid: '', type: '', alias: '' }, tags: null } }));
    assert.equal(again.alias, 'renamed');
    assert.deepEqual(again.meta, { peer: { sid: '', type: '', alias: '' }, tags: { a: '2', z: '1' } });
  });

  test('PUT: 409 for the same URL, 400 for a bad one, else stop + new URL + start', async () => {
    const inst = await created(await idleServerUrl());
    const same = await m.raw('PUT', `/instances/${inst.id}`, { body: JSON.stringify({ url: inst.url.replace('?log=info', '') }) });
    assert.equal(same.status, 409);
    assert.deepEqual(same.json, { error: 'Instance URL conflict' });
    const bad = await m.raw('PUT', `/instances/${inst.id}`, { body: JSON.stringify({ url: 'client://127.0.0.1:0/x:1' }) });
    assert.equal(bad.status, 400);
    assert.match((bad.json as { error: string }).error, /^Invalid URL format: tunnel address/);
    const target = await freePort();
    const next = `client://127.0.0.1:${await freePort()}/127.0.0.1:${target}?mode=1`;
    const put = must(await m.api.replaceInstance(inst.id, { url: next }));
    assert.equal(put.type, 'client');
    assert.equal(put.url, next.replace('?mode=1', '?log=info&mode=1'));
    await eventually(async () => assert.equal(must(await m.api.getInstance(inst.id)).status, 'running'), 10000);
  });

  test('GET/POST /info; tcping', async () => {
    const set = await m.raw('POST', '/info', { body: JSON.stringify({ alias: 'edge-1' }) });
    assert.equal(set.status, 200);
    assert.equal((set.json as { alias: string }).alias, 'edge-1');
    assert.equal(must(await m.api.listInstances())[0].alias, 'edge-1', 'kept on the key record');
    const long = await m.raw('POST', '/info', { body: JSON.stringify({ alias: 'x'.repeat(257) }) });
    assert.deepEqual([long.status, long.json], [400, { error: 'Master alias exceeds maximum length 256' }]);
    const badInfo = await m.raw('POST', '/info', { body: 'nope' });
    assert.equal(badInfo.status, 400);
    const info = must(await m.api.getInfo());
    assert.equal(info.name, '127.0.0.1');
    assert.equal(info.tls, '0');
    assert.equal(info.log, 'info');
    assert.ok(info.uptime >= 0);

    const up = must(await m.api.tcping(`127.0.0.1:${echo.port}`));
    assert.deepEqual({ ...up, latency: 0 }, { target: `127.0.0.1:${echo.port}`, connected: true, latency: 0, error: null });
    const closed = await freePort();
    const down = must(await m.api.tcping(`127.0.0.1:${closed}`));
    assert.equal(down.connected, false);
    assert.equal(down.error, `dial tcp 127.0.0.1:${closed}: connect: connection refused`);
    const missing = await m.raw('GET', '/tcping');
    assert.deepEqual([missing.status, missing.json], [400, { error: 'Target address required' }]);
  });

  test('openapi.json (OpenAPI 3.1 from the validation schemas) and an offline docs page', async () => {
    const r = await m.raw('GET', '/openapi.json', { key: null });
    assert.equal(r.headers.get('content-type'), 'application/json');
    const doc = r.json as { openapi: string; servers: Array<{ url: string }>; paths: Record<string, unknown>; components: { schemas: Record<string, { properties?: Record<string, unknown> }> } };
    assert.equal(doc.openapi, '3.1.1');
    assert.equal(doc.servers[0].url, '/api/v1');
    for (const p of ['/instances', '/instances/{id}', '/events', '/info', '/tcping', '/openapi.json', '/docs', '/metrics', '/instances/{id}/traffic']) assert.ok(doc.paths[p], p);
    for (const s of ['Instance', 'CreateInstanceRequest', 'UpdateInstanceRequest', 'PutInstanceRequest', 'Meta', 'Peer', 'MasterInfo', 'UpdateMasterAliasRequest', 'TCPingResult']) {
      assert.ok(doc.components.schemas[s], s);
    }
    assert.deepEqual(Object.keys(doc.components.schemas.Instance.properties!).slice(0, 4), ['id', 'alias', 'type', 'status']);
    const docs = await m.raw('GET', '/docs', { key: null });
    assert.match(docs.headers.get('content-type')!, /^text\/html/);
    assert.match(docs.text, /PATCH<\/span> <code>\/instances\/\{id\}<\/code>/);
    assert.doesNotMatch(docs.text, /(src|href)="(https?:)?\/\//, 'no external resources');
    assert.doesNotMatch(docs.text, /<script/);
  });
});

/** Parses Prometheus text format 0.0.4 strictly; throws on anything malformed. */
function parsePrometheus(text: string): Map<string, number> {
  assert.ok(text.endsWith('\n'), 'ends with a newline');
  const types = new Map<string, string>();
  const helps = new Set<string>();
  const samples = new Map<string, number>();
  const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
  const sampleRe = new RegExp(`^(${NAME})(\\{(.*)\\})? (\\S+)$`);
  const labelRe = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/;
  for (const line of text.slice(0, -1).split('\n')) {
    if (line.startsWith('# HELP ')) {
      const m = new RegExp(`^# HELP (${NAME}) (.*)$`).exec(line);
      assert.ok(m, `HELP line: ${line}`);
      assert.ok(!helps.has(m[1]), `one HELP per family: ${m[1]}`);
      helps.add(m[1]);
      continue;
    }
    if (line.startsWith('# TYPE ')) {
      const m = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`).exec(line);
      assert.ok(m, `TYPE line: ${line}`);
      assert.ok(!types.has(m[1]), `one TYPE per family: ${m[1]}`);
      types.set(m[1], m[2]);
      continue;
    }
    assert.ok(!line.startsWith('#') && line.trim() !== '', `unexpected line: ${JSON.stringify(line)}`);
    const m = sampleRe.exec(line);
    assert.ok(m, `sample line: ${line}`);
    assert.ok(types.has(m[1]), `TYPE declared before samples of ${m[1]}`);
    let rest = m[3] ?? '';
    const labels: string[] = [];
    while (rest !== '') {
      const l = labelRe.exec(rest);
      assert.ok(l, `labels of: ${line}`);
      labels.push(`${l[1]}=${l[2]}`);
      rest = rest.slice(l[0].length);
    }
    const value = Number(m[4]);
    assert.ok(Number.isFinite(value) || /^[+-]?Inf$|^NaN$/.test(m[4]), `value of: ${line}`);
    if (types.get(m[1]) === 'counter') assert.ok(value >= 0, `counter ≥ 0: ${line}`);
    const key = `${m[1]}{${labels.sort().join(',')}}`;
    assert.ok(!samples.has(key), `duplicate series ${key}`);
    samples.set(key, value);
  }
  return samples;
}

describe('live events, traffic and counters', () => {
  let events: EventLog;
  before(() => {
    events = new EventLog(m.api);
  });
  after(() => events.close());

  test('SSE: retry hint, initial burst, heartbeat comments, then create → start → update → log → stop → delete', async () => {
    // Raw stream: the exact framing.
    const ctl = new AbortController();
    const res = await fetch(`${m.base}/events`, { headers: { 'X-API-Key': m.key }, signal: ctl.signal });
    assert.equal(res.headers.get('content-type'), 'text/event-stream');
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    const reader = res.body!.getReader();
    let text = '';
    const dec = new TextDecoder();
    while (!/: heartbeat\n\n/.test(text)) text += dec.decode((await reader.read()).value);
    ctl.abort();
    assert.ok(text.startsWith('retry: 3000\n\n'), text.slice(0, 40));
    const first = /^event: instance\ndata: (.*)\n\n/m.exec(text.slice('retry: 3000\n\n'.length));
    assert.ok(first);
    const initial = JSON.parse(first[1]) as InstanceEvent;
    assert.equal(initial.type, 'initial');
    assert.equal(initial.instance!.id, '********');
    assert.equal(initial.logs, '');
    assert.match(initial.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);

    await events.wait((e) => e.type === 'initial' && e.instance?.id === '********');
    const from = events.events.length;
    const inst = await created(await idleServerUrl());
    const c = await events.wait((e) => e.type === 'create' && e.instance?.id === inst.id, 5000, from);
    const running = await events.wait((e) => e.type === 'update' && e.instance?.id === inst.id && e.instance.status === 'running', 5000, from);
    const log = await events.wait((e) => e.type === 'log' && e.instance?.id === inst.id && /Server started/.test(e.logs), 10000, from);
    assert.match(log.logs, /\x1b\[32mINFO\x1b\[0m {2}Server started: server:\/\//, 'raw line with ANSI colours');
    // Stats-driven updates arrive while running (mode learnt from the engine).
    await events.wait((e) => e.type === 'update' && e.instance?.id === inst.id && e.instance.mode === 1, 10000, from);
    must(await m.api.updateInstance(inst.id, { action: 'stop' }));
    const stopped = await events.wait((e) => e.type === 'update' && e.instance?.id === inst.id && e.instance.status === 'stopped', 5000, from);
    must(await m.api.deleteInstance(inst.id));
    const del = await events.wait((e) => e.type === 'delete' && e.instance?.id === inst.id, 5000, from);
    const order = [c, running, stopped, del].map((e) => events.events.indexOf(e));
    assert.deepEqual(order, [...order].sort((a, b) => a - b), 'create < running < stopped < delete');
    assert.ok(events.events.indexOf(log) > events.events.indexOf(c));
    assert.ok(events.events.slice(from).every((e) => e.type === 'log' || e.logs === ''), 'logs is "" except for log events');
    assert.ok(!events.events.some((e) => /CHECK_POINT/.test(e.logs)), 'CHECK_POINT lines are not sent as logs');
  });

  test('a server+client pair created over the API carries traffic; GET, SSE, metrics and history count it; reset zeroes; restarts keep totals', async () => {
    const tunnel = await freePort();
    const entry = await freePort();
    const server = await created(`server://127.0.0.1:${tunnel}/127.0.0.1:${entry}`, 'srv');
    const client = await created(`client://127.0.0.1:${tunnel}/127.0.0.1:${echo.port}?mode=2`, 'cli');
    const warm = randomData(1024);
    await eventually(async () => assert.equal(sha256(await roundTrip(entry, warm, '127.0.0.1', 5000)), sha256(warm)), 20000, 200);
    // Reset zeroes what the master knows, so let both sides report the warm-up first.
    await eventually(async () => {
      assert.ok(must(await m.api.getInstance(server.id)).tcptx >= 1024);
      assert.ok(must(await m.api.getInstance(client.id)).tcptx >= 1024);
    }, 5000);

    const from = events.events.length;
    for (const id of [server.id, client.id]) {
      const r = must(await m.api.updateInstance(id, { action: 'reset' }));
      assert.deepEqual([r.tcprx, r.tcptx, r.udprx, r.udptx], [0, 0, 0, 0]);
    }
    await events.wait((e) => e.type === 'update' && e.instance?.id === server.id && e.instance.tcprx === 0 && e.instance.tcptx === 0, 3000, from);

    const N = 3 * 1024 * 1024 + 7;
    const data = randomData(N);
    const back = await roundTrip(entry, data);
    assert.equal(sha256(back), sha256(data), 'bytes intact');
    await eventually(async () => {
      const s = must(await m.api.getInstance(server.id));
      const c = must(await m.api.getInstance(client.id));
      assert.deepEqual([s.tcprx, s.tcptx, c.tcprx, c.tcptx], [N, N, N, N]);
    }, 5000);
    const sse = await events.wait((e) => e.type === 'update' && e.instance?.id === server.id && e.instance.tcprx === N, 5000, from);
    assert.equal(sse.instance!.tcptx, N);
    assert.equal(sse.instance!.status, 'running');

    const metrics = await m.raw('GET', '/metrics');
    assert.match(metrics.headers.get('content-type')!, /^text\/plain; version=0\.0\.4/);
    const series = parsePrometheus(metrics.text);
    assert.equal(series.get(`nodepass_instance_bytes_total{direction=rx,id=${server.id},proto=tcp}`), N);
    assert.equal(series.get(`nodepass_instance_bytes_total{direction=tx,id=${client.id},proto=tcp}`), N);
    assert.equal(series.get(`nodepass_instance_up{id=${server.id}}`), 1);
    assert.equal(series.get(`nodepass_instance_status{id=${server.id},status=running}`), 1);
    assert.equal(series.get(`nodepass_instance_info{alias=srv,id=${server.id},type=server}`), 1);
    assert.ok(series.has(`nodepass_instance_ping_seconds{id=${client.id}}`));
    assert.ok(series.has(`nodepass_instance_pool_connections{id=${server.id}}`));
    assert.ok(series.has(`nodepass_instance_sessions{id=${server.id},proto=tcp}`));

    const hist = must(await m.api.trafficHistory(server.id, 'minute'));
    assert.deepEqual(TrafficHistorySchema.parse(hist), hist);
    const sum = hist.points.reduce((a, p) => a + p.tcprx, 0);
    assert.equal(sum, N + 1024, 'history counts every byte (reset does not rewrite history)');
    assert.ok(must(await m.api.trafficHistory(server.id, 'hour')).points.length >= 1);
    const badRes = await m.raw('GET', `/instances/${server.id}/traffic?resolution=day`);
    assert.deepEqual([badRes.status, badRes.json], [400, { error: 'Invalid resolution: day (expected minute or hour)' }]);

    // A restart starts a new engine (counters from 0 inside it); the totals carry on (§9.8).
    must(await m.api.updateInstance(server.id, { action: 'restart' }));
    const afterRestart = must(await m.api.getInstance(server.id));
    assert.equal(afterRestart.tcprx, N);
    const more = randomData(4096);
    await eventually(async () => assert.equal(sha256(await roundTrip(entry, more, '127.0.0.1', 5000)), sha256(more)), 20000, 200);
    await eventually(async () => {
      const s = must(await m.api.getInstance(server.id));
      assert.ok(s.tcprx >= N + 4096 && s.tcptx >= N + 4096, `tcprx=${s.tcprx} tcptx=${s.tcptx}`);
    }, 5000);
  });

  test('regenerating the API key: new key in the response, event streams get shutdown and close, old key refused', async () => {
    const raw = await fetch(`${m.base}/events`, { headers: { 'X-API-Key': m.key } });
    const reader = raw.body!.getReader();
    const oldKey = m.key;
    const r = await m.raw('PATCH', '/instances/********', { body: JSON.stringify({ action: 'restart' }) });
    assert.equal(r.status, 200);
    const newKey = (r.json as Instance).url;
    assert.match(newKey, /^[0-9a-f]{32}$/);
    assert.notEqual(newKey, oldKey);
    let text = '';
    const dec = new TextDecoder();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += dec.decode(value);
    }
    assert.match(text, /"type":"shutdown","time":"[^"]+","instance":null,"logs":""/);
    assert.equal((await m.raw('GET', '/instances', { key: oldKey })).status, 401);
    assert.equal((await m.raw('GET', '/instances', { key: newKey })).status, 200);
    m.key = newKey;
    m.api.setApiKey(newKey);
  });
});
