// Datagrams from a Go peer over TLS: Go's crypto/tls cuts the writes of a young connection into
// records of at most 1186, 2372, … bytes, and a v1.14 peer writes one datagram per Write; the
// channel puts the pieces of one Write back together.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import fc from 'fast-check';
import { GoRecordJoiner, goRecordLimit } from '../../../engine/relay/go-records';
import { DatagramChannel } from '../../../engine/relay/datagram-channel';
import { ramTls } from '../../../engine/tls/context';
import { GoConn } from '../../peers/v114/conn';

/** The records a Go TLS writer makes of these writes, starting at record `k`. */
function goRecords(writes: Buffer[], k: number): Buffer[] {
  const out: Buffer[] = [];
  for (const w of writes) {
    for (let off = 0; off < w.length; ) {
      const n = Math.min(goRecordLimit(k++), w.length - off);
      out.push(w.subarray(off, off + n));
      off += n;
    }
  }
  return out;
}

test('record limits grow by 1186 bytes a record up to 16384', () => {
  assert.deepEqual([0, 1, 2, 12, 13, 100].map(goRecordLimit), [1186, 2372, 3558, 15418, 16384, 16384]);
});

test('the pieces of each write come out as one datagram (records arriving together)', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 16384 }), { minLength: 1, maxLength: 30 }), fc.integer({ min: 0, max: 2 }), (sizes, before) => {
      // A write whose last record is exactly full looks like a write that goes on: the one case
      // the joiner cannot tell apart (a datagram followed at once by the next). Not here.
      let k = before;
      const writes: Buffer[] = [];
      for (const n of sizes) {
        let size = n;
        let pieces = goRecords([Buffer.alloc(size)], k);
        const last = pieces[pieces.length - 1];
        if (last.length === goRecordLimit(k + pieces.length - 1) && last.length < 16384) {
          size--;
          pieces = goRecords([Buffer.alloc(size)], k);
        }
        writes.push(Buffer.alloc(size, writes.length % 251));
        k += pieces.length;
      }
      const got: Buffer[] = [];
      const j = new GoRecordJoiner(before, 65535, (d) => got.push(d));
      for (const r of goRecords(writes, before)) j.push(r);
      j.flush();
      assert.deepEqual(got.map((b) => b.length), writes.map((b) => b.length));
      assert.ok(got.every((b, i) => b.equals(writes[i])));
    }),
  );
});

test('a datagram exactly as long as its record limit is delivered after the wait', async () => {
  const got: Buffer[] = [];
  const j = new GoRecordJoiner(0, 65535, (d) => got.push(d), 20);
  j.push(Buffer.alloc(1186, 1));
  assert.equal(got.length, 0, 'held: the rest of the write may follow');
  const t0 = Date.now();
  while (got.length === 0 && Date.now() - t0 < 2000) await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(got.map((b) => b.length), [1186]);
  // The next record (index 1) below its limit passes at once.
  j.push(Buffer.alloc(2000, 2));
  assert.deepEqual(got.map((b) => b.length), [1186, 2000]);
  j.discard();
});

test('over real TLS: a channel reading a Go-style writer gets every datagram whole', async (t) => {
  const serverTls = await ramTls('test');
  const got: Buffer[] = [];
  let channel: DatagramChannel | null = null;
  const server = tls.createServer({ ...serverTls.pem(), minVersion: 'TLSv1.3' }, (s) => {
    channel = new DatagramChannel(s, { framing: 'raw', maxDatagram: 65535, goRecordsBefore: 0 }, { datagram: (d) => got.push(d), closed: () => {} });
    channel.start([], false);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  const sock = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false, minVersion: 'TLSv1.3' });
  t.after(() => {
    sock.destroy();
    (channel as DatagramChannel | null)?.close();
    server.close();
  });
  await new Promise<void>((r) => sock.once('secureConnect', () => r()));
  const writer = GoConn.socket(sock, true);
  const sizes = [1400, 3000, 5000, 16000, 7117, 100, 1, 9000, 16384, 12000];
  const sent = sizes.map((n, i) => Buffer.alloc(n, i + 1));
  for (const d of sent) await writer.write(d);
  const t0 = Date.now();
  while (got.length < sent.length && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(got.map((b) => b.length), sizes);
  assert.ok(got.every((b, i) => b.equals(sent[i])));
});
