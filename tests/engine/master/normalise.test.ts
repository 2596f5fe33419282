// §9.9: the stored `url` and `config`, and the 400 messages for bad instance URLs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normaliseInstanceUrl } from '../../../engine/master/normalise';

const plain = { log: 'info', tls: 0 as const, crt: '', key: '' };

test("the spec's example: log added, query sorted, defaults in config", () => {
  const n = normaliseInstanceUrl('server://0.0.0.0:10101/0.0.0.0:8080?tls=1', plain);
  assert.deepEqual(n, {
    ok: true,
    type: 'server',
    url: 'server://0.0.0.0:10101/0.0.0.0:8080?log=info&tls=1',
    config: 'server://0.0.0.0:10101/0.0.0.0:8080?block=0&dial=auto&dns=5m0s&log=info&max=1024&mode=0&notcp=0&noudp=0&proxy=0&rate=0&read=0s&slot=65536&tls=1&type=0',
  });
});

test("client defaults; the master's TLS is added to servers only; an instance's own log wins", () => {
  const m = { log: 'warn', tls: 2 as const, crt: '/c.pem', key: '/k.pem' };
  const c = normaliseInstanceUrl('client://host.example:10101/127.0.0.1:80?log=debug', m);
  assert.ok(c.ok);
  assert.equal(c.url, 'client://host.example:10101/127.0.0.1:80?log=debug');
  assert.equal(c.config, 'client://host.example:10101/127.0.0.1:80?block=0&dial=auto&dns=5m0s&log=debug&min=64&mode=0&notcp=0&noudp=0&proxy=0&rate=0&read=0s&slot=65536&sni=none');
  const s = normaliseInstanceUrl('server://:10101/127.0.0.1:80', m);
  assert.ok(s.ok);
  assert.equal(s.url, 'server://:10101/127.0.0.1:80?crt=%2Fc.pem&key=%2Fk.pem&log=warn&tls=2');
  const noLog = normaliseInstanceUrl('server://:10101/127.0.0.1:80', { ...plain, log: '' });
  assert.ok(noLog.ok);
  assert.equal(noLog.url, 'server://:10101/127.0.0.1:80', 'no log added when the master URL had none');
});

test('errors say which part is wrong', () => {
  const err = (u: string) => {
    const n = normaliseInstanceUrl(u, plain);
    assert.ok(!n.ok);
    return n.error;
  };
  assert.equal(err('master://:9090/api'), 'Invalid URL scheme: master (expected server or client)');
  assert.equal(err('ftp://a:1/b:2'), 'Invalid URL scheme: ftp (expected server or client)');
  assert.match(err('server://:10101/127.0.0.1:80?min=abc'), /^Invalid URL format: min=abc: expected /);
  assert.match(err('server://:10101/127.0.0.1:80?notcp=1&noudp=1'), /^Invalid URL format: notcp=1 and noudp=1/);
  assert.match(err('server://:10101'), /^Invalid URL format: target address/);
});
