// Faults (issue 9, engine part): peers killed mid-transfer, a network that black-holes and drops
// the tunnel, and a TLS man in the middle that the fingerprint verification must catch.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { echoServer, eventually, freePort, randomData, roundTrip, sha256, type TestServer } from '../../helpers/net';
import { ProcessGroup } from '../../helpers/proc';
import { FaultyRelay, fdCount } from '../../helpers/faulty-relay';

let echo: TestServer;
const group = new ProcessGroup();
before(async () => {
  echo = await echoServer();
});
after(async () => {
  await group.stopAll();
  await echo.close();
});

/** Starts a long transfer and resolves with how it ended (it must end, not hang). */
function longTransfer(port: number): { result: Promise<string>; started: Promise<void> } {
  let started!: () => void;
  const startedP = new Promise<void>((r) => (started = r));
  const result = new Promise<string>((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => {
      const chunk = Buffer.alloc(64 * 1024, 7);
      const pump = () => {
        while (s.write(chunk)) if (s.destroyed) return;
      };
      s.on('drain', pump);
      pump();
    });
    let got = 0;
    s.on('data', (c) => {
      got += c.length;
      if (got > 1024 * 1024) started();
    });
    s.on('close', () => resolve('closed'));
    s.on('error', () => {});
    setTimeout(() => {
      resolve('hung');
      s.destroy();
    }, 15000);
  });
  return { result, started: startedP };
}

async function flows(port: number, within: number): Promise<void> {
  await eventually(async () => {
    const d = randomData(32 * 1024);
    assert.equal(sha256(await roundTrip(port, d, '127.0.0.1', 2000)), sha256(d));
  }, within, 50);
}

describe('peers killed mid-transfer', () => {
  for (const victim of ['server', 'client'] as const) {
    test(`${victim} SIGKILLed: cut user connections close, traffic resumes after restart`, async () => {
      const tunnel = await freePort();
      const entry = await freePort();
      const serverUrl = `server://127.0.0.1:${tunnel}/127.0.0.1:${echo.port}`;
      const clientUrl = `client://127.0.0.1:${tunnel}/127.0.0.1:${entry}`;
      let server = group.start(serverUrl);
      await server.waitFor(/Pending tunnel handshake/);
      let client = group.start(clientUrl);
      await client.waitFor(/CHECK_POINT/);
      const t = longTransfer(entry);
      await t.started;
      if (victim === 'server') {
        await server.stop('SIGKILL');
        server = group.start(serverUrl);
      } else {
        await client.stop('SIGKILL');
        client = group.start(clientUrl);
      }
      assert.equal(await t.result, 'closed', 'the cut connection closed instead of hanging');
      await flows(entry, 5000);
    });
  }
});

describe('a network that misbehaves', () => {
  test('black hole, then drop, then restore: detected, recovered, nothing leaked', async () => {
    const tunnel = await freePort();
    const entry = await freePort();
    const server = group.start(`server://k@127.0.0.1:${tunnel}/127.0.0.1:${echo.port}`);
    await server.waitFor(/Pending tunnel handshake/);
    const relay = await FaultyRelay.start(tunnel);
    // An explicit key: the port-derived one would differ through the relay's port.
    const client = group.start(`client://k@127.0.0.1:${relay.port}/127.0.0.1:${entry}?min=8`);
    try {
      await client.waitFor(/CHECK_POINT/);
      await flows(entry, 5000);
      await new Promise((r) => setTimeout(r, 1500)); // pools settle at their steady size
      const baseline = { client: await fdCount(client.child.pid!), server: await fdCount(server.child.pid!) };

      let from = client.lines.length;
      relay.setMode('blackhole');
      // NP_REPORT_INTERVAL=1s → the control read deadline is 3 s.
      await client.waitFor(/Client error: .*read timeout after 3000ms/, 8000, from);
      await server.waitFor(/WARN {2}Tunnel session ended: .*read timeout after 3000ms/, 8000);
      relay.setMode('drop');
      from = client.lines.length;
      await client.waitFor(/Client error: .*tunnelHandshake: /, 8000, from);
      relay.setMode('pass');
      await flows(entry, 10000);
      await new Promise((r) => setTimeout(r, 2500));
      const now = { client: await fdCount(client.child.pid!), server: await fdCount(server.child.pid!) };
      // Same steady state as before the faults: no sockets or pool entries left behind.
      assert.ok(Math.abs(now.client - baseline.client) <= 4, `client fds ${baseline.client} → ${now.client}`);
      assert.ok(Math.abs(now.server - baseline.server) <= 4, `server fds ${baseline.server} → ${now.server}`);
    } finally {
      await relay.close();
    }
  });

  test('tls=1 with a man in the middle: fingerprint mismatch, no traffic carried', async () => {
    const tunnel = await freePort();
    const entry = await freePort();
    const target = await echoServer();
    try {
      const server = group.start(`server://k@127.0.0.1:${tunnel}/127.0.0.1:${target.port}?tls=1`);
      await server.waitFor(/Pending tunnel handshake/);
      const relay = await FaultyRelay.start(tunnel, { mitm: true });
      try {
        const client = group.start(`client://k@127.0.0.1:${relay.port}/127.0.0.1:${entry}`);
        await client.waitFor(/Client error: .*outgoingVerify: certificate fingerprint mismatch: server: sha256:[0-9A-F:]+ - client: sha256:[0-9A-F:]+/, 10000);
        await server.waitFor(/Server error: .*certificate fingerprint mismatch/, 10000);
        // A user connecting meanwhile gets nowhere: the target never sees a connection.
        await new Promise<void>((resolve) => {
          const s = net.connect(entry, '127.0.0.1', () => s.write('secret'));
          s.on('close', () => resolve());
          s.on('error', () => resolve());
          setTimeout(() => {
            s.destroy();
            resolve();
          }, 3000);
        });
        assert.equal(target.connections, 0);
        assert.doesNotMatch(client.output(), /TLS certificate fingerprint verified/);
      } finally {
        await relay.close();
      }
    } finally {
      await target.close();
    }
  });
});
