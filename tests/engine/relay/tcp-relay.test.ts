// The relay's fast path with real sockets: a dialled socket read through `onread` into reused
// buffers, an accepted one through 'data' events, a consumer slow enough that writes queue up
// (so buffers are lent to writes and must not be reused), half-close, early heads and counters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Duplex } from 'node:stream';
import { createHash, randomBytes } from 'node:crypto';
import { dialTcp } from '../../../engine/relay/dial';
import { relay } from '../../../engine/relay/tcp-relay';

const MiB = 1024 * 1024;

interface Side {
  sent: string;
  received: string;
  bytes: number;
}

/** Sends `data` (then FIN) and hashes everything received until EOF; reads slowly when asked. */
function talk(sock: net.Socket, data: Buffer, slow: boolean): Promise<Side> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    let bytes = 0;
    let n = 0;
    sock.on('data', (c: Buffer) => {
      h.update(c);
      bytes += c.length;
      // Stall now and then so the relay's writes to us queue up in user space.
      if (slow && ++n % 8 === 0) {
        sock.pause();
        setTimeout(() => sock.resume(), 2);
      }
    });
    sock.on('end', () => resolve({ sent: createHash('sha256').update(data).digest('hex'), received: h.digest('hex'), bytes }));
    sock.on('error', reject);
    // Write in pieces so both directions are busy at once.
    let off = 0;
    const pump = () => {
      while (off < data.length) {
        const piece = data.subarray(off, off + 256 * 1024);
        off += piece.length;
        if (!sock.write(piece)) return void sock.once('drain', pump);
      }
      sock.end();
    };
    pump();
  });
}

async function listen(onConn: (s: net.Socket) => void): Promise<net.Server> {
  const srv = net.createServer({ allowHalfOpen: true }, onConn);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  return srv;
}

function port(srv: net.Server): number {
  return (srv.address() as net.AddressInfo).port;
}

test('fast path: 48 MiB each way intact through a dialled onread socket, slow readers on both ends', { timeout: 60_000 }, async () => {
  const up = randomBytes(48 * MiB);
  const down = randomBytes(48 * MiB);
  let targetSide!: Promise<Side>;
  const target = await listen((s) => {
    targetSide = talk(s, down, true);
  });
  let relayed!: Promise<string>;
  const counted = { rx: 0, tx: 0 };
  const front = await listen(async (user) => {
    const t = await dialTcp({ host: '127.0.0.1', port: port(target), timeoutMs: 5000, fastRead: true });
    relayed = relay(user, t, {
      idleMs: 0,
      counters: { onARead: (n) => (counted.rx += n), onAWrite: (n) => (counted.tx += n) },
    });
  });
  try {
    const client = net.connect({ host: '127.0.0.1', port: port(front), allowHalfOpen: true });
    await new Promise((r) => client.once('connect', r));
    const userSide = await talk(client, up, true);
    const targetResult = await targetSide;
    assert.equal(targetResult.bytes, up.length, 'bytes the target got');
    assert.equal(targetResult.received, userSide.sent, 'user → target sha256');
    assert.equal(userSide.bytes, down.length, 'bytes the user got');
    assert.equal(userSide.received, targetResult.sent, 'target → user sha256');
    assert.equal(await relayed, 'EOF');
    assert.deepEqual(counted, { rx: up.length, tx: down.length });
    client.destroy();
  } finally {
    target.close();
    front.close();
  }
});

test('fast path: early bytes, a reply after the user FIN, and bytes read before the relay', { timeout: 20_000 }, async () => {
  // The target answers only after the user has finished sending (half-close), and speaks first
  // before the relay starts (its greeting waits in the dialled socket's stream buffer).
  const target = await listen((s) => {
    s.write('hello:');
    const parts: Buffer[] = [];
    s.on('data', (c) => parts.push(c));
    s.on('end', () => s.end(Buffer.concat([Buffer.from('got:'), Buffer.concat(parts)])));
  });
  let relayed!: Promise<string>;
  const front = await listen(async (user) => {
    const t = await dialTcp({ host: '127.0.0.1', port: port(target), timeoutMs: 5000, fastRead: true });
    t.pause();
    await new Promise((r) => setTimeout(r, 50)); // the greeting arrives while nobody reads
    relayed = relay(user, t, { idleMs: 0, aHead: Buffer.from('head+') });
  });
  try {
    const client = net.connect({ host: '127.0.0.1', port: port(front), allowHalfOpen: true });
    const chunks: Buffer[] = [];
    client.on('data', (c) => chunks.push(c));
    client.end('body');
    await new Promise((r) => client.once('end', r));
    assert.equal(Buffer.concat(chunks).toString(), 'hello:got:head+body');
    assert.equal(await relayed, 'EOF');
    client.destroy();
  } finally {
    target.close();
    front.close();
  }
});

test('fast path: a destination that holds on to written chunks never sees them overwritten', { timeout: 30_000 }, async () => {
  // Its writes complete later and its high-water mark is large, so every chunk stays referenced
  // while the relay goes on reading: each read must land in memory of its own.
  const data = randomBytes(24 * MiB);
  const target = await listen((s) => {
    s.resume();
    s.end(data);
  });
  try {
    const sock = await dialTcp({ host: '127.0.0.1', port: port(target), timeoutMs: 5000, fastRead: true });
    const h = createHash('sha256');
    let got = 0;
    const held = new Duplex({
      writableHighWaterMark: 64 * MiB,
      read() {},
      write(chunk: Buffer, _enc, cb) {
        setTimeout(() => {
          h.update(chunk);
          got += chunk.length;
          cb();
        }, 1);
      },
    });
    held.push(null); // nothing flows the other way
    assert.equal(await relay(sock, held, { idleMs: 0 }), 'EOF');
    assert.equal(got, data.length);
    assert.equal(h.digest('hex'), createHash('sha256').update(data).digest('hex'));
  } finally {
    target.close();
  }
});
