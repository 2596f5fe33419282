// The QUIC pool transports (type 1) over real UDP sockets on loopback: the ID exchange through the
// shared pool logic, half-close, certificates, client-IP pinning, ALPN, and the unsupported-platform
// message.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import { freePort, randomData, sha256 } from '../../helpers/net';
import { makePki, type TestPki } from '../../helpers/certs';
import { ClientPool } from '../../../engine/pool/client-pool';
import { CONTROL_ID } from '../../../engine/pool/pool';
import { ServerPool } from '../../../engine/pool/server-pool';
import { QuicClientTransport, QuicServerEndpoint, QuicServerTransport, quicSettings } from '../../../engine/pool/quic-transport';
import { makeConfig } from '../../../engine/pool/quic/config';
import { dialQuic } from '../../../engine/pool/quic/dial';
import { bindQuicSocket, QuicListener } from '../../../engine/pool/quic/listener';
import { loadQuiche, QuicUnavailableError } from '../../../engine/pool/quic/native';
import { ramTls, type ServerTls } from '../../../engine/tls/context';
import { certFingerprint } from '../../../engine/tls/fingerprint';

const silent = { debug: () => {}, warn: () => {}, error: () => {} };

interface Rig {
  port: number;
  serverTls: ServerTls;
  endpoint: QuicServerEndpoint;
  serverPool: ServerPool;
  transport: QuicServerTransport;
  warnings: string[];
  close(): void;
}

async function serverRig(o: { clientIp?: string; max?: number; tls?: ServerTls } = {}): Promise<Rig> {
  const port = await freePort();
  const serverTls = o.tls ?? (await ramTls('test'));
  const warnings: string[] = [];
  const logger = { ...silent, warn: (m: string) => warnings.push(m) };
  const endpoint = new QuicServerEndpoint('127.0.0.1', port, serverTls, 5000, logger);
  const serverPool = new ServerPool({ max: o.max ?? 64, clientIp: o.clientIp ?? '' });
  const transport = new QuicServerTransport({
    endpoint,
    clientIp: serverPool.clientIp,
    max: serverPool.max,
    active: () => serverPool.active(),
    offer: (s) => serverPool.offer(s),
    logger,
  });
  await endpoint.ensure();
  return {
    port,
    serverTls,
    endpoint,
    serverPool,
    transport,
    warnings,
    close() {
      transport.close();
      serverPool.close();
      return endpoint.close();
    },
  };
}

function clientTransport(port: number, extra: Partial<ConstructorParameters<typeof QuicClientTransport>[0]> = {}) {
  return new QuicClientTransport({
    target: async () => ({ host: '127.0.0.1', port }),
    tls: 1,
    serverName: 'none',
    keepAliveMs: 5000,
    max: 64,
    dialTimeoutMs: 3000,
    ...extra,
  });
}

function collect(s: Duplex): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    s.on('data', (d: Buffer) => parts.push(d));
    s.on('end', () => resolve(Buffer.concat(parts)));
    s.on('error', reject);
    s.resume();
  });
}

describe('QUIC pool (type 1)', () => {
  let rig: Rig;
  before(async () => {
    rig = await serverRig();
  });
  after(() => rig.close());

  test('streams get IDs (the first is 00000000) and carry bytes both ways with half-close', async () => {
    const t = clientTransport(rig.port);
    const pool = new ClientPool(t, { min: 4, max: 8, minIntervalMs: 100, maxIntervalMs: 1000, idTimeoutMs: 5000 });
    pool.start();
    try {
      const [c, s] = await Promise.all([pool.outgoingGet(CONTROL_ID, 5000), rig.serverPool.outgoingGet(CONTROL_ID, 5000)]);
      assert.equal(c.id, CONTROL_ID);
      // Another pair, matched by the ID the server assigned.
      const sc = await rig.serverPool.incomingGet(5000);
      const cc = await pool.outgoingGet(sc.id, 5000);
      assert.match(sc.id, /^[0-9a-f]{8}$/);
      assert.notEqual(sc.id, CONTROL_ID);

      const up = randomData(3 * 1024 * 1024 + 17);
      const down = randomData(2 * 1024 * 1024 + 5);
      const cs = cc.claim().stream;
      const ss = sc.claim().stream;
      const gotUp = collect(ss);
      const gotDown = collect(cs);
      cs.end(up);
      // The server side still sends after the client's FIN (half-close), then ends.
      const upBytes = await gotUp;
      assert.equal(sha256(upBytes), sha256(up));
      assert.ok(!ss.writableEnded, 'server side may still write after the client FIN');
      ss.end(down);
      assert.equal(sha256(await gotDown), sha256(down));
      assert.ok(pool.active() > 0, 'the client pool refills');
      c.close();
      s.close();
    } finally {
      pool.close();
    }
  });

  test('destroying a pooled stream with nothing unsent is a FIN after the bytes written (quic-go Close)', async () => {
    const t = clientTransport(rig.port);
    try {
      const a = await t.open();
      const id = (await collectN(a.stream, 4)).toString('hex');
      const sa = await rig.serverPool.outgoingGet(id, 5000);
      const serverSide = sa.claim().stream;
      const ended = collect(serverSide);
      a.stream.write(Buffer.from('last words'));
      await new Promise((r) => setImmediate(r));
      a.stream.destroy();
      assert.equal((await ended).toString(), 'last words', 'the peer reads everything, then a clean end');
      serverSide.destroy();
    } finally {
      t.close();
    }
  });

  test('a writer may reuse its buffer as soon as a write has called back', async () => {
    const t = clientTransport(rig.port);
    try {
      const a = await t.open();
      const id = (await collectN(a.stream, 4)).toString('hex');
      const serverSide = (await rig.serverPool.outgoingGet(id, 5000)).claim().stream;
      const received = collect(serverSide);
      const scratch = Buffer.alloc(10 * 1024 + 7);
      const sent: Buffer[] = [];
      for (let i = 0; i < 200; i++) {
        randomData(scratch.length).copy(scratch);
        sent.push(Buffer.from(scratch));
        await new Promise<void>((resolve, reject) => a.stream.write(scratch, (e) => (e ? reject(e) : resolve())));
        if (i % 50 === 0) await new Promise((r) => setTimeout(r, 5)); // let held bytes time out too
      }
      a.stream.end();
      assert.equal(sha256(await received), sha256(Buffer.concat(sent)));
      serverSide.destroy();
    } finally {
      t.close();
    }
  });

  test('the client sees the server certificate (tls=1 fingerprint check)', async () => {
    const t = clientTransport(rig.port);
    const s = await t.open();
    try {
      assert.ok(s.peerCert, 'peer certificate present');
      assert.equal(certFingerprint(s.peerCert!), rig.serverTls.fingerprint());
      assert.equal(s.remoteIp, '127.0.0.1');
    } finally {
      s.stream.destroy();
      t.close();
    }
  });

  test('the peer may hold at most `max` streams open (quic-go MaxIncomingStreams = pool max)', async () => {
    const small = await serverRig({ max: 2 });
    const t = clientTransport(small.port);
    try {
      const a = await t.open();
      const b = await t.open();
      assert.equal((await collectN(a.stream, 4)).toString('hex'), CONTROL_ID);
      await collectN(b.stream, 4);
      let third: Awaited<ReturnType<typeof t.open>> | null = null;
      const opening = t.open().then((s) => (third = s));
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(third, null, 'a third stream waits for credit');
      // Closing one (the server drops it from its pool) returns the credit.
      a.stream.destroy();
      await opening;
      assert.match((await collectN(third!.stream, 4)).toString('hex'), /^[0-9a-f]{8}$/);
      b.stream.destroy();
      third!.stream.destroy();
    } finally {
      t.close();
      small.close();
    }
  });

  test('a QUIC connection from a foreign source IP is closed: application error 0, "unauthorized IP"', async () => {
    const pinned = await serverRig({ clientIp: '127.0.0.1' });
    try {
      const c = await dialQuic({
        host: '127.0.0.1',
        port: pinned.port,
        serverName: null,
        settings: quicSettings(5000, 8),
        tls: {},
        timeoutMs: 3000,
        localAddress: '127.0.0.2',
      });
      const why = c.closed ? c.closeReason : await new Promise<string>((r) => c.once('close', r));
      assert.equal(why, 'closed by peer: application error 0 (unauthorized IP)');
      assert.ok(pinned.warnings.some((w) => /refused QUIC connection from 127\.0\.0\.2:\d+: unauthorized IP/.test(w)), pinned.warnings.join('\n'));
      assert.equal(pinned.serverPool.active(), 0);
      // The pinned address itself is served.
      const t = clientTransport(pinned.port);
      const s = await t.open();
      assert.equal((await collectN(s.stream, 4)).toString('hex'), CONTROL_ID);
      s.stream.destroy();
      t.close();
    } finally {
      pinned.close();
    }
  });

  test('a peer without ALPN np-quic fails the handshake', async () => {
    await assert.rejects(
      dialQuic({ host: '127.0.0.1', port: rig.port, serverName: null, settings: { ...quicSettings(5000, 8), alpn: 'h3' }, tls: {}, timeoutMs: 3000 }),
      /QUIC handshake with 127\.0\.0\.1:\d+ failed: closed by peer: TLS alert 120/,
    );
  });

  test('a dead server: open rejects, and the next open dials afresh', async () => {
    const gone = await serverRig();
    const t = clientTransport(gone.port, { dialTimeoutMs: 1000 });
    const s = await t.open();
    s.stream.destroy();
    await gone.close();
    // The old connection was closed by the server ("server stopped"); a new dial finds nobody.
    await assert.rejects(t.open(), /QUIC (handshake with 127\.0\.0\.1:\d+ timed out|connection closed by peer)/);
    t.close();
  });
});

describe('QUIC over a lossy path', () => {
  test('5 % of datagrams dropped each way: 100 request/response streams with half-close all complete intact', async () => {
    const pair = await ramTls('lossy');
    const server = await bindQuicSocket('127.0.0.1', 0);
    const settings = quicSettings(5000, 256);
    const cfg = makeConfig(settings, { certPem: pair.pem().cert, keyPem: pair.pem().key });
    const listener = QuicListener.attach(server, {
      config: () => cfg,
      onConnection: (c) =>
        c.on('stream', (st) => {
          st.on('error', () => {});
          st.pipe(st); // echo, then FIN after the peer's FIN
        }),
    }, 5000);
    // A UDP relay that drops datagrams with a fixed-seed PRNG (reproducible loss pattern).
    let seed = 12345;
    const drop = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 100) < 5;
    const relay = dgram.createSocket('udp4');
    await new Promise<void>((r) => relay.bind(0, '127.0.0.1', () => r()));
    let clientAddr: dgram.RemoteInfo | null = null;
    relay.on('message', (m, r) => {
      if (r.port === listener.port) {
        if (clientAddr && !drop()) relay.send(m, clientAddr.port, clientAddr.address);
      } else {
        clientAddr = r;
        if (!drop()) relay.send(m, listener.port, '127.0.0.1');
      }
    });
    const c = await dialQuic({ host: '127.0.0.1', port: relay.address().port, serverName: null, settings, tls: {}, timeoutMs: 10000 });
    try {
      const results = await Promise.all(
        Array.from({ length: 100 }, async () => {
          const s = await c.openStream(Uint8Array.of(0));
          const data = randomData(16 * 1024);
          const back = collect(s);
          s.end(data);
          let timer: NodeJS.Timeout | undefined;
          const got = await Promise.race([
            back,
            new Promise<Buffer>((r) => (timer = setTimeout(() => r(Buffer.alloc(0)), 20000))),
          ]).finally(() => clearTimeout(timer));
          return got.length === data.length + 1 && sha256(got.subarray(1)) === sha256(data);
        }),
      );
      assert.equal(results.filter(Boolean).length, 100);
    } finally {
      c.close('done');
      listener.close();
      relay.close();
    }
  });
});

describe('QUIC listener', () => {
  test('a UDP port already in use is named in the error', async () => {
    const port = await freePort();
    const taken = dgram.createSocket('udp4');
    await new Promise<void>((r) => taken.bind(port, '127.0.0.1', () => r()));
    const ep = new QuicServerEndpoint('127.0.0.1', port, await ramTls('t'), 5000, silent);
    try {
      await assert.rejects(ep.ensure(), { message: `listen udp 127.0.0.1:${port}: bind: address already in use` });
    } finally {
      ep.close();
      taken.close();
    }
  });
});

describe('QUIC with tls=2', () => {
  let pki: TestPki;
  let rig: Rig;
  const extraCa = process.env.NODE_EXTRA_CA_CERTS;
  before(async () => {
    pki = await makePki(['localhost'], ['127.0.0.1']);
    const cert = readFileSync(pki.certFile, 'utf8');
    const key = readFileSync(pki.keyFile, 'utf8');
    const base = await ramTls('x');
    rig = await serverRig({ tls: { ...base, code: 2, pem: () => ({ cert, key }) } });
    process.env.NODE_EXTRA_CA_CERTS = pki.caFile;
  });
  after(() => {
    rig.close();
    if (extraCa === undefined) delete process.env.NODE_EXTRA_CA_CERTS;
    else process.env.NODE_EXTRA_CA_CERTS = extraCa;
  });

  test('verifies the chain and the name', async () => {
    const good = clientTransport(rig.port, { tls: 2, serverName: 'localhost' });
    const s = await good.open();
    assert.ok(s.peerCert);
    s.stream.destroy();
    good.close();
    const wrongName = clientTransport(rig.port, { tls: 2, serverName: 'example.org' });
    await assert.rejects(wrongName.open(), /closed locally: TLS alert/);
    wrongName.close();
  });
});

describe('platforms without a QUIC binary', () => {
  test('type=1 says clearly that it is unavailable and what to use instead', () => {
    assert.throws(
      () => loadQuiche('linux', 'arm64'),
      (e: Error) =>
        e instanceof QuicUnavailableError &&
        e.message ===
          'QUIC pool (type=1) is not available on linux-arm64: no QUIC native module is published for this platform (available: linux-x64, win32-x64, darwin-x64, darwin-arm64); use type=0 (TCP/TLS), type=2 (WebSocket) or type=3 (HTTP/2)',
    );
    // Windows/macOS binaries are optional dependencies that npm installs only on those systems.
    assert.throws(() => loadQuiche('win32', 'x64'), /not available on win32-x64: its native module failed to load \(Cannot find module '@matrixai\/quic-win32-x64'/);
    assert.doesNotThrow(() => loadQuiche());
  });
});

function collectN(s: Duplex, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let have = 0;
    const onData = (d: Buffer) => {
      parts.push(d);
      have += d.length;
      if (have >= n) {
        s.off('data', onData);
        s.pause();
        resolve(Buffer.concat(parts).subarray(0, n));
      }
    };
    s.on('data', onData);
    s.on('error', reject);
    s.on('end', () => reject(new Error(`stream ended after ${have} of ${n} bytes`)));
  });
}
