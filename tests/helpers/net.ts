// Real sockets for tests: free ports, echo and sink servers, byte pumps with sha256.

import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import dgram from 'node:dgram';

/** A port that was free a moment ago on 127.0.0.1 (TCP and UDP). */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = net.createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    // Tunnel ports are used for TCP and UDP: make sure UDP is free too.
    const udpFree = await new Promise<boolean>((resolve) => {
      const u = dgram.createSocket('udp4');
      u.once('error', () => resolve(false));
      u.bind(port, '127.0.0.1', () => u.close(() => resolve(true)));
    });
    if (udpFree && port < 60000) return port;
  }
}

export interface TestServer {
  port: number;
  connections: number;
  close(): Promise<void>;
}

/** TCP echo with half-close: echoes everything, then ends when the peer ends. */
export function echoServer(port = 0, host = '127.0.0.1'): Promise<TestServer> {
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
      s.pipe(s);
    });
    srv.listen(port, host, () => {
      ts.port = (srv.address() as net.AddressInfo).port;
      resolve(ts);
    });
  });
}

/** Sends `data` on a new connection, half-closes, and returns everything received until EOF. */
export function roundTrip(port: number, data: Buffer, host = '127.0.0.1', timeoutMs = 20000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s = net.connect({ port, host, allowHalfOpen: true }, () => s.end(data));
    const t = setTimeout(() => {
      s.destroy();
      reject(new Error(`roundTrip to ${port}: timeout after ${timeoutMs}ms with ${Buffer.concat(chunks).length} bytes`));
    }, timeoutMs);
    s.on('data', (c) => chunks.push(c));
    s.on('end', () => {
      clearTimeout(t);
      s.destroy();
      resolve(Buffer.concat(chunks));
    });
    s.on('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
  });
}

export function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

export function randomData(n: number): Buffer {
  return randomBytes(n);
}

/** Retries fn until it resolves or the deadline passes. */
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
