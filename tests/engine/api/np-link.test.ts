// NodePassDash's np://master link: what its writers produce (base64 -w0, btoa, the iOS app's
// 64-column wrapping, URL-safe base64, a raw hex key, no key) decodes to the API base and key; bad
// links name the part that is wrong; our links decode to what was encoded.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeMasterLink, encodeMasterLink, normaliseApiBase } from '../../../engine/api/np-link';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const KEY = '0123456789abcdef0123456789abcdef';

describe('np://master link', () => {
  it('decodes the install script form (base64 -w0 of url and key)', () => {
    const link = `np://master?url=${b64('http://203.0.113.7:9090/api/v1')}&key=${b64(KEY)}`;
    assert.deepEqual(decodeMasterLink(link), { ok: true, value: { url: 'http://203.0.113.7:9090/api/v1', key: KEY } });
  });

  it('accepts line breaks (iOS wraps at 64), URL-safe base64, percent-encoding, missing padding', () => {
    const url = 'https://very-long-host-name.example.com:10101/some/long/prefix/for/the/api/v1';
    const wrapped = b64(url).replace(/(.{64})/g, '$1\r\n');
    assert.equal((decodeMasterLink(`np://master?url=${wrapped}&key=${b64(KEY)}`) as { value: { url: string } }).value.url, url);
    const urlSafe = b64(url).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    assert.equal((decodeMasterLink(`np://master?url=${urlSafe}`) as { value: { url: string } }).value.url, url);
    const pct = encodeURIComponent(b64(url));
    assert.equal((decodeMasterLink(`np://master?url=${pct}&key=${encodeURIComponent(b64(KEY))}`) as { value: { key: string } }).value.key, KEY);
  });

  it('takes a raw 32-hex key (one install script writes it unencoded) and no key at all', () => {
    const base = `np://master?url=${b64('http://10.0.0.5:9090/api/v1')}`;
    assert.deepEqual(decodeMasterLink(`${base}&key=${KEY}`), { ok: true, value: { url: 'http://10.0.0.5:9090/api/v1', key: KEY } });
    assert.deepEqual(decodeMasterLink(base), { ok: true, value: { url: 'http://10.0.0.5:9090/api/v1', key: '' } });
  });

  it('names what is wrong', () => {
    assert.deepEqual(decodeMasterLink('https://example.com'), { ok: false, error: 'expected a link of the form np://master?url=…&key=…' });
    assert.deepEqual(decodeMasterLink('np://master?key=abc'), { ok: false, error: 'url: missing (expected the base64 of the master’s API address)' });
    assert.deepEqual(decodeMasterLink('np://master?url=***'), { ok: false, error: 'url: expected base64 of the master’s API address' });
    assert.match((decodeMasterLink(`np://master?url=${b64('ftp://x:1/api/v1')}`) as { error: string }).error, /^url: "ftp:\/\/x:1\/api\/v1": expected http:\/\/ or https:\/\//);
    assert.deepEqual(decodeMasterLink(`np://master?url=${b64('http://x:1/api/v1')}&key=${Buffer.from([0, 1, 2, 255]).toString('base64')}`), {
      ok: false,
      error: 'key: expected the base64 of the API key',
    });
  });

  it('tidies API addresses: default prefix, /v1, no trailing slash', () => {
    assert.deepEqual(normaliseApiBase('http://10.0.0.5:9090'), { ok: true, value: 'http://10.0.0.5:9090/api/v1' });
    assert.deepEqual(normaliseApiBase('http://10.0.0.5:9090/api/'), { ok: true, value: 'http://10.0.0.5:9090/api/v1' });
    assert.deepEqual(normaliseApiBase('https://[::1]:9090/np/v1/'), { ok: true, value: 'https://[::1]:9090/np/v1' });
    assert.equal(normaliseApiBase('http://user:pw@h:1/api/v1').ok, false);
  });

  it('round-trips any address and key we write', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('http', 'https'),
        fc.domain(),
        fc.integer({ min: 1, max: 65535 }),
        fc.stringMatching(/^[a-z0-9-]{0,12}$/),
        fc.stringMatching(/^[!-~]{1,64}$/),
        (scheme, host, port, prefix, key) => {
          const url = `${scheme}://${host}:${port}/${prefix ? prefix + '/' : ''}v1`;
          const want = normaliseApiBase(url);
          assert.ok(want.ok);
          assert.deepEqual(decodeMasterLink(encodeMasterLink({ url, key })), { ok: true, value: { url: want.value, key } });
        },
      ),
      { numRuns: 300 },
    );
  });
});
