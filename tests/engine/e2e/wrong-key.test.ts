// A wrong tunnel key never gets a pooled connection (issue 9), checked on the wire: a relay in
// front of the server records what the server sends on every connection the wrong-key client
// opens. A pooled connection starts with the 4 raw ID bytes (spec §5.1); a refused handshake gets
// an HTTP 401 or nothing at all. Pooled connections carry no credentials in NodePass v1.14, so the
// server also pins them to the IP of the handshake: a peer on another IP gets nothing either.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { echoServer, freePort, randomData, roundTrip, sha256, type TestServer } from '../../helpers/net';
import { ProcessGroup } from '../../helpers/proc';
import { FaultyRelay } from '../../helpers/faulty-relay';

let echo: TestServer;
const group = new ProcessGroup();
before(async () => {
  echo = await echoServer();
});
after(async () => {
  await group.stopAll();
  await echo.close();
});

/** Every connection got nothing, or an HTTP refusal, never raw ID bytes. */
function noIdBytes(relay: FaultyRelay): void {
  for (const [i, b] of relay.downstream.entries()) {
    const text = b.toString('latin1');
    assert.ok(b.length === 0 || /^HTTP\/1\.1 401 /.test(text), `connection #${i} received ${b.length} bytes: ${JSON.stringify(text.slice(0, 40))}`);
  }
}

test('no session yet: every connection of a wrong-key client gets 401, none an ID', async () => {
  const tunnel = await freePort();
  const server = group.start(`server://right-key@127.0.0.1:${tunnel}/127.0.0.1:${echo.port}`);
  await server.waitFor(/Pending tunnel handshake/);
  const relay = await FaultyRelay.start(tunnel);
  try {
    const bad = group.start(`client://wrong-key@127.0.0.1:${relay.port}/127.0.0.1:${await freePort()}`);
    // A few attempts with the client's back-off.
    for (let i = 0; i < 3; i++) await bad.waitFor(/Client error: commonStart: tunnelHandshake: .*401/, 10000, bad.lines.findLastIndex((l) => /Client error/.test(l)) + 1);
    await bad.stop('SIGKILL');
    assert.ok(relay.accepted >= 3, `connections: ${relay.accepted}`);
    noIdBytes(relay);
    assert.ok(relay.downstream.some((b) => b.length > 0), 'the refusals were seen');
    await server.waitFor(/tunnelHandshake: refused 127\.0\.0\.1:\d+: wrong tunnel key \(401\)/);
    assert.doesNotMatch(server.output(), /Sending tunnel config|Getting tunnel pool ready/);
  } finally {
    await relay.close();
  }
});

test('a live session: a wrong-key client and bare pool-style connections from another IP get nothing; the tunnel carries on', async () => {
  const tunnel = await freePort();
  const entry = await freePort();
  // Listening on every address, so 127.0.0.2 can reach it too.
  const server = group.start(`server://right-key@:${tunnel}/127.0.0.1:${echo.port}`);
  await server.waitFor(/Pending tunnel handshake/);
  const good = group.start(`client://right-key@127.0.0.1:${tunnel}/127.0.0.1:${entry}`);
  await good.waitFor(/CHECK_POINT/);
  const relay = await FaultyRelay.start(tunnel, { localAddress: '127.0.0.2' });
  try {
    const bad = group.start(`client://wrong-key@127.0.0.1:${relay.port}/127.0.0.1:${await freePort()}`);
    await bad.waitFor(/Client error: /, 10000);
    // What a Go client's pooled connection does: connect, say nothing, wait for the 4 ID bytes.
    const bare = await Promise.all(
      Array.from({ length: 10 }, () => new Promise<Buffer>((resolve) => {
        let got = Buffer.alloc(0);
        const s = net.connect({ port: relay.port, host: '127.0.0.1' });
        s.on('data', (c) => (got = Buffer.concat([got, c])));
        s.on('error', () => {});
        s.on('close', () => resolve(got));
        setTimeout(() => s.destroy(), 3000);
      })),
    );
    await bad.stop('SIGKILL');
    assert.deepEqual(bare.map((b) => b.length), new Array(10).fill(0), 'no bare connection got an ID');
    noIdBytes(relay);
    assert.ok(relay.accepted >= 11);
    // The real client never noticed.
    const d = randomData(64 * 1024);
    assert.equal(sha256(await roundTrip(entry, d)), sha256(d));
    assert.doesNotMatch(good.output(), /Client error/);
  } finally {
    await relay.close();
  }
});
