// Real sockets for tests: what the benchmark and the soak share lives in scripts/lib/net.ts (free
// ports, echo servers, round trips, the UDP client) and is re-exported here; the rest (waiting,
// datagram checks, services for traffic-control tests, a line-by-line TCP client) is tests' own.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { randomData, roundTrip, sha256, type TestServer, type UdpClient } from '../../scripts/lib/net';

export { echoServer, freePort, randomData, roundTrip, sha256, UdpClient, udpEchoServer, type TestServer, type UdpEchoServer } from '../../scripts/lib/net';

export async function eventually<T>(fn: () => Promise<T>, timeoutMs: number, stepMs = 50): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      return await fn();
    } catch (e) {
      last = e;
      await new Promise((r) => setTimeout(r, stepMs));
    }
  }
  throw last instanceof Error ? last : new Error(String(last));
}

/**
 * The 1…max size ladder: n datagrams whose sizes spread evenly from 1 to `max` bytes, each with
 * random content.
 */
export function datagramLadder(n: number, max: number): Buffer[] {
  return Array.from({ length: n }, (_, i) => randomBytes(1 + Math.floor((i * (max - 1)) / Math.max(1, n - 1))));
}

/**
 * Sends every datagram in lock-step and checks each echo byte for byte; returns bytes sent.
 * A missing or different echo fails with the index and sizes.
 */
export async function udpEchoCheck(c: UdpClient, datagrams: Buffer[], timeoutMs = 3000): Promise<number> {
  let bytes = 0;
  for (let i = 0; i < datagrams.length; i++) {
    const d = datagrams[i];
    let got: Buffer;
    try {
      got = await c.request(d, timeoutMs);
    } catch (e) {
      throw new Error(`datagram #${i} (${d.length} bytes): ${(e as Error).message}`);
    }
    if (!got.equals(d)) throw new Error(`datagram #${i}: sent ${d.length} bytes, got ${got.length} bytes back that differ`);
    bytes += d.length;
  }
  return bytes;
}

// ---- TCP services for traffic-control tests ----

export interface ProxyEchoServer extends TestServer {
  /** PROXY v1 lines received, parsed (one per connection, in order). */
  headers: Array<{ proto: string; srcIp: string; dstIp: string; srcPort: number; dstPort: number; raw: string }>;
}

/**
 * A target that requires a PROXY protocol v1 line before the payload (as HAProxy or nginx with
 * `proxy_protocol` do): parses it, then echoes the rest. A connection without a valid line is
 * closed.
 */
export function proxyEchoServer(): Promise<ProxyEchoServer> {
  return new Promise((resolve) => {
    const sockets = new Set<net.Socket>();
    const ps: ProxyEchoServer = {
      port: 0,
      connections: 0,
      headers: [],
      close: () =>
        new Promise((r) => {
          for (const s of sockets) s.destroy();
          srv.close(() => r());
        }),
    };
    const srv = net.createServer({ allowHalfOpen: true }, (s) => {
      ps.connections++;
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
      let buf = Buffer.alloc(0);
      const onData = (c: Buffer) => {
        buf = Buffer.concat([buf, c]);
        const end = buf.indexOf('\r\n');
        if (end < 0) {
          if (buf.length > 107) s.destroy(); // the v1 line is at most 107 bytes
          return;
        }
        s.off('data', onData);
        const raw = buf.subarray(0, end).toString('latin1');
        const m = /^PROXY (TCP4|TCP6) (\S+) (\S+) (\d+) (\d+)$/.exec(raw);
        if (!m) {
          s.destroy();
          return;
        }
        ps.headers.push({ proto: m[1], srcIp: m[2], dstIp: m[3], srcPort: Number(m[4]), dstPort: Number(m[5]), raw });
        const rest = buf.subarray(end + 2);
        if (rest.length > 0) s.write(rest);
        s.pipe(s);
      };
      s.on('data', onData);
    });
    srv.listen(0, '127.0.0.1', () => {
      ps.port = (srv.address() as net.AddressInfo).port;
      resolve(ps);
    });
  });
}

/** A service where the server speaks first (like SSH or SMTP): a banner, then echo. */
export function bannerEchoServer(banner: string): Promise<TestServer> {
  return new Promise((resolve) => {
    const sockets = new Set<net.Socket>();
    const ts: TestServer = {
      port: 0,
      connections: 0,
      close: () =>
        new Promise((r) => {
          for (const s of sockets) s.destroy();
          srv.close(() => r());
        }),
    };
    const srv = net.createServer({ allowHalfOpen: true }, (s) => {
      ts.connections++;
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
      s.write(banner);
      s.pipe(s);
    });
    srv.listen(0, '127.0.0.1', () => {
      ts.port = (srv.address() as net.AddressInfo).port;
      resolve(ts);
    });
  });
}

/** A TCP connection kept open, with everything it received so far. */
export class TcpClient {
  readonly sock: net.Socket;
  data = Buffer.alloc(0);
  closed = false;
  readonly connected: Promise<void>;
  private waiters: Array<() => void> = [];

  constructor(port: number, host = '127.0.0.1') {
    this.sock = net.connect({ port, host, allowHalfOpen: true });
    this.connected = new Promise((resolve, reject) => {
      this.sock.once('connect', () => resolve());
      this.sock.once('error', reject);
    });
    this.sock.on('error', () => {});
    this.sock.on('data', (c: Buffer) => {
      this.data = Buffer.concat([this.data, c]);
      this.wake();
    });
    // The peer ending its side (FIN) counts as closed: nothing more will arrive.
    this.sock.on('end', () => {
      this.closed = true;
      this.wake();
    });
    this.sock.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Waits until `n` bytes have arrived in total; rejects on close or timeout. */
  waitBytes(n: number, timeoutMs = 3000): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`got ${this.data.length}/${n} bytes within ${timeoutMs}ms`)), timeoutMs);
      const check = () => {
        if (this.data.length >= n) {
          clearTimeout(t);
          resolve(this.data);
        } else if (this.closed) {
          clearTimeout(t);
          reject(new Error(`closed after ${this.data.length}/${n} bytes`));
        } else this.waiters.push(check);
      };
      check();
    });
  }

  /** Resolves true if the connection closes within `timeoutMs`, false otherwise. */
  waitClosed(timeoutMs = 3000): Promise<boolean> {
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), timeoutMs);
      const check = () => {
        if (this.closed) {
          clearTimeout(t);
          resolve(true);
        } else this.waiters.push(check);
      };
      check();
    });
  }

  write(b: Buffer | string): void {
    this.sock.write(b);
  }

  close(): void {
    this.sock.destroy();
  }
}

/** Sends `size` random bytes to an echo behind `port` and asserts they come back intact (sha256). */
export async function echoIntact(port: number, size: number, timeoutMs: number): Promise<void> {
  const data = randomData(size);
  const back = await roundTrip(port, data, '127.0.0.1', timeoutMs);
  assert.equal(back.length, data.length, 'echoed length');
  assert.equal(sha256(back), sha256(data), `sha256 of ${size / (1024 * 1024)} MiB each way`);
}
