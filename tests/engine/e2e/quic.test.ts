// The QUIC pool (type=1) end to end through real bin/nodepass processes: bulk data both ways in
// reverse and forward mode, 200 concurrent streams, TLS promotion, the type taken from the
// handshake, and recovery after the server is killed and started again on the same port.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { echoServer, eventually, freePort, randomData, roundTrip, sha256, type TestServer } from '../../helpers/net';
import { ProcessGroup } from '../../helpers/proc';
import { forwardPair, ready, reversePair } from '../../helpers/tunnel';

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

async function bulk(port: number, size: number): Promise<void> {
  const data = randomData(size);
  const back = await roundTrip(port, data, '127.0.0.1', 60000);
  assert.equal(back.length, data.length, 'echoed length');
  assert.equal(sha256(back), sha256(data), 'sha256 of the data that went both ways');
}

describe('QUIC pool (type=1) end to end', () => {
  test('reverse mode: type=1&tls=0 runs at TLS 1, the client ignores its own type, 16 MiB each way intact', async () => {
    // The client asks for type=0: the server's handshake says 1, and that is what runs.
    const p = await reversePair(group, echo.port, { serverQuery: 'type=1&tls=0', clientQuery: 'type=0' });
    await ready(p, 1);
    assert.match(p.server.output(), /TLS code-1: RAM cert with TLS 1\.3 for stream pool/);
    assert.match(p.server.output(), /Sending tunnel config: FLOW=-\|MAX=1024\|TLS=1\|TYPE=1/);
    assert.match(p.client.output(), /Loading tunnel config: FLOW=-\|MAX=1024\|TLS=1\|TYPE=1/);
    await bulk(p.entryPort, 16 * MiB);
    await p.server.waitFor(new RegExp(`CHECK_POINT\\|MODE=1\\|.*TCPRX=${16 * MiB}\\|TCPTX=${16 * MiB}\\|`), 5000);
  });

  test('forward mode: 16 MiB each way intact', async () => {
    const p = await forwardPair(group, echo.port, { serverQuery: 'type=1' });
    await ready(p, 1);
    assert.match(p.client.output(), /Loading tunnel config: FLOW=\+\|MAX=1024\|TLS=1\|TYPE=1/);
    await bulk(p.entryPort, 16 * MiB);
  });

  test('200 concurrent connections over one QUIC connection, each intact', async () => {
    const p = await forwardPair(group, echo.port, { serverQuery: 'type=1', clientQuery: 'min=16' });
    await ready(p, 1);
    const results = await Promise.all(
      Array.from({ length: 200 }, async () => {
        const d = randomData(32 * 1024);
        const back = await roundTrip(p.entryPort, d, '127.0.0.1', 30000);
        return sha256(back) === sha256(d);
      }),
    );
    assert.equal(results.filter(Boolean).length, 200);
  });

  test('server killed and started again on the same port: the client recovers by itself', async () => {
    const tunnel = await freePort();
    const entry = await freePort();
    const serverUrl = `server://127.0.0.1:${tunnel}/127.0.0.1:${entry}?type=1`;
    const s1 = group.start(serverUrl);
    await s1.waitFor(/Pending tunnel handshake/);
    const client = group.start(`client://127.0.0.1:${tunnel}/127.0.0.1:${echo.port}`);
    await client.waitFor(/TLS certificate fingerprint verified/, 15000);
    await bulk(entry, 1 * MiB);
    await s1.stop('SIGKILL');
    const from = client.lines.length;
    const s2 = group.start(serverUrl);
    await s2.waitFor(/TLS certificate fingerprint verified/, 30000);
    // A new session: new handshake, a new QUIC connection, a new certificate verified.
    await client.waitFor(/Loading tunnel config: FLOW=-\|MAX=1024\|TLS=1\|TYPE=1/, 5000, from);
    await client.waitFor(/TLS certificate fingerprint verified/, 5000, from);
    await eventually(() => bulk(entry, 1 * MiB), 10000, 100);
  });
});
