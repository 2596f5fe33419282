// Datagram framing over a stream: boundaries survive any cut of the byte stream; the v1.14 raw
// mode treats each read as one datagram.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Duplex } from 'node:stream';
import net from 'node:net';
import tls from 'node:tls';
import fc from 'fast-check';
import { DatagramChannel, encodeFrame, FrameDecoder } from '../../../engine/relay/datagram-channel';
import { ramTls } from '../../../engine/tls/context';
import { until } from '../../helpers/wait';

test('frames reassemble whatever way the stream is cut', () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ minLength: 0, maxLength: 3000 }), { maxLength: 20 }),
      fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 30 }),
      (datagrams, cuts) => {
        const wire = Buffer.concat(datagrams.map((d) => encodeFrame(Buffer.from(d))));
        const out: Buffer[] = [];
        const dec = new FrameDecoder((p) => out.push(Buffer.from(p)));
        let off = 0;
        for (let i = 0; off < wire.length; i++) {
          const n = cuts[i % cuts.length];
          dec.push(wire.subarray(off, off + n));
          off += n;
        }
        assert.deepEqual(out.map((b) => b.toString('hex')), datagrams.map((d) => Buffer.from(d).toString('hex')));
        assert.equal(dec.pendingBytes, 0);
      },
    ),
    { numRuns: 300 },
  );
});

/** Two PassThroughs joined into a duplex pair: what one side writes, the other reads. */
function pipePair(): [Duplex, Duplex] {
  const ab = new PassThrough();
  const ba = new PassThrough();
  const a = Duplex.from({ readable: ba, writable: ab });
  const b = Duplex.from({ readable: ab, writable: ba });
  for (const s of [a, b, ab, ba]) s.on('error', () => {});
  return [a, b];
}

test('framed channels carry empty and full-size datagrams and batch a burst into one write', async () => {
  const [a, b] = pipePair();
  const got: Buffer[] = [];
  const chA = new DatagramChannel(a, { framing: 'frames', maxDatagram: 16384 }, { datagram: () => {}, closed: () => {} });
  const chB = new DatagramChannel(b, { framing: 'frames', maxDatagram: 16384 }, { datagram: (p) => got.push(Buffer.from(p)), closed: () => {} });
  chA.start([], false);
  chB.start([], false);
  let writes = 0;
  const origWrite = a.write.bind(a);
  a.write = ((chunk: Buffer) => {
    writes++;
    return origWrite(chunk);
  }) as typeof a.write;
  const sent = [Buffer.alloc(0), Buffer.alloc(16384, 1), Buffer.from('abc'), Buffer.alloc(0)];
  for (const d of sent) assert.equal(chA.send(d), true);
  assert.equal(chA.send(Buffer.alloc(16385)), false, 'larger than NP_UDP_DATA_BUF_SIZE is dropped');
  await until('four datagrams', () => got.length === 4);
  assert.equal(writes, 1);
  assert.deepEqual(got.map((b) => b.length), [0, 16384, 3, 0]);
  assert.ok(got[1].every((x) => x === 1));
  chA.close();
});

test('raw channels (Go peers): one write per datagram, each read is a datagram, capped at the buffer size', async () => {
  const [a, b] = pipePair();
  const got: Buffer[] = [];
  const closed: string[] = [];
  const chA = new DatagramChannel(a, { framing: 'raw', maxDatagram: 1000 }, { datagram: () => {}, closed: (w) => closed.push(w) });
  const chB = new DatagramChannel(b, { framing: 'raw', maxDatagram: 1000 }, { datagram: (p) => got.push(p), closed: () => {} });
  chB.start([], false);
  chA.start([], false);
  chA.send(Buffer.alloc(700, 2));
  await until('the first datagram', () => got.length === 1);
  // A read larger than the buffer (what a merged stream read looks like) splits at the buffer size.
  a.write(Buffer.alloc(2500, 3));
  await until('the split read', () => got.length === 4);
  assert.deepEqual(got.map((g) => g.length), [700, 1000, 1000, 500]);
  chA.close('done');
  assert.deepEqual(closed, ['done']);
});

test('a channel whose stream ends reports it once and refuses further datagrams', async () => {
  const [a, b] = pipePair();
  const why: string[] = [];
  const ch = new DatagramChannel(a, { framing: 'frames', maxDatagram: 100 }, { datagram: () => {}, closed: (w) => why.push(w) });
  ch.start([], false);
  b.end();
  await until('the end', () => why.length > 0);
  assert.deepEqual(why, ['EOF']);
  assert.equal(ch.send(Buffer.from('late')), false);
});

test('raw channels over TLS (Go peers): a burst of datagrams leaves as one TLS record each', async (t) => {
  // A v1.14 peer reads one record per read and takes each read as one datagram; writes queued
  // behind each other would be merged into one record (writev) and arrive as one corrupt datagram.
  const serverTls = await ramTls('test');
  const records: Buffer[] = [];
  let peerReady!: () => void;
  const ready = new Promise<void>((r) => (peerReady = r));
  const server = tls.createServer({ ...serverTls.pem(), minVersion: 'TLSv1.3' }, (s) => {
    s.on('data', (d: Buffer) => records.push(d));
    peerReady();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  const sock = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false });
  t.after(() => {
    sock.destroy();
    server.close();
  });
  await new Promise<void>((r) => sock.once('secureConnect', () => r()));
  await ready;
  const ch = new DatagramChannel(sock, { framing: 'raw', maxDatagram: 16384 }, { datagram: () => {}, closed: () => {} });
  ch.start([], false);
  const sent = Array.from({ length: 200 }, (_, i) => Buffer.alloc(1 + ((i * 97) % 1400), i));
  for (const d of sent) assert.equal(ch.send(d), true);
  const until = Date.now() + 5000;
  while (records.length < sent.length && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(records.map((r) => r.toString('hex')), sent.map((d) => d.toString('hex')));
});
