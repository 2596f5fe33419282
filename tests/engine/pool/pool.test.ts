// The pool both sides share (spec §5.1), over a real server/client pool pair: the ingress side
// takes the oldest idle stream and the egress side finds the same one by its ID; waits are
// event-driven with deadlines that say what was missing; idle streams that die leave at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CONTROL_ID } from '../../../engine/pool/pool';
import { randomData, sha256 } from '../../helpers/net';
import { poolPair } from '../../helpers/pools';
import { until } from '../../helpers/wait';

test('a stream taken on one side by incomingGet is the one the other side gets by its ID; bytes cross intact', async (t) => {
  const { server, client } = await poolPair(t);
  client.start();
  await until('idle streams on the server', () => server.active() >= 3);
  const order: string[] = [];
  for (let i = 0; i < 3; i++) {
    const taken = await server.incomingGet(1000);
    order.push(taken.id);
    const mine = taken.claim().stream;
    const theirs = (await client.outgoingGet(taken.id, 5000)).claim().stream;
    theirs.pipe(theirs); // the client side echoes
    const data = randomData(128 * 1024);
    const back: Buffer[] = [];
    mine.on('data', (d: Buffer) => back.push(d));
    const done = new Promise<void>((r) => mine.once('end', () => r()));
    mine.resume();
    mine.end(data);
    await done;
    assert.equal(sha256(Buffer.concat(back)), sha256(data));
  }
  // The first stream filed is the control stream, and incomingGet hands out the oldest first.
  assert.equal(order[0], CONTROL_ID);
  assert.equal(new Set(order).size, 3);
});

test('waits end with a message that names what was missing', async (t) => {
  const { server, client } = await poolPair(t);
  await assert.rejects(server.incomingGet(100), { message: 'IncomingGet: insufficient connections after 100ms' });
  await assert.rejects(server.outgoingGet('0badc0de', 100), { message: 'OutgoingGet: connection 0badc0de not found after 100ms' });
  // A newer wait for the same ID supersedes the older one.
  const first = client.outgoingGet('12345678', 5000);
  const second = client.outgoingGet('12345678', 100);
  await assert.rejects(first, { message: 'OutgoingGet: 12345678 superseded' });
  await assert.rejects(second, /not found after 100ms/);
});

test('closing the pool answers every wait at once and refuses new ones', async (t) => {
  const { server } = await poolPair(t);
  const waiting = [server.incomingGet(60_000), server.outgoingGet('00000001', 60_000)];
  const t0 = Date.now();
  server.close();
  await assert.rejects(waiting[0], { message: 'IncomingGet: pool closed' });
  await assert.rejects(waiting[1], { message: 'OutgoingGet: 00000001 superseded' });
  assert.ok(Date.now() - t0 < 1000);
  await assert.rejects(server.incomingGet(60_000), { message: 'IncomingGet: pool closed' });
  await assert.rejects(server.outgoingGet('00000002', 60_000), { message: 'OutgoingGet: pool closed' });
  assert.equal(server.isClosed, true);
});

test('an idle stream whose connection dies leaves the pool at once (and the client refills)', async (t) => {
  const { server, client, accepted } = await poolPair(t, { client: { min: 2 } });
  client.start();
  await until('two idle streams on each side', () => server.active() === 2 && client.active() === 2);
  const changes: number[] = [];
  client.onChange = () => changes.push(client.active());
  for (const s of accepted) s.destroy();
  await until('the client noticing', () => changes.includes(0) || changes.includes(1));
  await until('the refill', () => client.active() === 2 && server.active() === 2);
});

test('takeIdle takes an idle stream by its ID without waiting; flush closes every idle stream', async (t) => {
  const { server, client, accepted } = await poolPair(t, { client: { min: 3 } });
  client.start();
  await until('three idle streams on each side', () => server.active() === 3 && client.active() === 3);
  // The client's oldest idle stream is idle on the server too, under the same ID.
  const peerSide = await client.incomingGet(1000);
  const same = server.takeIdle(peerSide.id);
  assert.equal(same?.id, peerSide.id);
  assert.equal(server.takeIdle(peerSide.id), null, 'a stream already taken is not idle');
  assert.equal(server.takeIdle('ffffffff'), null);
  assert.equal(server.active(), 2);

  const before = [...accepted];
  server.flush();
  assert.equal(server.active(), 0);
  // The flushed streams' connections are closed (on type 0 the accepted socket is the stream).
  await until('the flushed connections closing', () => before.filter((sock) => sock.destroyed).length === 2);
});

test('errors are counted until reset (the session flushes when they outnumber half the idle streams)', async (t) => {
  const { server } = await poolPair(t);
  assert.equal(server.errors(), 0);
  server.addError();
  server.addError();
  assert.equal(server.errors(), 2);
  server.resetErrors();
  assert.equal(server.errors(), 0);
});
