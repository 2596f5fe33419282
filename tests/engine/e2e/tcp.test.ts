// End to end through real bin/nodepass processes: reverse, forward and single-end TCP at tls 0, 1
// and 2, with sha256-checked bulk data, concurrency, half-close and the failure cases of issue 2.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { createHash } from 'node:crypto';
import { echoIntact, echoServer, eventually, freePort, randomData, roundTrip, sha256, type TestServer } from '../../helpers/net';
import { ProcessGroup } from '../../helpers/proc';
import { forwardPair, ready, reversePair } from '../../helpers/tunnel';
import { makePki, type TestPki } from '../../helpers/certs';

const MiB = 1024 * 1024;

let echo: TestServer;
const group = new ProcessGroup();
before(async () => {
  echo = await echoServer();
});
after(async () => {
  await group.stopAll();
  await echo.close();
});

const bulk = (port: number, size: number) => echoIntact(port, size, 60000);

describe('reverse mode (server listens on the target address)', () => {
  test('tls=0: 64 MiB each way intact, counters count user bytes', async () => {
    const p = await reversePair(group, echo.port);
    await ready(p);
    await p.server.waitFor(/Server started: .*mode=0/);
    await bulk(p.entryPort, 64 * MiB);
    // Both sides' CHECK_POINT: server is mode 1 (reverse) and counted the user side.
    const line = await p.server.waitFor(new RegExp(`CHECK_POINT\\|MODE=1\\|.*TCPRX=${64 * MiB}\\|TCPTX=${64 * MiB}\\|`), 5000);
    assert.match(line, /EVENT {2}CHECK_POINT/);
    await p.client.waitFor(new RegExp(`CHECK_POINT\\|MODE=2\\|.*TCPRX=${64 * MiB}\\|TCPTX=${64 * MiB}\\|`), 5000);
  });
});

describe('forward mode (server dials the target)', () => {
  test('tls=1: 64 MiB each way intact after fingerprint verification', async () => {
    const p = await forwardPair(group, echo.port, { serverQuery: 'tls=1' });
    await ready(p, 1);
    assert.match(p.server.output(), /TLS code-1: RAM cert with TLS 1\.3/);
    assert.match(p.client.output(), /Loading tunnel config: FLOW=\+\|MAX=1024\|TLS=1\|TYPE=0/);
    await bulk(p.entryPort, 64 * MiB);
  });

  test('200 concurrent connections, each intact', async () => {
    const p = await forwardPair(group, echo.port, { clientQuery: 'min=16' });
    await ready(p);
    const results = await Promise.all(
      Array.from({ length: 200 }, async () => {
        const d = randomData(32 * 1024);
        const back = await roundTrip(p.entryPort, d, '127.0.0.1', 30000);
        return sha256(back) === sha256(d);
      }),
    );
    assert.equal(results.filter(Boolean).length, 200);
  });

  test('half-close: the reply after the user FIN is delivered', async () => {
    // A target that answers only after the request has ended (EOF), like many RPC servers.
    const target = net.createServer({ allowHalfOpen: true }, (s) => {
      const h = createHash('sha256');
      s.on('data', (c) => h.update(c));
      s.on('end', () => setTimeout(() => s.end(`sha256=${h.digest('hex')}`), 200));
      s.on('error', () => {});
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', () => r()));
    const port = (target.address() as net.AddressInfo).port;
    try {
      for (const tls of ['0', '1']) {
        const p = await forwardPair(group, port, { serverQuery: `tls=${tls}` });
        await ready(p, tls === '1' ? 1 : 0);
        const req = randomData(256 * 1024);
        const reply = await roundTrip(p.entryPort, req);
        assert.equal(reply.toString(), `sha256=${sha256(req)}`, `tls=${tls}`);
      }
    } finally {
      target.close();
    }
  });

  test('target down: the user connection is closed cleanly', async () => {
    const dead = await freePort();
    const p = await forwardPair(group, dead, { serverQuery: 'mode=2' });
    await ready(p);
    const t0 = Date.now();
    const r = await new Promise<{ data: number; how: string }>((resolve) => {
      const s = net.connect(p.entryPort, '127.0.0.1', () => s.write('hello'));
      let n = 0;
      s.on('data', (c) => (n += c.length));
      s.on('end', () => resolve({ data: n, how: 'end' }));
      s.on('error', (e) => resolve({ data: n, how: e.message }));
    });
    assert.deepEqual(r, { data: 0, how: 'end' });
    assert.ok(Date.now() - t0 < 5000, 'closed promptly');
    await p.server.waitFor(/commonTCPOnce: dialWithRotation failed: dial tcp 127\.0\.0\.1:\d+: connect: connection refused/);
  });
});

describe('tls=2 with a real CA', () => {
  let pki: TestPki;
  before(async () => {
    pki = await makePki(['localhost'], ['127.0.0.1']);
  });

  test('verified chain and name: traffic flows', async () => {
    const p = await forwardPair(group, echo.port, {
      serverQuery: `tls=2&crt=${encodeURIComponent(pki.certFile)}&key=${encodeURIComponent(pki.keyFile)}`,
      clientQuery: 'sni=localhost',
      clientEnv: { NODE_EXTRA_CA_CERTS: pki.caFile },
    });
    await ready(p);
    assert.match(p.server.output(), /TLS code-2: localhost with TLS 1\.3/);
    await bulk(p.entryPort, 8 * MiB);
    assert.doesNotMatch(p.client.output() + p.server.output(), /Client error|Server error/);
  });

  test('a wrong name or an untrusted chain is refused', async () => {
    const wrongName = await forwardPair(group, echo.port, {
      serverQuery: `tls=2&crt=${encodeURIComponent(pki.certFile)}&key=${encodeURIComponent(pki.keyFile)}`,
      clientQuery: 'sni=other.example',
      env: { NP_HANDSHAKE_TIMEOUT: '2s' },
      clientEnv: { NODE_EXTRA_CA_CERTS: pki.caFile },
    });
    await wrongName.client.waitFor(/Client error: .*setControlConn: handshake timeout: pooled connections failed: TLS handshake: Hostname\/IP does not match certificate's altnames: Host: other\.example/, 15000);
    const untrusted = await forwardPair(group, echo.port, {
      serverQuery: `tls=2&crt=${encodeURIComponent(pki.untrustedCertFile)}&key=${encodeURIComponent(pki.untrustedKeyFile)}`,
      clientQuery: 'sni=localhost',
      env: { NP_HANDSHAKE_TIMEOUT: '2s' },
      clientEnv: { NODE_EXTRA_CA_CERTS: pki.caFile },
    });
    await untrusted.client.waitFor(/Client error: .*pooled connections failed: TLS handshake: unable to (get local issuer certificate|verify the first certificate)/, 15000);
  });
});

describe('single-end forwarding', () => {
  test('client on a local address relays straight to the target', async () => {
    const port = await freePort();
    const c = group.start(`client://127.0.0.1:${port}/127.0.0.1:${echo.port}`);
    await c.waitFor(/Client started/);
    await eventually(() => roundTrip(port, Buffer.from('x')), 5000);
    await bulk(port, 16 * MiB);
    await c.waitFor(/CHECK_POINT\|MODE=1\|PING=\d+ms\|POOL=0\|/, 5000);
  });
});

describe('failures', () => {
  test('wrong tunnel key: client refused and says why, no pool is built', async () => {
    const tunnelPort = await freePort();
    const server = group.start(`server://right@127.0.0.1:${tunnelPort}/127.0.0.1:${echo.port}`);
    await server.waitFor(/Pending tunnel handshake/);
    const client = group.start(`client://wrong@127.0.0.1:${tunnelPort}/127.0.0.1:${await freePort()}`);
    await client.waitFor(/Client error: commonStart: tunnelHandshake: status 401 \(the server refused the tunnel key\)/);
    await server.waitFor(/tunnelHandshake: refused 127\.0\.0\.1:\d+: wrong tunnel key \(401\)/);
    await new Promise((r) => setTimeout(r, 500));
    assert.doesNotMatch(server.output(), /Getting tunnel pool ready/);
    assert.doesNotMatch(client.output(), /Getting tunnel pool ready/);
  });

  test('server killed and restarted: client reconnects and traffic flows within 2 s', async () => {
    const tunnelPort = await freePort();
    const entry = await freePort();
    const url = `server://127.0.0.1:${tunnelPort}/127.0.0.1:${echo.port}`;
    let server = group.start(url);
    await server.waitFor(/Pending tunnel handshake/);
    const client = group.start(`client://127.0.0.1:${tunnelPort}/127.0.0.1:${entry}`);
    await client.waitFor(/Marking tunnel handshake as complete/);
    await eventually(() => roundTrip(entry, Buffer.from('before')), 5000);
    await server.stop('SIGKILL');
    await client.waitFor(/Client error: /);
    server = group.start(url);
    const t0 = Date.now();
    await eventually(async () => {
      const b = await roundTrip(entry, Buffer.from('after'), '127.0.0.1', 1000);
      assert.equal(b.toString(), 'after');
    }, 4000, 20);
    const took = Date.now() - t0;
    assert.ok(took < 2000, `traffic flowed again after ${took} ms`);
  });

  test('garbage on the tunnel port: the server keeps serving', async () => {
    const p = await forwardPair(group, echo.port);
    await ready(p);
    const garbage = [randomData(4096), Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n'), Buffer.from('POST /x HTTP/1.1\r\n\r\n'), Buffer.from('\x16\x03\x01garbage')];
    await Promise.all(
      garbage.map(
        (g) =>
          new Promise<void>((resolve) => {
            const s = net.connect(p.tunnelPort, '127.0.0.1', () => s.write(g));
            s.on('error', () => resolve());
            s.on('close', () => resolve());
            setTimeout(() => {
              s.destroy();
              resolve();
            }, 1500);
          }),
      ),
    );
    const d = randomData(1024 * 1024);
    assert.equal(sha256(await roundTrip(p.entryPort, d)), sha256(d));
    assert.doesNotMatch(p.server.output(), /Server error/);
  });
});
