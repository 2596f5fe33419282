// Spec Appendix B test vectors and a round trip of every signal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { portDerivedKey } from '../../../engine/wire/fnv';
import { authToken, verifyAuthToken } from '../../../engine/wire/token';
import { decodeSignal, encodeSignal, LineSplitter, signalJson, type Signal } from '../../../engine/wire/signal';
import { offerBody, parseOffer } from '../../../engine/wire/http';

test('FNV-1a-32 port-derived keys', () => {
  assert.equal(portDerivedKey('10101'), 'e68be2b4');
  assert.equal(portDerivedKey('443'), '2339c1b2');
});

test('HMAC bearer tokens', () => {
  assert.equal(authToken('mypassword'), '470e375a2c2f21ec2a5ad8c54b19bb78c09adf5aeda0878ef97ec5dc04c5e904');
  assert.equal(authToken('e68be2b4'), '8940572756af096447802f92b4c843ac61de93b80af9d37a85ed994508656d7e');
  assert.ok(verifyAuthToken('mypassword', '470e375a2c2f21ec2a5ad8c54b19bb78c09adf5aeda0878ef97ec5dc04c5e904'));
  assert.ok(!verifyAuthToken('mypassword', '470e375a2c2f21ec2a5ad8c54b19bb78c09adf5aeda0878ef97ec5dc04c5e905'));
  assert.ok(!verifyAuthToken('mypassword', 'short'));
});

const key = Buffer.from('mypassword');
const vectors: Array<[Signal, string]> = [
  [{ action: 'ping' }, 'FlsRAgcaGAFQXk8JGQ8UUQo=\n'],
  [{ action: 'pong' }, 'FlsRAgcaGAFQXk8JHw8UUQo=\n'],
  [{ action: 'flush' }, 'FlsRAgcaGAFQXk8fHBQAG1US\n'],
  [
    { action: 'tcp', remote: '203.0.113.7:51234', id: '1a2b3c4d' },
    'FlsRAgcaGAFQXk8NExFRX1UdFwkCDRVDSVFFX0FKXVdBUEBdQFVHVV9KRENfUR4LUF5PSBFTEUAUWxZGEA==\n',
  ],
];

test('signal lines match the spec vectors', () => {
  for (const [sig, line] of vectors) assert.equal(encodeSignal(sig, key).toString(), line);
  assert.equal(encodeSignal({ action: 'ping' }, Buffer.from('e68be2b4')).toString(), 'HhRZARFbDVpHDBoSDFwFFhg=\n');
});

test('every signal round-trips and keeps Go field order', () => {
  const all: Signal[] = [
    { action: 'ping' },
    { action: 'pong' },
    { action: 'flush' },
    { action: 'verify', id: '00000000', fp: 'sha256:AB:CD' },
    { action: 'tcp', remote: '[2001:db8::1]:443', id: 'deadbeef' },
    { action: 'udp', remote: '10.0.0.1:53', id: '0badf00d' },
  ];
  for (const s of all) {
    const r = decodeSignal(encodeSignal(s, key), key);
    assert.ok(r.ok);
    assert.deepEqual(JSON.parse(signalJson(r.signal)), JSON.parse(signalJson(s)));
  }
  assert.equal(signalJson({ action: 'tcp', id: 'x', remote: 'r' }), '{"action":"tcp","remote":"r","id":"x"}');
});

test('bad signal lines are errors, not exceptions', () => {
  assert.deepEqual(decodeSignal('!!!notbase64', key), { ok: false, error: 'decode signal failed: illegal base64 data' });
  const notJson = Buffer.from(Buffer.from('hello').map((b, i) => b ^ key[i % key.length])).toString('base64');
  const r = decodeSignal(notJson, key);
  assert.equal(r.ok, false);
  assert.match((r as { error: string }).error, /^unmarshal signal failed/);
  const arr = Buffer.from(Buffer.from('[1]').map((b, i) => b ^ key[i % key.length])).toString('base64');
  assert.deepEqual(decodeSignal(arr, key), { ok: false, error: 'unmarshal signal failed: not a JSON object' });
});

test('line splitter joins split lines and drops oversized ones', () => {
  const lines: string[] = [];
  const over: number[] = [];
  const sp = new LineSplitter(16, (l) => lines.push(l.toString()), (n) => over.push(n));
  sp.push(Buffer.from('abc'));
  sp.push(Buffer.from('def\nghi\n'));
  sp.push(Buffer.from('x'.repeat(40)));
  sp.push(Buffer.from('yyy\nok\n'));
  assert.deepEqual(lines, ['abcdef', 'ghi', 'ok']);
  assert.equal(over.length, 1);
});

test('handshake offer body is the spec example', () => {
  assert.equal(offerBody({ flow: '-', max: 1024, tls: '1', type: '0' }), '{"flow":"-","max":1024,"tls":"1","type":"0"}\n');
  const p = parseOffer('{"flow":"+","max":8,"tls":"0","type":"2","extra":1}');
  assert.ok(p.ok);
  assert.equal(p.offer.flow, '+');
  assert.equal(parseOffer('{"flow":"x","max":1,"tls":"0","type":"0"}').ok, false);
});
