// A port already in use at start, for every kind of listener (issue 9): the error names the
// protocol and address, the other listeners of the same instance are not left bound (nothing
// half-started), and the instance comes up by itself once the port is free. The tunnel TCP port
// and the reverse-mode target TCP port are covered in tests/engine/cli.test.ts.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { existsSync, readdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { echoServer, eventually, freePort, randomData, roundTrip, sha256, udpEchoServer } from '../../helpers/net';
import { NodePassProcess, ProcessGroup } from '../../helpers/proc';
import { removeDir, tempStateDir } from '../../helpers/master';

const group = new ProcessGroup();
after(() => group.stopAll());

type Proto = 'tcp' | 'udp';

/** Holds a port the way another program would. */
async function block(proto: Proto, port: number): Promise<() => Promise<void>> {
  if (proto === 'tcp') {
    const s = net.createServer();
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => resolve());
    });
    return () => new Promise((r) => s.close(() => r()));
  }
  const u = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    u.once('error', reject);
    u.bind(port, '127.0.0.1', () => resolve());
  });
  return () => new Promise((r) => u.close(() => r()));
}

function canBind(proto: Proto, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (proto === 'tcp') {
      const s = net.createServer();
      s.once('error', () => resolve(false));
      s.listen({ port, host: '127.0.0.1', exclusive: true }, () => s.close(() => resolve(true)));
    } else {
      const u = dgram.createSocket('udp4');
      u.once('error', () => resolve(false));
      u.bind({ port, address: '127.0.0.1', exclusive: true }, () => u.close(() => resolve(true)));
    }
  });
}

/** The port is not held by the failed instance (it may retry now and then, so allow a moment). */
async function notHeld(proto: Proto, port: number): Promise<void> {
  await eventually(async () => assert.ok(await canBind(proto, port), `${proto} ${port} is still bound`), 3000, 100);
}

const inUse = (proto: Proto, port: number) => new RegExp(`listen ${proto} 127\\.0\\.0\\.1:${port}: bind: address already in use`);
const env = { NP_SERVICE_COOLDOWN: '1s' };

describe('a port already in use at start', () => {
  test('server, tunnel UDP port: named, tunnel TCP released, target never bound; starts once free', async () => {
    const tunnel = await freePort();
    const target = await freePort();
    const release = await block('udp', tunnel);
    const s = group.start(`server://127.0.0.1:${tunnel}/127.0.0.1:${target}?mode=1`, env);
    const line = await s.waitFor(/Server error: start: /);
    assert.match(line, /initTunnelListener failed: /);
    assert.match(line, inUse('udp', tunnel));
    await notHeld('tcp', tunnel);
    await notHeld('tcp', target);
    await notHeld('udp', target);
    await release();
    await s.waitFor(/Pending tunnel handshake/, 8000);
  });

  test('server (reverse mode), target UDP port: named, tunnel and target TCP released; starts once free', async () => {
    const tunnel = await freePort();
    const target = await freePort();
    const release = await block('udp', target);
    const s = group.start(`server://127.0.0.1:${tunnel}/127.0.0.1:${target}?mode=1`, env);
    const line = await s.waitFor(/Server error: start: /);
    assert.match(line, /initTargetListener failed: /);
    assert.match(line, inUse('udp', target));
    for (const [proto, port] of [['tcp', tunnel], ['udp', tunnel], ['tcp', target]] as const) await notHeld(proto, port);
    await release();
    await s.waitFor(/Pending tunnel handshake/, 8000);
  });

  for (const proto of ['tcp', 'udp'] as const) {
    test(`client (forward mode), target ${proto.toUpperCase()} port: named, the other protocol released, the session given up; works once free`, async () => {
      const echo = await echoServer();
      try {
        const tunnel = await freePort();
        const entry = await freePort();
        const server = group.start(`server://127.0.0.1:${tunnel}/127.0.0.1:${echo.port}?mode=2`, env);
        await server.waitFor(/Pending tunnel handshake/);
        const release = await block(proto, entry);
        const c = group.start(`client://127.0.0.1:${tunnel}/127.0.0.1:${entry}`, env);
        const line = await c.waitFor(/Client error: /, 10000);
        assert.match(line, /initTargetListener failed: /);
        assert.match(line, inUse(proto, entry));
        await notHeld(proto === 'tcp' ? 'udp' : 'tcp', entry);
        assert.doesNotMatch(c.output(), /CHECK_POINT/, 'no session ran without its listener');
        await release();
        await c.waitFor(/CHECK_POINT/, 10000);
        const d = randomData(16 * 1024);
        await eventually(async () => assert.equal(sha256(await roundTrip(entry, d, '127.0.0.1', 2000)), sha256(d)), 5000);
      } finally {
        await echo.close();
      }
    });

    test(`client (single-end), ${proto.toUpperCase()} port: named, the other protocol released; works once free`, async () => {
      const tcpEcho = await echoServer();
      const udpEcho = await udpEchoServer(tcpEcho.port).catch(() => null);
      try {
        const port = await freePort();
        const release = await block(proto, port);
        const c = group.start(`client://127.0.0.1:${port}/127.0.0.1:${tcpEcho.port}?mode=1`, env);
        const line = await c.waitFor(/Client error: start: /);
        assert.match(line, /initTunnelListener failed: /);
        assert.match(line, inUse(proto, port));
        await notHeld(proto === 'tcp' ? 'udp' : 'tcp', port);
        await release();
        await c.waitFor(/Client restart: /, 5000, c.lines.indexOf(line));
        const d = randomData(16 * 1024);
        await eventually(async () => assert.equal(sha256(await roundTrip(port, d, '127.0.0.1', 2000)), sha256(d)), 5000);
      } finally {
        await tcpEcho.close();
        await udpEcho?.close();
      }
    });
  }

  test('master, API port: exit 1 naming the address; no state file, no lock left behind', async () => {
    const dir = tempStateDir();
    try {
      const port = await freePort();
      const release = await block('tcp', port);
      try {
        const m = new NodePassProcess(`master://127.0.0.1:${port}/api`, { NP_MASTER_STATE: path.join(dir, 'master.json') });
        assert.equal(await m.exited, 1);
        await new Promise((r) => setTimeout(r, 50));
        assert.match(m.stderr.join('\n'), new RegExp(`Error: run: listen failed: listen tcp 127\\.0\\.0\\.1:${port}: bind: address already in use`));
        assert.equal(existsSync(path.join(dir, 'master.json')), false);
        assert.deepEqual(readdirSync(dir), [], 'nothing written');
      } finally {
        await release();
      }
    } finally {
      removeDir(dir);
    }
  });
});
