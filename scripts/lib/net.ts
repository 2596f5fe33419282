// Real sockets for tests, the benchmark and the soak: free ports that no parallel process is
// handed, TCP and UDP echo servers, byte round trips with sha256, a UDP client with a queue.

import { createHash, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { closeSync, mkdirSync, openSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * Test ports come from 10000–32767: below Linux's ephemeral range (32768–60999), so no outgoing
 * connection or port-0 listener of any process can hold one. Test files run in parallel
 * processes, so each port is reserved across processes with an exclusively created file, removed
 * when this process exits (a file left by a killed run only makes that port skipped).
 */
const PORT_MIN = 10000;
const PORT_MAX = 32767;
const reservations = path.join(os.tmpdir(), 'nodepass-test-ports');
const mine: string[] = [];
let cleanupHooked = false;

function reserve(port: number): boolean {
  mkdirSync(reservations, { recursive: true });
  const file = path.join(reservations, String(port));
  try {
    closeSync(openSync(file, 'wx'));
  } catch {
    return false;
  }
  mine.push(file);
  if (!cleanupHooked) {
    cleanupHooked = true;
    process.once('exit', () => {
      for (const f of mine) rmSync(f, { force: true });
    });
  }
  return true;
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      // Tunnel ports are used for TCP and UDP: make sure UDP is free too.
      const u = dgram.createSocket('udp4');
      u.once('error', () => s.close(() => resolve(false)));
      u.bind(port, '127.0.0.1', () => u.close(() => s.close(() => resolve(true))));
    });
  });
}

/** A port free on 127.0.0.1 (TCP and UDP) that no other test process will be handed. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 10000; attempt++) {
    const port = PORT_MIN + Math.floor(Math.random() * (PORT_MAX - PORT_MIN + 1));
    if (!reserve(port)) continue;
    if (await canBind(port)) return port;
  }
  throw new Error(`freePort: no free port in ${PORT_MIN}-${PORT_MAX}`);
}

export interface TestServer {
  port: number;
  connections: number;
  /** `ip:port` of every connection, in order (where the server records them). */
  peers?: string[];
  close(): Promise<void>;
}

/** TCP echo with half-close: echoes everything, then ends when the peer ends. */
export function echoServer(port = 0, host = '127.0.0.1'): Promise<TestServer> {
  return new Promise((resolve) => {
    const sockets = new Set<net.Socket>();
    const ts: TestServer = {
      port: 0,
      connections: 0,
      peers: [],
      close: () =>
        new Promise((r) => {
          for (const s of sockets) s.destroy();
          srv.close(() => r());
        }),
    };
    const srv = net.createServer({ allowHalfOpen: true }, (s) => {
      ts.connections++;
      ts.peers!.push(`${s.remoteAddress}:${s.remotePort}`);
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

// ---- UDP ----

export interface UdpEchoServer {
  port: number;
  /** Datagrams received. */
  datagrams: number;
  /** Bytes received (= bytes echoed). */
  bytes: number;
  /** Every distinct `ip:port` that sent something, in order of first appearance. */
  peers: string[];
  close(): Promise<void>;
}

/** Echoes every datagram back to its sender. */
export function udpEchoServer(port = 0, host = '127.0.0.1'): Promise<UdpEchoServer> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const seen = new Set<string>();
    const es: UdpEchoServer = {
      port: 0,
      datagrams: 0,
      bytes: 0,
      peers: [],
      close: () => new Promise((r) => sock.close(() => r())),
    };
    sock.on('message', (msg, rinfo) => {
      es.datagrams++;
      es.bytes += msg.length;
      const key = `${rinfo.address}:${rinfo.port}`;
      if (!seen.has(key)) {
        seen.add(key);
        es.peers.push(key);
      }
      sock.send(msg, rinfo.port, rinfo.address);
    });
    sock.once('error', reject);
    sock.bind(port, host, () => {
      // Many senders at once overflow the default ~200 KB buffer on loopback; the tunnel is not
      // what is being tested there.
      sock.setRecvBufferSize(4 * 1024 * 1024);
      sock.setSendBufferSize(4 * 1024 * 1024);
      es.port = sock.address().port;
      resolve(es);
    });
  });
}

/** A UDP client socket with a queue of received datagrams. */
export class UdpClient {
  readonly sock: dgram.Socket;
  private queue: Buffer[] = [];
  private waiter: ((b: Buffer) => void) | null = null;
  received = 0;

  constructor(
    readonly port: number,
    readonly host = '127.0.0.1',
  ) {
    this.sock = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    this.sock.on('error', () => {});
    this.sock.on('message', (m) => {
      this.received += m.length;
      if (this.waiter) {
        const w = this.waiter;
        this.waiter = null;
        w(m);
      } else this.queue.push(m);
    });
  }

  /** Binds to an ephemeral port now, so `localPort` is known before the first send. */
  bind(): Promise<void> {
    return new Promise((r) => this.sock.bind(0, this.host, () => r()));
  }

  get localPort(): number {
    return this.sock.address().port;
  }

  send(b: Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.sock.send(b, this.port, this.host, (e) => (e ? reject(e) : resolve())));
  }

  /** The next datagram, or a rejection after `timeoutMs`. */
  next(timeoutMs = 3000): Promise<Buffer> {
    const q = this.queue.shift();
    if (q) return Promise.resolve(q);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiter = null;
        reject(new Error(`no datagram from ${this.host}:${this.port} within ${timeoutMs}ms`));
      }, timeoutMs);
      this.waiter = (b) => {
        clearTimeout(t);
        resolve(b);
      };
    });
  }

  /** Sends `b` and waits for the reply (one attempt). */
  async request(b: Buffer, timeoutMs = 3000): Promise<Buffer> {
    await this.send(b);
    return this.next(timeoutMs);
  }

  /** Drops whatever arrived unasked. */
  drain(): void {
    this.queue = [];
  }

  close(): void {
    try {
      this.sock.close();
    } catch {
      // already closed
    }
  }
}
