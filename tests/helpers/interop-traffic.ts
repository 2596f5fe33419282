// Traffic for interop checks with v1.14 peers, shaped so a Go relay's habits do not get in the
// way: a v1.14 relay closes the whole pooled TLS connection when a user half-closes, so the TCP
// check never half-closes before it has everything back, and checks each direction on its own.

import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { UdpClient } from './net';

const sha = (b: Buffer) => createHash('sha256').update(b).digest();
const HEADER = 32;

export interface TwoWayTarget {
  port: number;
  /** sha256 (hex) of what the target sent, by the transfer's tag. */
  sent: Map<string, string>;
  close(): Promise<void>;
}

/**
 * A target that reads a 32-byte header (bytes it will receive, bytes to send, u64 BE each, and a
 * 16-byte tag), sends that many random bytes while it receives, then the sha256 of what it
 * received, and ends.
 */
export function twoWayTarget(port = 0): Promise<TwoWayTarget> {
  return new Promise((resolve) => {
    const sockets = new Set<net.Socket>();
    const t: TwoWayTarget = {
      port: 0,
      sent: new Map(),
      close: () =>
        new Promise((r) => {
          for (const s of sockets) s.destroy();
          srv.close(() => r());
        }),
    };
    const srv = net.createServer({ allowHalfOpen: true }, (s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
      let head = Buffer.alloc(0);
      let want = -1;
      let got = 0;
      const h = createHash('sha256');
      let sendDone = false;
      let recvDone = false;
      const finish = () => {
        if (sendDone && recvDone) s.end(h.digest());
      };
      s.on('data', (c: Buffer) => {
        if (want < 0) {
          head = Buffer.concat([head, c]);
          if (head.length < HEADER) return;
          want = Number(head.readBigUInt64BE(0));
          const toSend = Number(head.readBigUInt64BE(8));
          const tag = head.subarray(16, HEADER).toString('hex');
          c = head.subarray(HEADER);
          const data = randomBytes(toSend);
          t.sent.set(tag, sha(data).toString('hex'));
          s.write(data, () => {
            sendDone = true;
            finish();
          });
        }
        h.update(c);
        got += c.length;
        if (got >= want && !recvDone) {
          recvDone = true;
          finish();
        }
      });
    });
    srv.listen(port, '127.0.0.1', () => {
      t.port = (srv.address() as net.AddressInfo).port;
      resolve(t);
    });
  });
}

/**
 * Sends `up` random bytes to a twoWayTarget behind `port` while receiving its `down` bytes;
 * resolves when both directions are verified by sha256, rejects with what differed.
 */
export function twoWayTransfer(target: TwoWayTarget, port: number, up: number, down: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const data = randomBytes(up);
    const head = Buffer.alloc(HEADER);
    head.writeBigUInt64BE(BigInt(up), 0);
    head.writeBigUInt64BE(BigInt(down), 8);
    randomBytes(16).copy(head, 16);
    const tag = head.subarray(16).toString('hex');
    const parts: Buffer[] = [];
    let n = 0;
    const s = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => {
      s.write(head);
      s.write(data);
    });
    const fail = (why: string) => {
      clearTimeout(timer);
      s.destroy();
      reject(new Error(`two-way transfer via ${port} (${up} up, ${down} down): ${why} after ${n} bytes down`));
    };
    const timer = setTimeout(() => fail(`timeout after ${timeoutMs}ms`), timeoutMs);
    s.on('data', (c: Buffer) => {
      parts.push(c);
      n += c.length;
      if (n < down + 32) return;
      clearTimeout(timer);
      const all = Buffer.concat(parts);
      s.destroy();
      if (all.length !== down + 32) return fail(`got ${all.length - 32} bytes down`);
      if (sha(all.subarray(0, down)).toString('hex') !== target.sent.get(tag)) return fail('the bytes down differ (sha256)');
      if (!all.subarray(down).equals(sha(data))) return fail('the target received different bytes up (sha256)');
      resolve();
    });
    s.on('error', (e) => fail(e.message));
    s.on('end', () => fail('closed early'));
  });
}

export interface DatagramResult {
  sent: number;
  intact: number;
  /** Replies that matched no datagram sent (split, merged or changed on the way). */
  foreign: number[];
}

/**
 * Sends `datagrams` to a UDP echo behind `port` with up to `window` of them in flight, and counts
 * the replies that match a datagram sent byte for byte. A datagram with no reply within
 * `replyTimeoutMs` frees its slot and counts as lost.
 */
export async function datagramsInFlight(port: number, datagrams: Buffer[], window: number, replyTimeoutMs: number): Promise<DatagramResult> {
  const c = new UdpClient(port);
  await c.bind();
  const waiting = new Map<string, number>();
  const result: DatagramResult = { sent: 0, intact: 0, foreign: [] };
  let next = 0;
  try {
    const sendOne = async () => {
      const d = datagrams[next++];
      waiting.set(d.toString('hex'), Date.now());
      result.sent++;
      await c.send(d);
    };
    while (next < datagrams.length && waiting.size < window) await sendOne();
    while (waiting.size > 0) {
      let reply: Buffer | null = null;
      try {
        reply = await c.next(replyTimeoutMs);
      } catch {
        // The oldest outstanding datagram is lost: free its slot.
        const oldest = [...waiting.entries()].sort((a, b) => a[1] - b[1])[0][0];
        waiting.delete(oldest);
      }
      if (reply) {
        const k = reply.toString('hex');
        if (waiting.delete(k)) result.intact++;
        else {
          result.foreign.push(reply.length);
          // A piece of a split datagram: its datagram will never come back whole.
          const oldest = [...waiting.entries()].sort((a, b) => a[1] - b[1])[0];
          if (oldest && Date.now() - oldest[1] > replyTimeoutMs) waiting.delete(oldest[0]);
        }
      }
      while (next < datagrams.length && waiting.size < window) await sendOne();
    }
  } finally {
    c.close();
  }
  return result;
}
