// The client pool over real connections: it reads each stream's 4-byte ID (and nothing more),
// keeps `min` streams, replaces a taken stream at once, grows towards `max` when it runs dry,
// refuses a pooled connection with another certificate, and says why dials fail.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { ClientPool, readId } from '../../../engine/pool/client-pool';
import { CONTROL_ID } from '../../../engine/pool/pool';
import { TcpClientTransport } from '../../../engine/pool/tcp-transport';
import { freePort } from '../../helpers/net';
import { poolPair } from '../../helpers/pools';
import { until } from '../../helpers/wait';

async function pair(t: TestContext): Promise<[net.Socket, net.Socket]> {
  const srv = net.createServer({ allowHalfOpen: true });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const accepted = new Promise<net.Socket>((r) => srv.once('connection', r));
  const a = net.connect((srv.address() as net.AddressInfo).port, '127.0.0.1');
  const b = await accepted;
  srv.close();
  for (const s of [a, b]) s.on('error', () => {});
  t.after(() => {
    a.destroy();
    b.destroy();
  });
  return [a, b];
}

test('readId takes exactly the 4 ID bytes, even split, and leaves what follows unread', async (t) => {
  const [a, b] = await pair(t);
  const reading = readId(b, 5000);
  a.write(Buffer.from([0xc0, 0xff]));
  await new Promise((r) => setImmediate(r));
  a.write(Buffer.concat([Buffer.from([0xee, 0x01]), Buffer.from('payload')]));
  assert.equal(await reading, 'c0ffee01');
  const rest = await new Promise<Buffer>((resolve) => {
    b.once('data', resolve);
    b.resume();
  });
  assert.equal(rest.toString(), 'payload');
});

test('readId fails on a stream that ends or stays silent, and destroys it', async (t) => {
  {
    const [a, b] = await pair(t);
    a.end(Buffer.from([1, 2]));
    await assert.rejects(readId(b, 5000), { message: 'connection closed before its ID arrived' });
    assert.equal(b.destroyed, true);
  }
  {
    const [, b] = await pair(t);
    await assert.rejects(readId(b, 100), { message: 'no ID within 100ms' });
    assert.equal(b.destroyed, true);
  }
});

test('it opens the first stream alone (the control stream), then keeps min streams idle', async (t) => {
  const { server, client } = await poolPair(t, { client: { min: 5 } });
  client.start();
  const control = await client.outgoingGet(CONTROL_ID, 5000);
  assert.equal(control.id, CONTROL_ID);
  // At least min stay idle (taking the last idle stream counts as a burst and may add one);
  // the server holds the same ones plus the control stream, which nobody there has claimed.
  await until('min idle streams, the same on both sides', () => client.active() >= 5 && server.active() === client.active() + 1);
});

test('a stream taken is replaced at once, not at the next tick', async (t) => {
  // A long tick interval: only the on-demand top-up can refill within the deadline.
  const { client } = await poolPair(t, { client: { min: 3, minIntervalMs: 60_000, maxIntervalMs: 60_000 } });
  client.start();
  await until('three idle streams', () => client.active() === 3);
  const taken = await Promise.all([client.incomingGet(1000), client.incomingGet(1000)]);
  assert.equal(client.active(), 1);
  await until('the two replacements', () => client.active() === 3, 3000);
  for (const c of taken) c.close();
});

test('running dry grows the capacity towards max', async (t) => {
  const { client } = await poolPair(t, { max: 8, client: { min: 1, minIntervalMs: 60_000, maxIntervalMs: 60_000 } });
  client.start();
  await until('one idle stream', () => client.active() === 1);
  assert.equal(client.capacity, 1);
  const held = [];
  for (let i = 0; i < 4; i++) held.push(await client.incomingGet(5000));
  assert.ok(client.capacity > 1, `capacity ${client.capacity}`);
  assert.ok(client.capacity <= 8);
  for (const c of held) c.close();
});

test('a pooled connection presenting another certificate is refused and reported', async (t) => {
  const rejected: string[] = [];
  const { client } = await poolPair(t, {
    tls: 1,
    client: { min: 2, acceptCert: () => 'certificate sha256:AA differs from the tunnel\'s sha256:BB', onCertRejected: (w) => rejected.push(w) },
  });
  client.start();
  await until('a refusal', () => rejected.length > 0);
  assert.equal(client.active(), 0);
  assert.equal(client.lastDialError, "certificate sha256:AA differs from the tunnel's sha256:BB");
});

test('when no server answers, waits time out and the last dial error says why', async (t) => {
  const port = await freePort();
  const errors: string[] = [];
  const client = new ClientPool(
    new TcpClientTransport({ target: async () => ({ host: '127.0.0.1', port }), tls: 0, serverName: '', dialTimeoutMs: 1000, keepAliveMs: 5000 }),
    { min: 1, max: 4, minIntervalMs: 100, maxIntervalMs: 1000, idTimeoutMs: 1000, onDialError: (e) => errors.push(e.message) },
  );
  t.after(() => client.close());
  client.start();
  await assert.rejects(client.outgoingGet(CONTROL_ID, 300), /not found after 300ms/);
  assert.equal(client.lastDialError, `dial tcp 127.0.0.1:${port}: connect: connection refused`);
  assert.ok(errors.length >= 1);
});
