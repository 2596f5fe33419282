// Outgoing connections. TCP for targets and pools: half-open allowed (the relay needs it), Nagle
// off (latency of small writes), a connect deadline, and an optional source address. UDP for
// targets: a connected socket, as Go's `net.Dial("udp", …)` gives.

import dgram from 'node:dgram';
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

export interface UdpDialOptions {
  address: string;
  port: number;
  family: number;
  /** Source IP ('' = automatic). */
  localAddress: string;
}

/** A UDP socket connected to a target, as Go's `net.Dial("udp", …)` gives. */
export function connectUdp(o: UdpDialOptions): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const type = o.family === 6 || o.address.includes(':') ? 'udp6' : 'udp4';
    const sock = dgram.createSocket({ type });
    const fail = (e: NodeJS.ErrnoException) => {
      try {
        sock.close();
      } catch {
        // already closed
      }
      const addr = o.address.includes(':') ? `[${o.address}]:${o.port}` : `${o.address}:${o.port}`;
      const err = new Error(`dial udp ${addr}: ${e.code === 'EADDRNOTAVAIL' ? 'bind: cannot assign requested address' : e.message}`) as NodeJS.ErrnoException;
      err.code = e.code;
      reject(err);
    };
    sock.once('error', fail);
    const connect = () =>
      sock.connect(o.port, o.address, () => {
        sock.off('error', fail);
        // ICMP errors (ECONNREFUSED while the target is down) arrive as 'error' events later;
        // whoever owns the socket listens for them, and until then they must not crash anything.
        sock.on('error', () => {});
        resolve(sock);
      });
    if (o.localAddress) sock.bind({ address: o.localAddress, port: 0 }, connect);
    else connect();
  });
}
