// Property-based fuzzing of the URL model with fast-check (≥ 10k generated URLs): every valid URL
// round-trips through format → parse unchanged, and every invalid input is an error value that
// names a URL part or a parameter — never an exception.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatNodePassUrl, parseNodePassUrl, parseTunnelUrl, validateParams, type NodePassUrl } from '../../../engine/url/model';
import { PARAMS } from '../../../engine/url/params';

const hostName = fc
  .array(fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/), { minLength: 1, maxLength: 3 })
  .map((labels) => labels.join('.'));
const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
const ipv6 = fc.ipV6();
const host = fc.oneof(hostName, ipv4, ipv6);
const port = fc.integer({ min: 1, max: 65535 }).map(String);
const target = fc.tuple(host, port).map(([h, p]) => (h.includes(':') ? `[${h}]:${p}` : `${h}:${p}`));
const paramValue: Record<string, fc.Arbitrary<string>> = {
  log: fc.constantFrom('none', 'debug', 'info', 'warn', 'error', 'event'),
  tls: fc.constantFrom('0', '1'),
  dns: fc.constantFrom('0', '30s', '5m', '1h30m', '250ms'),
  sni: hostName,
  min: fc.integer({ min: 1, max: 4096 }).map(String),
  max: fc.integer({ min: 1, max: 65536 }).map(String),
  mode: fc.constantFrom('0', '1', '2'),
  type: fc.constantFrom('0', '2'),
  dial: fc.oneof(fc.constant('auto'), ipv4),
  read: fc.constantFrom('0', '1s', '2m'),
  rate: fc.nat(10000).map(String),
  slot: fc.nat(100000).map(String),
  proxy: fc.constantFrom('0', '1'),
  block: fc.constantFrom('0', '1', '12', '123', '3'),
  notcp: fc.constantFrom('0', '1'),
};
const params = fc.dictionary(fc.constantFrom(...Object.keys(paramValue)), fc.constant(''), { maxKeys: 8 }).chain((keys) =>
  fc.record(Object.fromEntries(Object.keys(keys).map((k) => [k, paramValue[k]])) as Record<string, fc.Arbitrary<string>>),
);
const validUrl: fc.Arbitrary<NodePassUrl> = fc.record({
  scheme: fc.constantFrom('server' as const, 'client' as const),
  key: fc.oneof(fc.constant(''), fc.string({ minLength: 1, maxLength: 20 }).filter((s) => s.trim() === s)),
  host: fc.oneof(fc.constant(''), host),
  port,
  targets: fc.array(target, { minLength: 1, maxLength: 3 }),
  path: fc.constant(''),
  params,
});

test('10k valid URLs round-trip through format and parse', () => {
  fc.assert(
    fc.property(validUrl, (u) => {
      // A client needs a host to dial; everything else is valid as generated.
      const url = { ...u, host: u.scheme === 'client' && u.host === '' ? 'h' : u.host, params: { ...u.params } };
      const text = formatNodePassUrl(url);
      const parsed = parseNodePassUrl(text);
      assert.ok(parsed.ok, `${text}: ${!parsed.ok && parsed.errors.map((e) => e.message)}`);
      const want = { ...url, path: parsed.value.path };
      assert.deepEqual(parsed.value, want, text);
      assert.deepEqual(validateParams(parsed.value), [], text);
      assert.equal(formatNodePassUrl(parsed.value), text);
    }),
    { numRuns: 10_000 },
  );
});

const knownParts = new Set(['url', 'scheme', 'key', 'tunnel address', 'target address', 'query', ...PARAMS.map((p) => p.name)]);

test('10k mutated and random inputs: errors are values naming a part or parameter', () => {
  const mutated = fc.tuple(validUrl, fc.nat(200), fc.string({ maxLength: 4 })).map(([u, at, junk]) => {
    const text = formatNodePassUrl({ ...u, host: u.host || 'h' });
    const i = at % (text.length + 1);
    return text.slice(0, i) + junk + text.slice(i + 1);
  });
  const badValue = fc.tuple(fc.constantFrom(...PARAMS.map((p) => p.name)), fc.string({ minLength: 1, maxLength: 8 })).map(
    ([k, v]) => `server://:10101/127.0.0.1:8080?${k}=${encodeURIComponent(v)}`,
  );
  fc.assert(
    fc.property(fc.oneof(mutated, badValue, fc.string({ maxLength: 80 }), fc.string({ unit: 'grapheme', maxLength: 40 })), (input) => {
      const r = parseTunnelUrl(input);
      if (r.ok) return;
      assert.ok(r.errors.length > 0);
      for (const e of r.errors) {
        assert.ok(knownParts.has(e.param) || /given more than once/.test(e.message), `error without a known part for ${JSON.stringify(input)}: ${e.message}`);
        assert.ok(e.message.length > 0 && e.expected.length > 0, JSON.stringify(e));
        if (PARAMS.some((p) => p.name === e.param) && e.value !== '') assert.ok(e.message.startsWith(`${e.param}`), e.message);
      }
    }),
    { numRuns: 10_000 },
  );
});
