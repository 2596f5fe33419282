// PROXY protocol v1 as a real PROXY-aware target sees it, and `rate` measured on the wire.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { freePort, proxyEchoServer, TcpClient, eventually } from '../../helpers/net';
import { ProcessGroup, type NodePassProcess } from '../../helpers/proc';
import { startPair } from '../../helpers/tunnel';
import { parseCheckPoint } from '../../../engine/instance/stats';

const g = new ProcessGroup();
after(() => g.stopAll());

async function checkPointWhere(p: NodePassProcess, ok: (s: NonNullable<ReturnType<typeof parseCheckPoint>>) => boolean) {
  return eventually(async () => {
    const s = await p.nextCheckPoint(3000);
    assert.ok(ok(s), `CHECK_POINT ${JSON.stringify(s)}`);
    return s;
  }, 6000);
}

describe('proxy=1', () => {
  test('dual-end: the target reads the user address and its own address, then the payload; counters include the header', async () => {
    const target = await proxyEchoServer();
    const pair = await startPair(g, { flow: 'reverse', target: `127.0.0.1:${target.port}`, clientQuery: 'proxy=1' });
    const user = new TcpClient(pair.port);
    await user.connected;
    const payload = Buffer.from('hello through PROXY v1');
    user.write(payload);
    assert.deepEqual(await user.waitBytes(payload.length), payload);
    assert.equal(target.headers.length, 1);
    const h = target.headers[0];
    assert.deepEqual(
      [h.proto, h.srcIp, h.srcPort, h.dstIp, h.dstPort],
      ['TCP4', '127.0.0.1', user.sock.localPort, '127.0.0.1', target.port],
    );
    user.close();
    const headerBytes = h.raw.length + 2;
    await checkPointWhere(pair.ingress, (s) => s.tcprx === payload.length && s.tcptx === payload.length && s.tcps === 0);
    await checkPointWhere(pair.egress, (s) => s.tcprx === payload.length && s.tcptx === payload.length + headerBytes);
    await target.close();
  });

  test('single-end: the header names the accepted peer', async () => {
    const target = await proxyEchoServer();
    const port = await freePort();
    const p = g.start(`client://127.0.0.1:${port}/127.0.0.1:${target.port}?mode=1&proxy=1`);
    await p.waitFor(/CHECK_POINT/);
    const user = new TcpClient(port);
    await user.connected;
    user.write('x');
    await user.waitBytes(1);
    assert.equal(target.headers[0].raw, `PROXY TCP4 127.0.0.1 127.0.0.1 ${user.sock.localPort} ${target.port}`);
    user.close();
    await target.close();
  });
});

/**
 * A target that sinks what it is sent (first byte `U`) or sends as fast as it can (`D`), counting
 * the bytes that crossed.
 */
function upDownServer(): Promise<{ port: number; sunk: () => number; close: () => Promise<void> }> {
  return new Promise((resolve) => {
    let sunk = 0;
    const socks = new Set<net.Socket>();
    const srv = net.createServer((s) => {
      socks.add(s);
      s.on('error', () => {});
      s.on('close', () => socks.delete(s));
      s.once('data', (first: Buffer) => {
        if (first[0] === 0x55 /* U */) {
          sunk += first.length - 1;
          s.on('data', (c: Buffer) => (sunk += c.length));
        } else {
          const block = Buffer.alloc(64 * 1024, 0x44);
          const pump = () => {
            while (!s.destroyed && s.write(block));
          };
          s.on('drain', pump);
          pump();
        }
      });
    });
    srv.listen(0, '127.0.0.1', () =>
      resolve({
        port: (srv.address() as net.AddressInfo).port,
        sunk: () => sunk,
        close: () =>
          new Promise((r) => {
            for (const s of socks) s.destroy();
            srv.close(() => r());
          }),
      }),
    );
  });
}

describe('rate=8', () => {
  test('holds uploads and downloads to 1 MB/s each (±15%) once the 1 s burst is spent', async () => {
    const target = await upDownServer();
    const port = await freePort();
    const p = g.start(`client://127.0.0.1:${port}/127.0.0.1:${target.port}?mode=1&rate=8`);
    await p.waitFor(/CHECK_POINT/);
    const up = new TcpClient(port);
    const down = new TcpClient(port);
    await Promise.all([up.connected, down.connected]);
    down.write('D');
    const chunk = Buffer.alloc(64 * 1024, 0x55);
    let stop = false;
    const pump = () => {
      while (!stop && up.sock.write(chunk));
    };
    up.sock.on('drain', pump);
    pump();
    // Let both buckets' initial burst (1 s worth) drain, then measure 3 s of steady state.
    await new Promise((r) => setTimeout(r, 1500));
    const [u0, d0, t0] = [target.sunk(), down.data.length, Date.now()];
    await new Promise((r) => setTimeout(r, 3000));
    const [u1, d1, t1] = [target.sunk(), down.data.length, Date.now()];
    stop = true;
    const secs = (t1 - t0) / 1000;
    const upRate = (u1 - u0) / secs;
    const downRate = (d1 - d0) / secs;
    up.close();
    down.close();
    await target.close();
    const within = (r: number) => r > 850_000 && r < 1_150_000;
    assert.ok(within(upRate), `upload ${Math.round(upRate)} B/s, expected 1000000 ±15%`);
    assert.ok(within(downRate), `download ${Math.round(downRate)} B/s, expected 1000000 ±15%`);
  });
});

describe('rate=2 on UDP', () => {
  test('datagrams offered at twice the rate are delivered at 250 kB/s (±15%), the excess dropped', async () => {
    const sinkSock = dgram.createSocket('udp4');
    let got = 0;
    sinkSock.on('message', (m) => (got += m.length));
    await new Promise<void>((r) => sinkSock.bind(0, '127.0.0.1', () => r()));
    const port = await freePort();
    const p = g.start(`client://127.0.0.1:${port}/127.0.0.1:${sinkSock.address().port}?mode=1&rate=2`);
    await p.waitFor(/CHECK_POINT/);
    const sender = dgram.createSocket('udp4');
    const d = Buffer.alloc(1000, 9);
    // 500 kB/s offered: 5 datagrams every 10 ms.
    const tick = setInterval(() => {
      for (let i = 0; i < 5; i++) sender.send(d, port, '127.0.0.1');
    }, 10);
    try {
      await new Promise((r) => setTimeout(r, 2000));
      const [g0, t0] = [got, Date.now()];
      await new Promise((r) => setTimeout(r, 3000));
      const rate = (got - g0) / ((Date.now() - t0) / 1000);
      assert.ok(rate > 212_500 && rate < 287_500, `UDP delivered ${Math.round(rate)} B/s, expected 250000 ±15%`);
    } finally {
      clearInterval(tick);
      sender.close();
      sinkSock.close();
    }
  });
});
