// The client instance built directly (`new Client(…)`): reconnects with back-off until a server
// appears, says why a server refuses it, listens for users in forward mode (flow `+`), and
// forwards on its own in single-end mode.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildClient, buildServer, stateReached } from '../../helpers/instances';
import { echoServer, freePort, randomData, roundTrip, sha256 } from '../../helpers/net';

test('with no server yet it retries with back-off, then comes up when one appears', async (t) => {
  const echo = await echoServer();
  t.after(() => echo.close());
  const tunnelPort = await freePort();
  const entryPort = await freePort();
  const client = buildClient(`client://127.0.0.1:${tunnelPort}/127.0.0.1:${echo.port}?mode=2`);
  t.after(() => client.instance.stop());
  await client.instance.prepare();
  void client.instance.run();
  await stateReached(client.instance, 'error');
  assert.match(client.lines.join('\n'), new RegExp(`Client error: commonStart: tunnelHandshake: dial tcp 127\\.0\\.0\\.1:${tunnelPort}: connect: connection refused`));
  // A second attempt came after a short pause (the first retry is ≈100 ms, not NodePass's 3 s).
  await client.line(/Client restart/, 3000);

  const server = buildServer(`server://127.0.0.1:${tunnelPort}/127.0.0.1:${entryPort}?mode=1`);
  t.after(() => server.instance.stop());
  await server.instance.prepare();
  void server.instance.run();
  await stateReached(client.instance, 'running', 15_000);
  await stateReached(server.instance, 'running');
  const data = randomData(256 * 1024);
  assert.equal(sha256(await roundTrip(entryPort, data)), sha256(data));
});

test('a server that refuses the key is named as the reason', async (t) => {
  const tunnelPort = await freePort();
  const server = buildServer(`server://right@127.0.0.1:${tunnelPort}/127.0.0.1:${await freePort()}?mode=1`);
  t.after(() => server.instance.stop());
  await server.instance.prepare();
  void server.instance.run();
  await stateReached(server.instance, 'waiting');
  const client = buildClient(`client://wrong@127.0.0.1:${tunnelPort}/127.0.0.1:${await freePort()}?mode=2`);
  t.after(() => client.instance.stop());
  await client.instance.prepare();
  void client.instance.run();
  await stateReached(client.instance, 'error');
  assert.ok(client.lines.includes('Client error: commonStart: tunnelHandshake: status 401 (the server refused the tunnel key)'), client.lines.join('\n'));
  await server.line(/tunnelHandshake: refused 127\.0\.0\.1:\d+: wrong tunnel key \(401\)/);
});

test('forward mode: the server offers flow +, the client listens for users on its target address', async (t) => {
  const echo = await echoServer();
  t.after(() => echo.close());
  const tunnelPort = await freePort();
  const entryPort = await freePort();
  const server = buildServer(`server://127.0.0.1:${tunnelPort}/127.0.0.1:${echo.port}?mode=2`);
  t.after(() => server.instance.stop());
  await server.instance.prepare();
  void server.instance.run();
  await stateReached(server.instance, 'waiting');
  const client = buildClient(`client://127.0.0.1:${tunnelPort}/127.0.0.1:${entryPort}?mode=2`);
  t.after(() => client.instance.stop());
  await client.instance.prepare();
  void client.instance.run();
  await stateReached(client.instance, 'running', 15_000);
  assert.ok(client.lines.includes('Loading tunnel config: FLOW=+|MAX=1024|TLS=0|TYPE=0'), client.lines.join('\n'));
  const data = randomData(256 * 1024);
  assert.equal(sha256(await roundTrip(entryPort, data)), sha256(data));
});

test('single-end mode forwards from the tunnel address straight to the target', async (t) => {
  const echo = await echoServer();
  t.after(() => echo.close());
  const port = await freePort();
  const client = buildClient(`client://127.0.0.1:${port}/127.0.0.1:${echo.port}`);
  t.after(() => client.instance.stop());
  await client.instance.prepare();
  void client.instance.run();
  await stateReached(client.instance, 'running');
  assert.equal(client.instance.mode, 1);
  const data = randomData(256 * 1024);
  assert.equal(sha256(await roundTrip(port, data)), sha256(data));
  // The traffic figures count the user's bytes both ways (the PING probes carry none).
  const { tcprx, tcptx } = client.instance.stats;
  assert.deepEqual({ tcprx, tcptx }, { tcprx: data.length, tcptx: data.length });
});
