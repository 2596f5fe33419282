// The server instance built directly (`new Server(…)`, no createInstance, no CLI): every pool type
// is found through the pool's registry, QUIC's UDP endpoint lives exactly as long as the server,
// and a reconnecting client's handshake is recognised on the shared tunnel port whatever the pool.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { clientHandshake } from '../../../engine/instance/handshake';
import { quicUnavailable } from '../../../engine/pool/quic/native';
import { OUR_FEATURES } from '../../../engine/wire/http';
import { buildServer, configOf, startTunnel, stateReached } from '../../helpers/instances';
import { echoServer, freePort, randomData, roundTrip, sha256 } from '../../helpers/net';

const noQuic = quicUnavailable();

/** Round trips until one succeeds intact (a session being replaced may refuse a user), with a deadline. */
async function roundTripSoon(port: number, data: Buffer, deadlineMs = 15_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    try {
      const back = await roundTrip(port, data, '127.0.0.1', 5000);
      if (sha256(back) === sha256(data)) return;
      throw new Error(`${back.length} of ${data.length} bytes came back`);
    } catch (e) {
      if (Date.now() > until) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function bindUdp(port: number): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.once('error', reject);
    s.bind({ port, address: '127.0.0.1', exclusive: true }, () => resolve(s));
  });
}

for (const { type, tls, name } of [
  { type: 0, tls: 0, name: 'TCP' },
  { type: 1, tls: 1, name: 'QUIC' },
  { type: 2, tls: 0, name: 'WebSocket' },
  { type: 2, tls: 1, name: 'WebSocket over TLS' },
  { type: 3, tls: 1, name: 'HTTP/2' },
] as const) {
  test(`a Server built directly carries a ${name} tunnel (type=${type}, tls=${tls})`, { skip: type === 1 && noQuic ? noQuic : false }, async (t) => {
    const echo = await echoServer();
    t.after(() => echo.close());
    const tunnel = await startTunnel({ type, tls, targetPort: echo.port });
    t.after(() => tunnel.stop());
    const data = randomData(512 * 1024);
    const back = await roundTrip(tunnel.entryPort, data);
    assert.equal(sha256(back), sha256(data));
    assert.ok(tunnel.server.lines.includes(`Sending tunnel config: FLOW=-|MAX=1024|TLS=${tls}|TYPE=${type}`), tunnel.server.lines.join('\n'));
  });
}

test('a pool type outside 0-3 fails prepare() with a message naming it', async () => {
  const cfg = { ...configOf(`server://127.0.0.1:${await freePort()}/127.0.0.1:${await freePort()}`), type: 9 as 0 };
  const s = buildServer(cfg);
  await assert.rejects(s.instance.prepare(), { message: 'initTunnelPool: unknown pool type: 9' });
  await assert.rejects(s.instance.run(), /not prepared/);
});

test('QUIC: the UDP side of the tunnel port is bound at start-up, held while the server runs and released when it stops', { skip: noQuic ?? false }, async () => {
  const tunnelPort = await freePort();
  // Taken before the server starts: the start fails on it, naming the address.
  const squatter = await bindUdp(tunnelPort);
  const s = buildServer(`server://127.0.0.1:${tunnelPort}/127.0.0.1:${await freePort()}?type=1&tls=1&mode=1`);
  try {
    await s.instance.prepare();
    void s.instance.run();
    await stateReached(s.instance, 'error');
    assert.match(s.lines.join('\n'), new RegExp(`Server error: start: initTunnelListener failed: listen udp 127\\.0\\.0\\.1:${tunnelPort}: bind: address already in use`));
    // Freed: the retry binds it.
    squatter.close();
    await stateReached(s.instance, 'waiting', 15_000);
    await assert.rejects(bindUdp(tunnelPort), { code: 'EADDRINUSE' });
  } finally {
    await s.instance.stop();
  }
  const again = await bindUdp(tunnelPort);
  again.close();
});

for (const { type, tls, how } of [
  { type: 0, tls: 0, how: 'spotted on an idle pooled connection' },
  { type: 2, tls: 0, how: 'handed back by the WebSocket transport' },
  { type: 0, tls: 1, how: 'told apart from TLS by its first byte' },
] as const) {
  test(`a new handshake while a session is up is ${how} (type=${type}, tls=${tls}), and the client comes back`, async (t) => {
    const echo = await echoServer();
    t.after(() => echo.close());
    const tunnel = await startTunnel({ type, tls, targetPort: echo.port });
    t.after(() => tunnel.stop());
    const cfg = tunnel.server.instance.cfg;
    const r = await clientHandshake({
      host: '127.0.0.1',
      port: tunnel.tunnelPort,
      portText: String(tunnel.tunnelPort),
      serverName: 'localhost',
      key: cfg.key,
      timeoutMs: 5000,
      features: OUR_FEATURES,
    });
    assert.deepEqual({ type: r.offer.type, tls: r.offer.tls }, { type: String(type), tls: String(tls) });
    await tunnel.server.line(/Tunnel session replaced by a new handshake from 127\.0\.0\.1/);
    // The real client lost its session and reconnects by itself.
    await tunnel.client.line(/Client restart/);
    await roundTripSoon(tunnel.entryPort, randomData(64 * 1024));
  });
}
