// Outgoing TCP connections for targets and pools: half-open allowed (the relay needs it), Nagle
// off (latency of small writes), a connect deadline, and an optional source address.

import net from 'node:net';
import { fastReadOptions, markFast } from './tcp-relay';

export interface DialOptions {
  host: string;
  port: number;
  timeoutMs: number;
  localAddress?: string;
  /**
   * Read with net's `onread` into reused memory once a relay takes the socket (relay/tcp-relay.ts).
   * Only for sockets that stay plain TCP: never one that will be wrapped in TLS.
   */
  fastRead?: boolean;
}

/** Go-like error text: `dial tcp 127.0.0.1:9: connect: connection refused`. */
function dialError(addr: string, e: NodeJS.ErrnoException): Error {
  const reason: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ETIMEDOUT: 'i/o timeout',
    EHOSTUNREACH: 'no route to host',
    ENETUNREACH: 'network is unreachable',
    EADDRNOTAVAIL: 'cannot assign requested address',
    ECONNRESET: 'connection reset by peer',
  };
  const err = new Error(`dial tcp ${addr}: connect: ${(e.code && reason[e.code]) ?? e.message}`) as NodeJS.ErrnoException;
  err.code = e.code;
  return err;
}

export function dialTcp(opts: DialOptions): Promise<net.Socket> {
  const addr = opts.host.includes(':') ? `[${opts.host}]:${opts.port}` : `${opts.host}:${opts.port}`;
  return new Promise((resolve, reject) => {
    const sock = net.connect({
      host: opts.host === '' ? undefined : opts.host,
      port: opts.port,
      allowHalfOpen: true,
      noDelay: true,
      localAddress: opts.localAddress,
      onread: opts.fastRead ? fastReadOptions() : undefined,
    });
    if (opts.fastRead) markFast(sock);
    const timer = setTimeout(() => {
      sock.destroy();
      reject(dialError(addr, Object.assign(new Error('i/o timeout'), { code: 'ETIMEDOUT' })));
    }, opts.timeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.removeAllListeners('error');
      // Later errors belong to whoever uses the socket; until then they must not crash the process.
      sock.on('error', () => {});
      resolve(sock);
    });
    sock.once('error', (e) => {
      clearTimeout(timer);
      sock.destroy();
      reject(dialError(addr, e));
    });
  });
}
