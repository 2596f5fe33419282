// One tunnel session on both ends of real pools: signals are encoded with the key and dispatched,
// bad ones refused with a log line, launches bounded by NP_SEMAPHORE_LIMIT, ping/pong measured,
// a silent or departed peer noticed, and at tls=1 the certificate fingerprint verified both ways
// (on the control stream between our peers, on an idle pooled stream with a Go peer).
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Logger } from '../../../engine/instance/logger';
import { FEATURE_VERIFY_CONTROL, Session, type SessionOptions } from '../../../engine/instance/session';
import { Stats } from '../../../engine/instance/stats';
import { CONTROL_ID } from '../../../engine/pool/pool';
import { parseEnv } from '../../../engine/url/env';
import type { Signal } from '../../../engine/wire/signal';
import { poolPair, type PoolPair } from '../../helpers/pools';
import { until } from '../../helpers/wait';

const KEY = 'session-key';

interface End {
  session: Session;
  lines: string[];
  signals: Signal[];
  stats: Stats;
}

function envOf(vars: Record<string, string>) {
  const r = parseEnv({ NP_REPORT_INTERVAL: '5s', ...vars });
  if (!r.ok) throw new Error(r.errors[0].message);
  return r.value;
}

/** Both sessions over a fresh pool pair (not started). */
async function sessions(
  t: TestContext,
  o: {
    tls?: 0 | 1;
    ourPeer?: boolean;
    env?: Record<string, string>;
    server?: Partial<SessionOptions>;
    client?: Partial<SessionOptions>;
    /** No session on the client: its control stream is held and never read. */
    silentClient?: boolean;
  } = {},
): Promise<{ pools: PoolPair; server: End; client: End }> {
  const pools = await poolPair(t, { tls: o.tls ?? 0 });
  pools.client.start();
  const [serverControl, clientControl] = await Promise.all([pools.server.outgoingGet(CONTROL_ID, 5000), pools.client.outgoingGet(CONTROL_ID, 5000)]);
  const make = (side: 'server' | 'client', control: typeof serverControl, extra: Partial<SessionOptions> = {}): End => {
    const logger = new Logger('debug', false);
    const lines: string[] = [];
    logger.addSink((r) => lines.push(`${r.level} ${r.message}`));
    const signals: Signal[] = [];
    const stats = new Stats(0);
    const session = new Session({
      side,
      key: KEY,
      pool: side === 'server' ? pools.server : pools.client,
      control,
      tls: o.tls ?? 0,
      ownFingerprint: side === 'server' && pools.serverTls ? () => pools.serverTls!.fingerprint() : null,
      ourPeer: o.ourPeer ?? true,
      features: o.ourPeer === false ? [] : [FEATURE_VERIFY_CONTROL],
      env: envOf(o.env ?? {}),
      logger,
      stats,
      handlers: { tcp: (s) => void signals.push(s), udp: (s) => void signals.push(s) },
      ...extra,
    });
    t.after(() => session.end('test over'));
    return { session, lines, signals, stats };
  };
  const server = make('server', serverControl, o.server);
  if (o.silentClient) {
    const { stream } = clientControl.claim();
    t.after(() => stream.destroy());
    return { pools, server, client: null as unknown as End };
  }
  return { pools, server, client: make('client', clientControl, o.client) };
}

/** `p`, or a rejection naming `what` after `ms`. */
function within<T>(p: Promise<T>, what: string, ms = 5000): Promise<T> {
  let timer!: NodeJS.Timeout;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)))]).finally(() =>
    clearTimeout(timer),
  );
}

function lineIn(e: End, re: RegExp, timeoutMs = 5000): Promise<void> {
  return until(`log line ${re}`, () => e.lines.some((l) => re.test(l)), timeoutMs);
}

test('a ping is answered with a pong: the round trip becomes PING and a CHECK_POINT line', async (t) => {
  const { server, client } = await sessions(t);
  client.session.start();
  const pong = once(server.session, 'pong');
  server.session.start();
  const [ms] = (await within(pong, 'a pong')) as [number];
  assert.ok(ms >= 0 && ms < 5000);
  assert.equal(server.stats.ping, ms);
  await lineIn(server, /^event CHECK_POINT\|MODE=0\|PING=\d+ms\|POOL=\d+\|TCPS=0\|UDPS=0\|TCPRX=0\|TCPTX=0\|UDPRX=0\|UDPTX=0$/);
});

test('launch signals reach the other side’s handler; a malformed id is refused and logged', async (t) => {
  const { server, client } = await sessions(t);
  client.session.start();
  server.session.start();
  server.session.send({ action: 'tcp', remote: '192.0.2.1:5000', id: 'not-hex!' });
  server.session.send({ action: 'udp', remote: '192.0.2.1:5001', id: '0123abcd' });
  server.session.send({ action: 'tcp', remote: '[2001:db8::1]:80', id: 'fedcba98' });
  await until('two signals', () => client.signals.length === 2);
  assert.deepEqual(
    client.signals.map((s) => [s.action, s.remote, s.id]),
    [
      ['udp', '192.0.2.1:5001', '0123abcd'],
      ['tcp', '[2001:db8::1]:80', 'fedcba98'],
    ],
  );
  assert.ok(client.lines.includes('error commonOnce: tcp signal with invalid id "not-hex!"'), client.lines.join('\n'));
});

test('a signal under another key is refused with a log line and the session carries on', async (t) => {
  const { server, client } = await sessions(t, { server: { key: 'another-key' } });
  client.session.start();
  server.session.start();
  server.session.send({ action: 'tcp', remote: '192.0.2.1:5000', id: '0123abcd' });
  await lineIn(client, /^error commonQueue: /);
  assert.equal(client.signals.length, 0);
  assert.equal(client.session.isEnded, false);
});

test('NP_SEMAPHORE_LIMIT bounds the launches being handled at once', async (t) => {
  let release!: () => void;
  const busy = new Promise<void>((r) => (release = r));
  t.after(() => release());
  const seen: string[] = [];
  const { server, client } = await sessions(t, {
    env: { NP_SEMAPHORE_LIMIT: '1' },
    client: {
      handlers: {
        tcp: (s, sess) => {
          seen.push(s.id!);
          if (s.id === '00000001') void sess.track(busy);
        },
        udp: () => {},
      },
    },
  });
  client.session.start();
  server.session.start();
  server.session.send({ action: 'tcp', remote: '192.0.2.1:1', id: '00000001' });
  server.session.send({ action: 'tcp', remote: '192.0.2.1:2', id: '00000002' });
  await lineIn(client, /^error commonQueue: queue limit reached: 1$/);
  assert.deepEqual(seen, ['00000001']);
  // Once the first launch is done, the next one is admitted.
  release();
  await busy;
  server.session.send({ action: 'tcp', remote: '192.0.2.1:3', id: '00000003' });
  await until('the third signal', () => seen.includes('00000003'));
  assert.deepEqual(seen, ['00000001', '00000003']);
});

test('the peer ending its session ends ours as "peer gone", and the pool with it', async (t) => {
  const { pools, server, client } = await sessions(t);
  client.session.start();
  server.session.start();
  client.session.end('client stops');
  const end = await within(server.session.done, 'the session end');
  assert.equal(end.peerGone, true);
  assert.match(end.message, /^commonQueue: (readBytes failed: EOF|control connection closed|readBytes failed: .+)$/);
  assert.equal(pools.server.isClosed, true);
});

test('a peer that stops answering is cut off after three report intervals', async (t) => {
  // Only the server runs a session; the client holds its control stream and never says a word.
  const { server } = await sessions(t, { env: { NP_REPORT_INTERVAL: '100ms' }, silentClient: true });
  server.session.start();
  const end = await within(server.session.done, 'the session end');
  assert.deepEqual([end.message, end.peerGone], ['commonQueue: readBytes failed: read timeout after 300ms', true]);
});

test('tls=1 between our peers: both verify the certificate fingerprint on the control stream', async (t) => {
  const { pools, server, client } = await sessions(t, { tls: 1 });
  assert.equal(server.session.verifiedNow, false);
  client.session.start();
  server.session.start();
  await within(Promise.all([server.session.verified, client.session.verified]), 'verification');
  const fp = pools.serverTls!.fingerprint();
  assert.equal(client.session.peerFingerprint, fp);
  assert.ok(server.lines.includes(`info TLS certificate fingerprint verified: ${fp}`));
  assert.ok(client.lines.includes(`info TLS certificate fingerprint verified: ${fp}`));
});

test('tls=1 with a v1.14 peer: the verify names an idle pooled stream, which the other side takes and releases', async (t) => {
  const { pools, server, client } = await sessions(t, { tls: 1, ourPeer: false });
  await until('idle pooled streams on the server', () => pools.server.active() > 0);
  client.session.start();
  server.session.start();
  await within(Promise.all([server.session.verified, client.session.verified]), 'verification');
  const named = server.lines.find((l) => l.startsWith('debug TLS verify signal: cid '));
  assert.ok(named, server.lines.join('\n'));
  const id = /cid ([0-9a-f]{8})/.exec(named)![1];
  assert.notEqual(id, CONTROL_ID);
  await lineIn(client, /^info TLS certificate fingerprint verified: /);
});

test('tls=1: a fingerprint that differs from the one seen ends the session, naming both', async (t) => {
  const { pools, server, client } = await sessions(t, { tls: 1, server: { ownFingerprint: () => 'AA:BB' } });
  client.session.start();
  server.session.start();
  const end = await within(client.session.done, 'the session end');
  const real = client.session.peerFingerprint;
  assert.equal(end.message, `outgoingVerify: certificate fingerprint mismatch: server: AA:BB - client: ${real}`);
  assert.equal(end.peerGone, false);
  assert.equal(client.session.verifiedNow, false);
  assert.equal(real, pools.serverTls!.fingerprint());
});

test('a flush from the peer empties our idle pool; unknown actions are ignored', async (t) => {
  const { pools, server, client } = await sessions(t);
  await until('idle pooled streams on the server', () => pools.server.active() > 0);
  client.session.start();
  server.session.start();
  client.session.send({ action: 'shout', id: '00000000' });
  client.session.send({ action: 'flush' });
  await lineIn(server, /^debug Tunnel pool flushed: 0 active connections$/);
  await lineIn(server, /^debug commonOnce: ignoring unknown signal action "shout"$/);
  assert.equal(server.session.isEnded, false);
});
