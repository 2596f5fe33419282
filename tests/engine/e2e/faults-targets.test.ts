// Faults on the target side (issue 9): the service behind the tunnel goes down and comes back, and
// a service that accepts and then never answers. The tunnel itself must not notice the first, and
// the user must never hang on the second.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { echoServer, freePort, randomData, roundTrip, sha256, TcpClient } from '../../helpers/net';
import { ProcessGroup, type NodePassProcess } from '../../helpers/proc';
import { startPair } from '../../helpers/tunnel';
import { parseCheckPoint } from '../../../engine/instance/stats';
import { readdirSync } from 'node:fs';

const fds = (p: NodePassProcess) => readdirSync(`/proc/${p.child.pid}/fd`).length;

const group = new ProcessGroup();
after(() => group.stopAll());

/**
 * A hung service: accepts connections, reads what it gets, and never writes or closes (like an
 * application stuck while the kernel still accepts). `open` holds the connections the tunnel has
 * not closed yet (no FIN or reset received from it).
 */
async function silentServer(): Promise<{ port: number; open: Set<net.Socket>; received: () => number; closed: () => number; close(): Promise<void> }> {
  const open = new Set<net.Socket>();
  const all = new Set<net.Socket>();
  let received = 0;
  let closed = 0;
  const srv = net.createServer({ allowHalfOpen: true }, (s) => {
    open.add(s);
    all.add(s);
    const gone = () => {
      if (open.delete(s)) closed++;
    };
    s.on('data', (c) => (received += c.length));
    s.on('error', gone);
    s.on('end', gone);
    s.on('close', () => {
      gone();
      all.delete(s);
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  return {
    port: (srv.address() as net.AddressInfo).port,
    open,
    received: () => received,
    closed: () => closed,
    close: () =>
      new Promise((r) => {
        for (const s of all) s.destroy();
        srv.close(() => r());
      }),
  };
}

/** Waits for a CHECK_POINT (after line `from`) that satisfies `pred`. */
async function checkpoint(p: NodePassProcess, from: number, pred: (c: NonNullable<ReturnType<typeof parseCheckPoint>>) => boolean, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const hit = p.lines.slice(from).map(parseCheckPoint).some((c) => c !== null && pred(c));
    if (hit) return;
    if (Date.now() > deadline) throw new Error(`no matching CHECK_POINT in ${p.url}:\n${p.lines.slice(from).join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function until<T>(fn: () => T | undefined | false, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timeout: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('target service down and back up', () => {
  for (const flow of ['reverse', 'forward'] as const) {
    test(`${flow}: users are refused cleanly while it is down; it works again at once, same tunnel session`, async () => {
      const port = await freePort();
      let target = await echoServer(port);
      const p = await startPair(group, { flow, target: `127.0.0.1:${port}` });
      const d = randomData(64 * 1024);
      assert.equal(sha256(await roundTrip(p.port, d)), sha256(d));
      const handshakes = p.client.lines.filter((l) => /Marking tunnel handshake as complete/.test(l)).length;

      await target.close();
      for (let i = 0; i < 3; i++) {
        const t0 = Date.now();
        const c = new TcpClient(p.port);
        await c.connected;
        c.write('while down');
        assert.equal(await c.waitClosed(5000), true, 'the user connection is closed, not left hanging');
        assert.equal(c.data.length, 0);
        assert.ok(Date.now() - t0 < 5000);
        c.close();
      }
      await p.egress.waitFor(/dialWithRotation failed: dial tcp 127\.0\.0\.1:\d+: connect: connection refused/);

      target = await echoServer(port);
      try {
        const e = randomData(256 * 1024);
        assert.equal(sha256(await roundTrip(p.port, e)), sha256(e));
        // Still the first session: a dead target is no reason to tear the tunnel down.
        assert.equal(p.client.lines.filter((l) => /Marking tunnel handshake as complete/.test(l)).length, handshakes);
        assert.doesNotMatch(p.client.output() + p.server.output(), /Client error|Server error|Tunnel session ended/);
        const from = Math.min(p.ingress.lines.length, p.egress.lines.length);
        await checkpoint(p.ingress, from, (c) => c.tcps === 0);
        await checkpoint(p.egress, from, (c) => c.tcps === 0);
      } finally {
        await target.close();
      }
    });
  }
});

describe('a target that accepts and never answers', () => {
  test('read=1s: the idle user connection and the target connection are both closed', async () => {
    const silent = await silentServer();
    try {
      const p = await startPair(group, { flow: 'forward', target: `127.0.0.1:${silent.port}`, serverQuery: 'read=1s', clientQuery: 'read=1s' });
      const t0 = Date.now();
      const c = new TcpClient(p.port);
      await c.connected;
      c.write('anyone there?');
      await until(() => silent.received() === 13, 5000, 'the request reached the target');
      assert.equal(await c.waitClosed(6000), true, 'closed by the read timeout');
      const took = Date.now() - t0;
      assert.ok(took >= 900, `closed after ${took} ms, not before the timeout`);
      assert.equal(c.data.length, 0);
      await until(() => silent.open.size === 0, 5000, 'the target side was closed too');
      const from = Math.min(p.ingress.lines.length, p.egress.lines.length);
      await checkpoint(p.ingress, from, (x) => x.tcps === 0);
      await checkpoint(p.egress, from, (x) => x.tcps === 0);
    } finally {
      await silent.close();
    }
  });

  test('no read timeout: when the user gives up, the target connection is closed and nothing is left behind', async () => {
    const silent = await silentServer();
    try {
      // The user's FIN is passed on (half-close); the hung target never answers nor closes, so the
      // session ends after NPD_HALF_CLOSE_TIMEOUT (default 1 min) instead of never.
      const env = { NPD_HALF_CLOSE_TIMEOUT: '1s' };
      const p = await startPair(group, { flow: 'reverse', target: `127.0.0.1:${silent.port}`, env });
      const users = Array.from({ length: 20 }, () => new TcpClient(p.port));
      await Promise.all(users.map((u) => u.connected));
      for (const u of users) u.write('hello?');
      await until(() => silent.open.size === 20 && silent.received() === 20 * 6, 8000, 'all 20 reached the target');
      const from = Math.min(p.ingress.lines.length, p.egress.lines.length);
      await checkpoint(p.ingress, from, (x) => x.tcps === 20);
      // Nothing comes back; the users wait a while, then give up.
      await new Promise((r) => setTimeout(r, 1000));
      assert.ok(users.every((u) => !u.closed && u.data.length === 0));
      const fdsBefore = { ingress: fds(p.ingress), egress: fds(p.egress) };
      for (const u of users) u.close();
      await until(() => silent.open.size === 0, 5000, `target connections closed (${silent.open.size} open)`);
      assert.equal(silent.closed(), 20);
      const later = Math.min(p.ingress.lines.length, p.egress.lines.length);
      await checkpoint(p.ingress, later, (x) => x.tcps === 0);
      await checkpoint(p.egress, later, (x) => x.tcps === 0);
      await until(() => p.egress.lines.filter((l) => /Exchange complete: half-closed session idle for 1000ms/.test(l)).length === 20, 5000, 'the egress side ended all 20');
      // The user sockets, pooled streams and target sockets are all gone (the pool refills to its size).
      await new Promise((r) => setTimeout(r, 1500));
      assert.ok(fds(p.ingress) <= fdsBefore.ingress - 15, `ingress fds ${fdsBefore.ingress} → ${fds(p.ingress)}`);
      assert.ok(fds(p.egress) <= fdsBefore.egress - 15, `egress fds ${fdsBefore.egress} → ${fds(p.egress)}`);
      assert.doesNotMatch(p.client.output() + p.server.output(), / ERROR /);
    } finally {
      await silent.close();
    }
  });
});
