// The DNS cache (§7.9): one lookup per TTL, IP literals bypass it, the last good answer covers a
// failing resolver, TTL 0 resolves every time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DnsCache } from '../../../engine/relay/dns';

function resolver() {
  const calls: string[] = [];
  let fail = false;
  let n = 0;
  return {
    calls,
    fail: (f: boolean) => (fail = f),
    fn: async (host: string) => {
      calls.push(host);
      if (fail) throw Object.assign(new Error('boom'), { code: 'ENOTFOUND' });
      return { address: `10.0.0.${++n}`, family: 4 };
    },
  };
}

test('names are looked up once per TTL; literals never', async () => {
  const r = resolver();
  const c = new DnsCache(80, r.fn);
  assert.equal((await c.resolve('svc.example')).address, '10.0.0.1');
  assert.equal((await c.resolve('svc.example')).address, '10.0.0.1');
  assert.equal((await c.resolve('127.0.0.1')).address, '127.0.0.1');
  assert.equal((await c.resolve('::1')).address, '::1');
  assert.deepEqual(r.calls, ['svc.example']);
  await new Promise((res) => setTimeout(res, 100));
  assert.equal((await c.resolve('svc.example')).address, '10.0.0.2');
  assert.equal(r.calls.length, 2);
});

test('a failing re-resolution falls back to the last good answer; with none it names the host', async () => {
  const r = resolver();
  const c = new DnsCache(0, r.fn);
  assert.equal((await c.resolve('a.example')).address, '10.0.0.1');
  assert.equal((await c.resolve('a.example')).address, '10.0.0.2', 'TTL 0 resolves every time');
  r.fail(true);
  assert.equal((await c.resolve('a.example')).address, '10.0.0.2');
  await assert.rejects(c.resolve('b.example'), /lookup b\.example: ENOTFOUND/);
});
