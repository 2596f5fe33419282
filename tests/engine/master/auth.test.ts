// The API key check: what it accepts and refuses. (Its timing is not measurable in a unit test; the
// comparison MACs both sides and compares fixed-length digests with timingSafeEqual.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKeyAuth, newApiKey, sameSecret } from '../../../engine/master/auth';

test('sameSecret: equal strings only, whatever the lengths and characters', () => {
  const k = newApiKey();
  assert.equal(sameSecret(k, k), true);
  assert.equal(sameSecret(k, k.slice(0, -1)), false);
  assert.equal(sameSecret(k, k + '0'), false);
  assert.equal(sameSecret(k, k.toUpperCase()), k === k.toUpperCase());
  assert.equal(sameSecret('', ''), true);
  assert.equal(sameSecret('', k), false);
  assert.equal(sameSecret('ключ', 'ключ'), true);
  assert.equal(sameSecret('ключ', 'ключи'), false);
});

test('ApiKeyAuth: X-API-Key or Bearer; a missing and a wrong key are told apart; the old key dies on regenerate', () => {
  const a = new ApiKeyAuth(newApiKey());
  const k = a.key;
  assert.deepEqual(a.check({ 'x-api-key': k }), { ok: true });
  assert.deepEqual(a.check({ authorization: `Bearer ${k}` }), { ok: true });
  assert.deepEqual(a.check({}), { ok: false, error: 'Unauthorized: API key required' });
  assert.deepEqual(a.check({ 'x-api-key': '' }), { ok: false, error: 'Unauthorized: API key required' });
  assert.deepEqual(a.check({ 'x-api-key': k.slice(1) }), { ok: false, error: 'Unauthorized: Invalid API key' });
  assert.deepEqual(a.check({ authorization: `Basic ${k}` }), { ok: false, error: 'Unauthorized: API key required' });
  a.regenerate();
  assert.notEqual(a.key, k);
  assert.deepEqual(a.check({ 'x-api-key': k }), { ok: false, error: 'Unauthorized: Invalid API key' });
});
