// A real tunnel port for transport tests: accepts paused, reads the first bytes and hands the
// socket to a ServerTransport, as Server.onTunnelConnection does.

import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { ServerTransport } from '../../../engine/pool/transport';

export interface TunnelPort {
  port: number;
  /** Raw sockets accepted so far (to kill them). */
  sockets: net.Socket[];
  close(): Promise<void>;
}

export async function tunnelPort(transport: () => ServerTransport, host = '127.0.0.1'): Promise<TunnelPort> {
  const sockets: net.Socket[] = [];
  const srv = net.createServer({ pauseOnConnect: true, allowHalfOpen: true }, (sock) => {
    sockets.push(sock);
    sock.on('error', () => {});
    sock.once('data', (head: Buffer) => {
      sock.pause();
      transport().takeSocket(sock, head);
    });
    sock.resume();
  });
  await new Promise<void>((resolve) => srv.listen(0, host, () => resolve()));
  return {
    port: (srv.address() as net.AddressInfo).port,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        srv.close(() => resolve());
      }),
  };
}

/** Collects a stream until it ends; rejects on error or after `timeoutMs`. */
export function readAll(stream: Duplex, timeoutMs = 10000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const t = setTimeout(() => reject(new Error(`readAll: no end after ${timeoutMs}ms (${Buffer.concat(chunks).length} bytes)`)), timeoutMs);
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.once('end', () => {
      clearTimeout(t);
      resolve(Buffer.concat(chunks));
    });
    stream.once('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
    stream.resume();
  });
}

/** Resolves with the next value a callback-style sink receives. */
export function nextValue<T>(): { push: (v: T) => void; next: (timeoutMs?: number) => Promise<T> } {
  const queue: T[] = [];
  const waiters: Array<(v: T) => void> = [];
  return {
    push: (v) => {
      const w = waiters.shift();
      if (w) w(v);
      else queue.push(v);
    },
    next: (timeoutMs = 5000) =>
      new Promise<T>((resolve, reject) => {
        const v = queue.shift();
        if (v !== undefined) return resolve(v);
        const t = setTimeout(() => reject(new Error(`nothing arrived within ${timeoutMs}ms`)), timeoutMs);
        waiters.push((x) => {
          clearTimeout(t);
          resolve(x);
        });
      }),
  };
}
