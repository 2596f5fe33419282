// The end-to-end cases every stream pool type must pass through real bin/nodepass processes:
// reverse and forward TCP with sha256-checked bulk data, UDP datagrams both ways, 200 concurrent
// connections, recovery
// after the server is killed and restarted, a fresh handshake while a session is up, and the
// client adopting the server's type and TLS. Shared by quic.test.ts (type 1), ws.test.ts (type 2)
// and h2.test.ts (type 3).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  datagramLadder,
  echoIntact,
  echoServer,
  eventually,
  randomData,
  roundTrip,
  sha256,
  udpEchoCheck,
  udpEchoServer,
  UdpClient,
  type TestServer,
} from '../../helpers/net';
import { ProcessGroup } from '../../helpers/proc';
import { forwardPair, ready, reversePair, startPair, type Pair } from '../../helpers/tunnel';

const MiB = 1024 * 1024;

export interface PoolCase {
  type: 1 | 2 | 3;
  /** TLS the server runs at for `serverQuery` (what the client must learn). */
  reverse: { serverQuery: string; clientQuery: string; tls: 0 | 1 };
  forward: { serverQuery: string; clientQuery: string; tls: 0 | 1 };
}

export function streamPoolCases(c: PoolCase): { group: ProcessGroup; echo: () => TestServer } {
  let echo: TestServer;
  const group = new ProcessGroup();
  before(async () => {
    echo = await echoServer();
  });
  after(async () => {
    await group.stopAll();
    await echo.close();
  });

  const bulk = (port: number, size: number) => echoIntact(port, size, 30000);

  async function flows(port: number, within: number): Promise<void> {
    await eventually(
      async () => {
        const d = randomData(64 * 1024);
        const b = await roundTrip(port, d, '127.0.0.1', 2000);
        assert.equal(sha256(b), sha256(d));
      },
      within,
      50,
    );
  }

  const tunnelLine = (p: Pair, flow: string, tls: number) =>
    p.client.waitFor(new RegExp(`Loading tunnel config: FLOW=\\${flow}\\|MAX=1024\\|TLS=${tls}\\|TYPE=${c.type}$`), 5000);

  test(`type=${c.type} reverse mode (${c.reverse.serverQuery}): 16 MiB each way; the client learns type and TLS`, async () => {
    const p = await reversePair(group, echo.port, { serverQuery: c.reverse.serverQuery, clientQuery: c.reverse.clientQuery });
    await ready(p, c.reverse.tls);
    await tunnelLine(p, '-', c.reverse.tls);
    await bulk(p.entryPort, 16 * MiB);
    await p.server.waitFor(new RegExp(`CHECK_POINT\\|MODE=1\\|.*TCPRX=${16 * MiB}\\|TCPTX=${16 * MiB}\\|`), 5000);
  });

  test(`type=${c.type} forward mode (${c.forward.serverQuery}): 16 MiB each way, then 200 concurrent connections`, async () => {
    const p = await forwardPair(group, echo.port, { serverQuery: c.forward.serverQuery, clientQuery: `${c.forward.clientQuery}&min=16` });
    await ready(p, c.forward.tls);
    await tunnelLine(p, '+', c.forward.tls);
    await bulk(p.entryPort, 16 * MiB);
    const results = await Promise.all(
      Array.from({ length: 200 }, async () => {
        const d = randomData(32 * 1024);
        const back = await roundTrip(p.entryPort, d, '127.0.0.1', 30000);
        return sha256(back) === sha256(d);
      }),
    );
    assert.equal(results.filter(Boolean).length, 200, 'connections intact');
  });

  for (const flow of ['reverse', 'forward'] as const) {
    const o = flow === 'reverse' ? c.reverse : c.forward;
    test(`type=${c.type} UDP ${flow} (${o.serverQuery}): 300 datagrams of 1…16384 bytes come back intact`, async () => {
      const udpEcho = await udpEchoServer();
      let client: UdpClient | null = null;
      try {
        const p = await startPair(group, { flow, target: `127.0.0.1:${udpEcho.port}`, serverQuery: o.serverQuery, clientQuery: o.clientQuery });
        if (o.tls === 1) {
          await p.ingress.waitFor(/TLS certificate fingerprint verified/, 10000);
          await p.egress.waitFor(/TLS certificate fingerprint verified/, 10000);
        }
        client = new UdpClient(p.port);
        const sent = await udpEchoCheck(client, datagramLadder(300, 16384));
        assert.equal(udpEcho.bytes, sent, 'the target got every byte');
      } finally {
        client?.close();
        await udpEcho.close();
      }
    });
  }

  test(`type=${c.type}: server killed and started again, the client recovers on its own`, async () => {
    const p = await reversePair(group, echo.port, { serverQuery: c.reverse.serverQuery });
    await ready(p, c.reverse.tls);
    await flows(p.entryPort, 5000);
    await p.server.stop('SIGKILL');
    const from = p.client.lines.length;
    const again = group.start(p.server.url);
    await again.waitFor(/Pending tunnel handshake/);
    await p.client.waitFor(/Marking tunnel handshake as complete/, 10000, from);
    await flows(p.entryPort, 10000);
  });

  test(`type=${c.type}: a fresh handshake while the old session is up replaces it (the handshake shares the port)`, async () => {
    const p = await reversePair(group, echo.port, { serverQuery: c.reverse.serverQuery });
    await ready(p, c.reverse.tls);
    await flows(p.entryPort, 5000);
    // Freeze the first client: its pooled streams stay open, it answers nothing.
    p.client.child.kill('SIGSTOP');
    try {
      const from = p.server.lines.length;
      const c2 = group.start(p.client.url);
      await c2.waitFor(/Marking tunnel handshake as complete/, 8000);
      await p.server.waitFor(/Tunnel session replaced by a new handshake from 127\.0\.0\.1/, 5000, from);
      await flows(p.entryPort, 5000);
    } finally {
      p.client.child.kill('SIGKILL');
    }
  });

  return { group, echo: () => echo };
}
