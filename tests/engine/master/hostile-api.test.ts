// Bad input on the master API (issue 9), with the routes, methods and body schemas enumerated from
// the master's own openapi.json, so a route added later is covered without touching this file
// (one with a request body needs a valid example below, or this test says so). Then slow clients:
// slowloris on the API port is cut off by the header and request timeouts, while event streams
// stay open.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import { must, removeDir, startMaster, type MasterHandle } from '../../helpers/master';

let m: MasterHandle;
let doc: OpenApi;
let fixedId = '';
const BODY_LIMIT = 4096;

interface Schema {
  type?: string | string[];
  anyOf?: Schema[];
  $ref?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  enum?: unknown[];
  required?: string[];
}
interface Operation {
  security?: unknown[];
  requestBody?: { content: Record<string, { schema: Schema }> };
}
interface OpenApi {
  security: unknown[];
  paths: Record<string, Record<string, Operation | unknown>>;
  components: { schemas: Record<string, Schema> };
}
interface Op {
  method: string;
  path: string;
  op: Operation;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

function operations(): Op[] {
  const out: Op[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) if (item[method]) out.push({ method: method.toUpperCase(), path, op: item[method] as Operation });
  }
  return out;
}

const isProtected = (o: Op) => (o.op.security ?? doc.security).length > 0;

function resolve(s: Schema): Schema {
  return s.$ref ? doc.components.schemas[s.$ref.split('/').pop()!] : s;
}

function bodySchema(o: Op): Schema | null {
  const s = o.op.requestBody?.content['application/json']?.schema;
  return s ? resolve(s) : null;
}

/** Types a schema accepts (anyOf flattened), e.g. ['string', 'null']. */
function typesOf(s: Schema): string[] {
  const r = resolve(s);
  if (r.anyOf) return r.anyOf.flatMap(typesOf);
  if (Array.isArray(r.type)) return r.type;
  return r.type ? [r.type] : [];
}

function objectPart(s: Schema): Schema | null {
  const r = resolve(s);
  if (r.anyOf) return r.anyOf.map(objectPart).find((x) => x !== null) ?? null;
  return typesOf(r).includes('object') ? r : null;
}

/** A value of a type the field does not accept. */
function wrongValue(s: Schema): unknown {
  const t = typesOf(s);
  if (!t.includes('number') && !t.includes('integer')) return 12345;
  if (!t.includes('boolean')) return true;
  return [];
}

/** [dotted path, body] pairs: one wrong-typed field each, nested objects included. */
function wrongBodies(s: Schema, prefix: string[] = []): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  const obj = objectPart(s);
  if (!obj) return out;
  const wrap = (p: string[], v: unknown): unknown => p.reduceRight<unknown>((acc, k) => ({ [k]: acc }), v);
  for (const [k, child] of Object.entries(obj.properties ?? {})) {
    const p = [...prefix, k];
    out.push([p.join('.'), wrap(p, wrongValue(child))]);
    if (objectPart(child)) out.push(...wrongBodies(child, p));
  }
  if (obj.additionalProperties && typeof obj.additionalProperties === 'object') {
    const p = [...prefix, 'somekey'];
    out.push([p.join('.'), wrap(p, wrongValue(obj.additionalProperties))]);
  }
  return out;
}

/** A body each operation accepts, by `METHOD path`; a new operation with a body needs one here. */
function validBody(o: Op): unknown {
  const examples: Record<string, unknown> = {
    'POST /instances': { url: 'client://127.0.0.1:1/127.0.0.1:2?mode=2', alias: 'made by the hostile test' },
    'PATCH /instances/{id}': { alias: 'renamed', meta: { tags: { a: 'b' } } },
    'PUT /instances/{id}': { url: `client://127.0.0.1:1/127.0.0.1:${3 + Math.floor(Math.random() * 60000)}?mode=2` },
    'POST /info': { alias: 'hostile-master' },
  };
  const key = `${o.method} ${o.path}`;
  assert.ok(key in examples, `no valid example body for ${key}: add one to validBody()`);
  return examples[key];
}

interface Raw {
  status: number;
  text: string;
  json: unknown;
}

/** One request with the path exactly as given (no URL normalisation), on a fresh connection. */
function raw(method: string, path: string, o: { body?: string | Buffer; key?: string | null; headers?: Record<string, string>; chunked?: boolean } = {}): Promise<Raw> {
  return new Promise((resolvePromise, reject) => {
    const headers: Record<string, string> = { Connection: 'close', ...o.headers };
    const key = o.key === undefined ? m.key : o.key;
    if (key !== null) headers['X-API-Key'] = key;
    if (o.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      if (!o.chunked) headers['Content-Length'] = String(Buffer.byteLength(o.body));
    }
    const req = http.request({ host: '127.0.0.1', port: m.port, method, path, headers, timeout: 10000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => {
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolvePromise({ status: res.statusCode ?? 0, text, json });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timeout`)));
    req.on('error', (e) => {
      // A server that answers 413 and closes may reset the rest of a large upload.
      reject(e);
    });
    if (o.body !== undefined) req.end(o.body);
    else req.end();
  });
}

const base = () => m.base.slice(m.base.indexOf('/', 'http://'.length));
const concrete = (path: string, id = fixedId) => base() + path.replace('{id}', id);

before(async () => {
  m = await startMaster({ env: { NPD_BODY_LIMIT: String(BODY_LIMIT), NPD_HEADERS_TIMEOUT: '1s', NPD_REQUEST_TIMEOUT: '2s', NPD_SSE_HEARTBEAT: '0' } });
  doc = (await (await fetch(`${m.base}/openapi.json`)).json()) as OpenApi;
  const inst = must(await m.api.createInstance({ url: 'client://127.0.0.1:1/127.0.0.1:2?mode=2', alias: 'fixed' }));
  must(await m.api.updateInstance(inst.id, { restart: false, action: 'stop' }));
  fixedId = inst.id;
});
after(async () => {
  await m.kill('SIGKILL');
  removeDir(m.stateDir);
});

/** The master is still there and never answered 500 or logged a handler failure. */
async function stillHealthy(): Promise<void> {
  assert.equal((await raw('GET', concrete('/info'))).status, 200);
  assert.doesNotMatch(m.proc.output(), /handler: |Internal error/);
}

describe('bad input, enumerated from openapi.json', () => {
  test('every protected operation: 401 without a key, with wrong keys, with a wrong Bearer; nothing changes', async () => {
    const ops = operations();
    const prot = ops.filter(isProtected);
    assert.ok(prot.length >= 10, `protected operations found: ${prot.map((o) => `${o.method} ${o.path}`).join(', ')}`);
    const before = JSON.stringify(must(await m.api.listInstances()).map((i) => [i.id, i.alias, i.url]));
    const infoBefore = must(await m.api.getInfo()).alias;
    const wrongs: Array<{ key: string | null; headers?: Record<string, string>; error: string }> = [
      { key: null, error: 'Unauthorized: API key required' },
      { key: 'f'.repeat(32), error: 'Unauthorized: Invalid API key' },
      { key: m.key.slice(0, 31), error: 'Unauthorized: Invalid API key' },
      { key: m.key + '0', error: 'Unauthorized: Invalid API key' },
      { key: m.key.toUpperCase(), error: 'Unauthorized: Invalid API key' },
      { key: null, headers: { Authorization: `Bearer ${'0'.repeat(32)}` }, error: 'Unauthorized: Invalid API key' },
      { key: null, headers: { Authorization: `Basic ${Buffer.from(`x:${m.key}`).toString('base64')}` }, error: 'Unauthorized: API key required' },
    ];
    for (const o of prot) {
      const body = o.op.requestBody ? JSON.stringify(validBody(o)) : undefined;
      for (const w of wrongs) {
        const r = await raw(o.method, concrete(o.path), { key: w.key, headers: w.headers, body });
        assert.equal(r.status, 401, `${o.method} ${o.path} with ${JSON.stringify(w)}: ${r.status} ${r.text}`);
        assert.deepEqual(r.json, { error: w.error }, `${o.method} ${o.path}`);
      }
    }
    for (const o of ops.filter((x) => !isProtected(x))) {
      assert.equal((await raw(o.method, concrete(o.path), { key: null })).status, 200, `${o.method} ${o.path} is public`);
    }
    assert.equal(JSON.stringify(must(await m.api.listInstances()).map((i) => [i.id, i.alias, i.url])), before);
    assert.equal(must(await m.api.getInfo()).alias, infoBefore);
    await stillHealthy();
  });

  test('every request body: malformed JSON, not an object, each field with a wrong type, oversized, unknown fields', async () => {
    const withBody = operations().filter((o) => o.op.requestBody);
    assert.ok(withBody.length >= 4);
    for (const o of withBody) {
      const url = concrete(o.path);
      const what = `${o.method} ${o.path}`;
      const schema = bodySchema(o)!;
      const before = await raw('GET', concrete('/instances'));

      for (const bad of ['{"url":', '{alias: 1}', "{'a':1}", '\u0000', '{"a":1}{"b":2}']) {
        const r = await raw(o.method, url, { body: bad });
        assert.equal(r.status, 400, `${what} ${JSON.stringify(bad)}: ${r.text}`);
        assert.match((r.json as { error: string }).error, /^Invalid request body: malformed JSON/, what);
      }
      const empty = await raw(o.method, url, { body: '' });
      assert.equal(empty.status, 400, `${what} empty body`);
      assert.match((empty.json as { error: string }).error, /empty/);
      for (const [text, got] of [['[]', 'array'], ['"x"', 'string'], ['null', 'null'], ['42', 'number'], ['true', 'boolean']]) {
        const r = await raw(o.method, url, { body: text });
        assert.equal(r.status, 400, `${what} ${text}`);
        assert.deepEqual(r.json, { error: `Invalid request body: expected a JSON object, got ${got}` }, what);
      }
      const wrong = wrongBodies(schema);
      assert.ok(wrong.length > 0, `${what}: the schema has fields`);
      for (const [field, body] of wrong) {
        const r = await raw(o.method, url, { body: JSON.stringify(body) });
        assert.equal(r.status, 400, `${what} ${JSON.stringify(body)}: ${r.status} ${r.text}`);
        assert.match((r.json as { error: string }).error, new RegExp(`(^|[ .])${field.replace(/\./g, '\\.')}(:| |$)`), `${what}: the error names ${field}: ${r.text}`);
      }
      for (const req of schema.required ?? []) {
        const b = { ...(validBody(o) as object) } as Record<string, unknown>;
        delete b[req];
        const r = await raw(o.method, url, { body: JSON.stringify(b) });
        assert.equal(r.status, 400, `${what} without ${req}`);
        assert.match((r.json as { error: string }).error, new RegExp(`${req}: expected string, got nothing`), what);
      }
      // Over the limit, with a Content-Length and streamed without one.
      const big = JSON.stringify({ ...(validBody(o) as object), alias: 'a'.repeat(BODY_LIMIT) });
      const declared = await raw(o.method, url, { body: big });
      assert.equal(declared.status, 413, `${what} oversized`);
      assert.match((declared.json as { error: string }).error, /^Request body too large/);
      const streamed = await raw(o.method, url, { body: big, chunked: true }).catch((e: Error) => ({ status: -1, text: e.message, json: null }));
      assert.ok(streamed.status === 413 || (streamed.status === -1 && /ECONNRESET|EPIPE/.test(streamed.text)), `${what} oversized, chunked: ${streamed.status} ${streamed.text}`);
      // No failed request changed anything.
      // Live figures (and the error line of an instance that keeps failing) change by themselves.
      const settled = (t: string) => t.replace(/"(tcp|udp)(rx|tx)":\d+|"ping":\d+|"pool":\d+|"status":"\w*"|,"error":"(?:[^"\\]|\\.)*"/g, '');
      assert.equal(settled((await raw('GET', concrete('/instances'))).text), settled(before.text), `${what}: state unchanged by rejected requests`);

      // Unknown fields are ignored, as NodePass's decoder does; __proto__ is just another key.
      const extra = JSON.stringify({ ...(validBody(o) as object), zzz: 1, nested: { deep: [1, 2] } }).replace(/^\{/, '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},');
      const ok = await raw(o.method, url, { body: extra });
      assert.ok(ok.status >= 200 && ok.status < 300, `${what} with unknown fields: ${ok.status} ${ok.text}`);
      assert.doesNotMatch(ok.text, /zzz|polluted/);
      if (o.method === 'POST' && o.path === '/instances') must(await m.api.deleteInstance((ok.json as { id: string }).id));
    }
    // The master's objects were not polluted: a fresh instance has no stray properties.
    const fresh = must(await m.api.getInstance(fixedId)) as unknown as Record<string, unknown>;
    assert.equal(fresh.polluted, undefined);
    await stillHealthy();
  });

  test('odd IDs on every {id} operation: 400/404/405/431, never a crash or someone else\'s record', async () => {
    const ids = ['..', '.', '%2e%2e', '%2E%2E%2F%2E%2E%2Fetc%2Fpasswd', '..%2F..%2Fmaster.json', '%2F', 'a%2Fb', '%00', '%', '%zz', '%u0041', '%20', 'x'.repeat(8192), 'x'.repeat(70000), '%E2%80%AE', fixedId.toUpperCase(), `${fixedId}%00`, `%20${fixedId}`, `${fixedId}%09`, `${fixedId}/`];
    const ops = operations().filter((o) => o.path.includes('{id}'));
    assert.ok(ops.length >= 5);
    for (const o of ops) {
      for (const id of ids) {
        const body = o.op.requestBody ? JSON.stringify(validBody(o)) : undefined;
        const r = await raw(o.method, concrete(o.path, id), { body }).catch((e: Error) => ({ status: -1, text: e.message, json: null }));
        // Past Node's 16 KiB header limit the answer is 431, or a reset if the rest of the
        // request was still arriving when the connection was closed.
        const ok = [400, 404, 405, 431].includes(r.status) || (id.length > 16384 && /ECONNRESET|EPIPE/.test(r.text));
        assert.ok(ok, `${o.method} ${o.path} id=${id.slice(0, 40)}: ${r.status} ${r.text.slice(0, 200)}`);
        if (r.status === 400 || (r.status === 404 && r.text.startsWith('{'))) assert.ok(typeof (r.json as { error?: unknown }).error === 'string', r.text);
      }
    }
    assert.equal(must(await m.api.getInstance(fixedId)).id, fixedId, 'the real record is untouched');
    await stillHealthy();
  });
});

describe('slow clients on the API port', () => {
  /** Resolves with how long the server took to close the connection (or 'open' after `max`). */
  function timeToClose(s: net.Socket, max: number): Promise<number | 'open'> {
    const t0 = Date.now();
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve('open'), max);
      s.on('close', () => {
        clearTimeout(t);
        resolve(Date.now() - t0);
      });
      s.on('error', () => {});
      s.on('data', () => {});
    });
  }

  function open(): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const s = net.connect(m.port, '127.0.0.1', () => resolve(s));
      s.once('error', reject);
    });
  }

  test('slowloris (head byte by byte, body byte by byte, silent) is cut off; real requests and event streams carry on', async () => {
    // An event stream opened first must outlive every timeout.
    const ctl = new AbortController();
    const sse = await fetch(`${m.base}/events`, { headers: { 'X-API-Key': m.key }, signal: ctl.signal });
    assert.equal(sse.status, 200);
    const reader = sse.body!.getReader();
    let sseText = '';
    const pumping = (async () => {
      const dec = new TextDecoder();
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        sseText += dec.decode(value);
      }
    })();

    const drips: NodeJS.Timeout[] = [];
    const drip = (s: net.Socket, text: string) => {
      let i = 0;
      const t = setInterval(() => {
        if (s.destroyed || i >= text.length) return clearInterval(t);
        s.write(text[i++]);
      }, 150);
      drips.push(t);
    };
    const heads = await Promise.all(Array.from({ length: 8 }, open));
    const bodies = await Promise.all(Array.from({ length: 4 }, open));
    const silent = await Promise.all(Array.from({ length: 4 }, open));
    const closes = [...heads, ...bodies, ...silent].map((s) => timeToClose(s, 8000));
    for (const s of heads) drip(s, `GET ${base()}/info HTTP/1.1\r\nHost: x\r\nX-API-Key: ${m.key}\r\nX-Pad: ${'p'.repeat(200)}\r\n\r\n`);
    for (const s of bodies) {
      s.write(`POST ${base()}/info HTTP/1.1\r\nHost: x\r\nX-API-Key: ${m.key}\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n`);
      drip(s, `{"alias":"${'s'.repeat(380)}"}`);
    }
    // Meanwhile the API answers everyone else at once.
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 300));
      const t0 = Date.now();
      assert.equal((await raw('GET', concrete('/info'))).status, 200);
      assert.ok(Date.now() - t0 < 1000, 'a normal request is not held up');
    }
    const took = await Promise.all(closes);
    for (const t of drips) clearInterval(t);
    const [h, b, q] = [took.slice(0, 8), took.slice(8, 12), took.slice(12)];
    // NPD_HEADERS_TIMEOUT=1s, NPD_REQUEST_TIMEOUT=2s, checked every 250 ms.
    for (const x of [...h, ...q]) assert.ok(x !== 'open' && x >= 900 && x < 4000, `head-phase slow client closed after ${x} ms: ${took.join(',')}`);
    for (const x of b) assert.ok(x !== 'open' && x >= 1900 && x < 5000, `body-phase slow client closed after ${x} ms: ${took.join(',')}`);
    assert.notEqual(must(await m.api.getInfo()).alias, 's'.repeat(380), 'the slow body never took effect');

    // The event stream is still open and still delivers.
    const inst = must(await m.api.createInstance({ url: 'client://127.0.0.1:1/127.0.0.1:9?mode=2', alias: 'after-slowloris' }));
    const deadline = Date.now() + 5000;
    while (!sseText.includes('after-slowloris') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.match(sseText, /after-slowloris/, 'the event stream outlived the request timeouts');
    ctl.abort();
    await pumping;
    must(await m.api.deleteInstance(inst.id));
  });

  test('tls=1: a client that never finishes the TLS handshake is cut off too', async () => {
    const t = await startMaster({ env: { NPD_HEADERS_TIMEOUT: '1s', NPD_REQUEST_TIMEOUT: '2s' }, log: 'info&tls=1' });
    try {
      const silent = await new Promise<net.Socket>((resolve, reject) => {
        const s = net.connect(t.port, '127.0.0.1', () => resolve(s));
        s.once('error', reject);
      });
      const stalled = tls.connect({ port: t.port, host: '127.0.0.1', rejectUnauthorized: false });
      stalled.on('error', () => {});
      await new Promise<void>((r) => stalled.once('secureConnect', () => r()));
      stalled.write('GET /api/v1/info HTTP/1.1\r\nHost: x\r\n'); // never finished
      const closed = await Promise.all([timeToClose(silent, 6000), timeToClose(stalled as unknown as net.Socket, 6000)]);
      for (const x of closed) assert.ok(x !== 'open' && x < 4000, `closed after ${x}`);
    } finally {
      await t.kill('SIGKILL');
      removeDir(t.stateDir);
    }
  });
});
