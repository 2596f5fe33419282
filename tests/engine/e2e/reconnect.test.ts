// Sessions come back: a client that is killed and restarted, and a fresh handshake while the old
// session is still up (the old client frozen, as after a network black hole) — accepted at once
// without the server restarting (NodePass refuses it until its 15 s read timeout, §10.2 #4).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { echoServer, eventually, freePort, randomData, roundTrip, sha256, type TestServer } from '../../helpers/net';
import { ProcessGroup } from '../../helpers/proc';

let echo: TestServer;
const group = new ProcessGroup();
before(async () => {
  echo = await echoServer();
});
after(async () => {
  await group.stopAll();
  await echo.close();
});

async function flows(port: number, within: number): Promise<number> {
  const t0 = Date.now();
  await eventually(async () => {
    const d = randomData(64 * 1024);
    const b = await roundTrip(port, d, '127.0.0.1', 2000);
    assert.equal(sha256(b), sha256(d));
  }, within, 20);
  return Date.now() - t0;
}

describe('reconnects', () => {
  test('client killed and restarted: traffic flows again', async () => {
    const tunnel = await freePort();
    const entry = await freePort();
    const server = group.start(`server://127.0.0.1:${tunnel}/127.0.0.1:${entry}`);
    await server.waitFor(/Pending tunnel handshake/);
    const clientUrl = `client://127.0.0.1:${tunnel}/127.0.0.1:${echo.port}`;
    const c1 = group.start(clientUrl);
    await c1.waitFor(/CHECK_POINT/);
    await flows(entry, 5000);
    await c1.stop('SIGKILL');
    const c2 = group.start(clientUrl);
    await c2.waitFor(/CHECK_POINT/);
    const took = await flows(entry, 5000);
    assert.ok(took < 2000, `flowing again after ${took} ms`);
    assert.doesNotMatch(server.output(), /Server restart/);
  });

  for (const tls of ['0', '1']) {
    test(`tls=${tls}: a new handshake while the old session is up replaces it at once`, async () => {
      const tunnel = await freePort();
      const entry = await freePort();
      const server = group.start(`server://127.0.0.1:${tunnel}/127.0.0.1:${entry}?tls=${tls}`);
      await server.waitFor(/Pending tunnel handshake/);
      const clientUrl = `client://127.0.0.1:${tunnel}/127.0.0.1:${echo.port}`;
      const c1 = group.start(clientUrl);
      await c1.waitFor(/CHECK_POINT/);
      await flows(entry, 5000);
      // Freeze the first client: its sockets stay open, it answers nothing.
      c1.child.kill('SIGSTOP');
      try {
        const from = server.lines.length;
        const c2 = group.start(clientUrl);
        await c2.waitFor(/Marking tunnel handshake as complete/, 5000);
        await server.waitFor(/Tunnel session replaced by a new handshake from 127\.0\.0\.1/, 5000, from);
        const took = await flows(entry, 5000);
        assert.ok(took < 3000, `flowing through the new client after ${took} ms`);
      } finally {
        c1.child.kill('SIGKILL');
      }
    });
  }
});
