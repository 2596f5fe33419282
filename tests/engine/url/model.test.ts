// The URL model: every §2.4 parameter valid and invalid (with the exact error text), structure
// errors, defaults, the §9.9 normalisation, Go durations and NP_* environment variables.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatNodePassUrl,
  parseMasterUrl,
  parseNodePassUrl,
  parseTunnelUrl,
  tunnelConfigOf,
  withConfigDefaults,
  type TunnelConfig,
} from '../../../engine/url/model';
import { parseEnv, DEFAULT_ENV } from '../../../engine/url/env';
import { formatGoDuration, parseGoDuration } from '../../../engine/url/duration';

function cfg(url: string): TunnelConfig {
  const r = parseTunnelUrl(url);
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('; '));
  return r.value;
}

function errorsOf(url: string): string[] {
  const r = parseTunnelUrl(url);
  assert.equal(r.ok, false, `expected ${url} to be rejected`);
  return (r as { errors: { message: string }[] }).errors.map((e) => e.message);
}

test('defaults match NodePass (Appendix A)', () => {
  const s = cfg('server://:10101/127.0.0.1:8080');
  assert.equal(s.key, 'e68be2b4');
  assert.equal(s.keyFromPort, true);
  assert.equal(s.log, 'info');
  assert.equal(s.tls, 0);
  assert.equal(s.dnsTtlMs, 300_000);
  assert.equal(s.max, 1024);
  assert.equal(s.mode, 0);
  assert.equal(s.type, 0);
  assert.equal(s.dial, 'auto');
  assert.equal(s.readMs, 0);
  assert.equal(s.rateMbps, 0);
  assert.equal(s.slot, 65536);
  assert.equal(s.proxy, false);
  assert.deepEqual(s.block, { socks: false, http: false, tls: false });
  assert.equal(s.notcp, false);
  assert.equal(s.noudp, false);
  const c = cfg('client://mypassword@server.example.com:10101/127.0.0.1:8080');
  assert.equal(c.key, 'mypassword');
  assert.equal(c.min, 64);
  assert.equal(c.serverName, 'server.example.com');
  assert.equal(cfg('client://1.2.3.4:10101/127.0.0.1:8080').serverName, 'none');
  assert.equal(cfg('client://1.2.3.4:10101/127.0.0.1:8080?sni=example.org').serverName, 'example.org');
});

test('type 1 and 3 promote tls to 1 on a server (§2.6); type 2 does not', () => {
  assert.deepEqual([cfg('server://:1/h:2?type=1').tls, cfg('server://:1/h:2?type=1').tlsReason], [1, 'stream-pool']);
  assert.equal(cfg('server://:1/h:2?type=3&tls=0').tls, 1);
  assert.equal(cfg('server://:1/h:2?type=2').tls, 0);
  assert.equal(cfg('server://:1/h:2?type=1&tls=2&crt=/a&key=/b').tls, 2);
  // A client learns tls/type from the handshake: its own values are accepted and ignored.
  assert.equal(cfg('client://h:1/h:2?type=1').tls, 0);
});

const valid: Array<[string, string, (c: TunnelConfig) => unknown, unknown]> = [
  ['log', 'debug', (c) => c.log, 'debug'],
  ['log', 'none', (c) => c.log, 'none'],
  ['tls', '1', (c) => c.tls, 1],
  ['tls', '2&crt=/c.pem&key=/k.pem', (c) => [c.tls, c.crtFile, c.keyFile], [2, '/c.pem', '/k.pem']],
  ['dns', '30s', (c) => c.dnsTtlMs, 30_000],
  ['dns', '1h30m', (c) => c.dnsTtlMs, 5_400_000],
  ['dns', '0', (c) => c.dnsTtlMs, 0],
  ['max', '8', (c) => c.max, 8],
  ['mode', '2', (c) => c.mode, 2],
  ['type', '3', (c) => c.type, 3],
  ['dial', '127.0.0.2', (c) => c.dial, '127.0.0.2'],
  ['dial', '::1', (c) => c.dial, '::1'],
  ['read', '500ms', (c) => c.readMs, 500],
  ['rate', '100', (c) => c.rateMbps, 100],
  ['slot', '0', (c) => c.slot, 0],
  ['proxy', '1', (c) => c.proxy, true],
  ['block', '13', (c) => c.block, { socks: true, http: false, tls: true }],
  ['notcp', '1', (c) => c.notcp, true],
  ['noudp', '1', (c) => c.noudp, true],
];

test('every server parameter accepts its valid values', () => {
  for (const [name, value, get, want] of valid) {
    assert.deepEqual(get(cfg(`server://:10101/127.0.0.1:8080?${name}=${value}`)), want, `${name}=${value}`);
  }
  assert.equal(cfg('client://h:1/h:2?min=3').min, 3);
  assert.equal(cfg('client://h:1/h:2?sni=a.b').serverName, 'a.b');
});

test('every invalid value is an error naming the parameter and what it accepts', () => {
  const cases: Array<[string, string]> = [
    ['log=loud', 'log=loud: expected none, debug, info, warn, error or event'],
    ['tls=3', 'tls=3: expected 0, 1 or 2'],
    ['dns=5x', 'dns=5x: expected a duration such as 30s, 5m or 1h (0 disables the cache)'],
    ['dns=-1s', 'dns=-1s: expected a duration such as 30s, 5m or 1h (0 disables the cache)'],
    ['max=0', 'max=0: expected a positive integer'],
    ['max=abc', 'max=abc: expected a positive integer'],
    ['mode=3', 'mode=3: expected 0, 1 or 2'],
    ['type=4', 'type=4: expected 0 (TCP), 1 (QUIC), 2 (WebSocket) or 3 (HTTP/2)'],
    ['dial=300.1.1.1', 'dial=300.1.1.1: expected auto or an IP address'],
    ['read=soon', 'read=soon: expected a duration such as 30s or 5m (0 for no timeout)'],
    ['rate=-5', 'rate=-5: expected a non-negative integer in Mbit/s (0 for unlimited)'],
    ['rate=1.5', 'rate=1.5: expected a non-negative integer in Mbit/s (0 for unlimited)'],
    ['slot=x', 'slot=x: expected a non-negative integer (0 for unlimited)'],
    ['proxy=2', 'proxy=2: expected 0 or 1'],
    ['block=4', 'block=4: expected 0, or digits from 1 (SOCKS), 2 (HTTP), 3 (TLS)'],
    ['notcp=yes', 'notcp=yes: expected 0 or 1'],
    ['noudp=true', 'noudp=true: expected 0 or 1'],
    ['tls=2', 'crt: required when tls=2 (a PEM certificate file path)'],
    ['notcp=1&noudp=1', 'notcp=1 and noudp=1: nothing would be forwarded (expected at most one of them)'],
    ['tls=1&tls=2', 'tls: given more than once (1, 2)'],
  ];
  for (const [q, msg] of cases) assert.ok(errorsOf(`server://:10101/127.0.0.1:8080?${q}`).includes(msg), `${q} → ${msg}\n got ${errorsOf(`server://:10101/127.0.0.1:8080?${q}`)}`);
  assert.deepEqual(errorsOf('client://h:1/h:2?min=0'), ['min=0: expected a positive integer']);
  assert.deepEqual(errorsOf('client://h:1/h:2?sni=a%20b'), ['sni=a b: expected a server name']);
  // All errors are reported, not only the first.
  assert.equal(errorsOf('server://:1/h:2?tls=9&mode=9&type=9').length, 3);
});

test('structural errors name the URL part', () => {
  assert.deepEqual(errorsOf(''), ['url "": expected server://, client:// or master:// URL']);
  assert.deepEqual(errorsOf('http://h:1/h:2'), ['scheme "http": expected server, client or master']);
  assert.deepEqual(errorsOf('server:/h:1/x'), ['url "server:/h:1/x": expected scheme://host:port/… (server, client or master)']);
  assert.deepEqual(errorsOf('server://h/h:2'), ['tunnel address "h": expected host:port']);
  assert.deepEqual(errorsOf('server://h:99999/h:2'), ['tunnel address "h:99999": expected a port number 0-65535 after the host']);
  assert.deepEqual(errorsOf('client://h:0/h:2'), ['tunnel address "h:0": expected a port number 1-65535 after the host']);
  assert.deepEqual(errorsOf('server://h:1'), ['target address "": expected at least one host:port after the tunnel address']);
  assert.deepEqual(errorsOf('server://h:1/h'), ['target address "h": expected host:port']);
  assert.deepEqual(errorsOf('server://h:1/h:0'), ['target address "h:0": expected a port number 1-65535 after the host']);
  assert.deepEqual(errorsOf('server://bad host:1/h:2'), ['tunnel address "bad host:1": expected a host name or IP address before the port']);
  assert.deepEqual(errorsOf('server://%zz@h:1/h:2'), ['key: expected a percent-encoded tunnel key (it has a % not followed by two hex digits)']);
});

test('addresses: IPv6, several targets, empty entries, key with a password part', () => {
  const c = cfg('server://k:ignored@[::1]:10101/[::1]:80, 10.0.0.1:81,,example.com:82');
  assert.equal(c.key, 'k');
  assert.equal(c.tunnel.addr, '[::1]:10101');
  assert.deepEqual(
    c.targets.map((t) => t.addr),
    ['[::1]:80', '10.0.0.1:81', 'example.com:82'],
  );
});

test('parse ⇄ format round-trips, query sorted the Go way', () => {
  const inputs = [
    'server://secret@0.0.0.0:10101/127.0.0.1:8080?tls=1&log=debug',
    'client://a%2Fb@[::1]:443/[::1]:80,h:1?sni=x&min=2',
    'server://:1/h:2?crt=%2Fpath%2Fwith+space.pem&key=%2Fk&tls=2',
    'master://127.0.0.1:9090/admin?log=warn',
  ];
  for (const input of inputs) {
    const p = parseNodePassUrl(input);
    assert.ok(p.ok);
    const text = formatNodePassUrl(p.value);
    const again = parseNodePassUrl(text);
    assert.ok(again.ok);
    assert.deepEqual(again.value, p.value, `${input} → ${text}`);
  }
  const p = parseNodePassUrl('server://:1/h:2?tls=1&log=debug&crt=/a b');
  assert.ok(p.ok);
  assert.equal(formatNodePassUrl(p.value), 'server://:1/h:2?crt=%2Fa+b&log=debug&tls=1');
});

test('config defaults for the master (§9.9 example)', () => {
  const p = parseNodePassUrl('server://0.0.0.0:10101/0.0.0.0:8080?tls=1&log=info');
  assert.ok(p.ok);
  assert.equal(
    formatNodePassUrl(withConfigDefaults(p.value)),
    'server://0.0.0.0:10101/0.0.0.0:8080?block=0&dial=auto&dns=5m0s&log=info&max=1024&mode=0&notcp=0&noudp=0&proxy=0&rate=0&read=0s&slot=65536&tls=1&type=0',
  );
  const c = parseNodePassUrl('client://h:1/h:2');
  assert.ok(c.ok);
  assert.equal(
    formatNodePassUrl(withConfigDefaults(c.value)),
    'client://h:1/h:2?block=0&dial=auto&dns=5m0s&min=64&mode=0&notcp=0&noudp=0&proxy=0&rate=0&read=0s&slot=65536&sni=none',
  );
});

test('master URLs: base path and TLS', () => {
  const m = parseMasterUrl('master://:9090');
  assert.ok(m.ok);
  assert.equal(m.value.basePath, '/api/v1');
  const a = parseMasterUrl('master://127.0.0.1:9090/admin/?tls=1');
  assert.ok(a.ok);
  assert.deepEqual([a.value.basePath, a.value.tls], ['/admin/v1', 1]);
  const s = parseNodePassUrl('master://:9090');
  assert.ok(s.ok);
  assert.equal(tunnelConfigOf(s.value).ok, false);
});

test('Go durations parse and print like Go', () => {
  assert.equal(parseGoDuration('1h2m3.5s'), 3_723_500);
  assert.equal(parseGoDuration('100us'), 0.1);
  assert.equal(parseGoDuration('5'), null);
  assert.equal(parseGoDuration('0'), 0);
  assert.equal(formatGoDuration(300_000), '5m0s');
  assert.equal(formatGoDuration(0), '0s');
  assert.equal(formatGoDuration(3_600_000), '1h0m0s');
  assert.equal(formatGoDuration(500), '500ms');
  assert.equal(formatGoDuration(1500), '1.5s');
});

test('NP_* environment variables: defaults, values, specific errors', () => {
  const d = parseEnv({});
  assert.ok(d.ok);
  assert.deepEqual(d.value, DEFAULT_ENV);
  assert.equal(DEFAULT_ENV.reportIntervalMs, 5000);
  assert.equal(DEFAULT_ENV.udpDataBufSize, 16384);
  const v = parseEnv({ NP_REPORT_INTERVAL: '1s', NP_TCP_DATA_BUF_SIZE: '65536', NP_RELOAD_INTERVAL: '10m' });
  assert.ok(v.ok);
  assert.deepEqual([v.value.reportIntervalMs, v.value.tcpDataBufSize, v.value.reloadIntervalMs], [1000, 65536, 600_000]);
  const bad = parseEnv({ NP_REPORT_INTERVAL: '5', NP_SEMAPHORE_LIMIT: 'many', NP_SERVICE_COOLDOWN: '0s' });
  assert.equal(bad.ok, false);
  assert.deepEqual(
    (bad as { errors: { message: string }[] }).errors.map((e) => e.message),
    ['NP_SEMAPHORE_LIMIT=many: expected an integer ≥ 1', 'NP_REPORT_INTERVAL=5: expected a positive duration such as 500ms, 5s or 1m'],
  );
});
