// Listening sockets with NodePass-like error text (`listen tcp 0.0.0.0:10101: bind: address already
// in use`), so a port conflict names the address.

import dgram from 'node:dgram';
import net from 'node:net';
import { joinHostPort } from '../url/ip';

const REASON: Record<string, string> = {
  EADDRINUSE: 'address already in use',
  EADDRNOTAVAIL: 'cannot assign requested address',
  EACCES: 'permission denied',
  EINVAL: 'invalid argument',
};

/** `listen tcp 127.0.0.1:9090: bind: address already in use`, with the errno code kept. */
export function listenError(proto: string, host: string, port: number, e: NodeJS.ErrnoException): Error {
  const err = new Error(`listen ${proto} ${joinHostPort(host, port)}: bind: ${(e.code && REASON[e.code]) ?? e.message}`) as NodeJS.ErrnoException;
  err.code = e.code;
  return err;
}

export function listenTcp(
  host: string,
  port: number,
  onConnection: (s: net.Socket) => void,
  opts: { pauseOnConnect?: boolean } = {},
): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer({ allowHalfOpen: true, pauseOnConnect: opts.pauseOnConnect ?? false, noDelay: true }, onConnection);
    srv.once('error', (e: NodeJS.ErrnoException) => reject(listenError('tcp', host, port, e)));
    // Accept errors (EMFILE) must not crash the process; the caller logs through onError.
    srv.listen({ host: host === '' ? undefined : host, port, exclusive: true }, () => {
      srv.removeAllListeners('error');
      srv.on('error', () => {});
      resolve(srv);
    });
  });
}

export function bindUdp(host: string, port: number): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const type = host.includes(':') ? 'udp6' : 'udp4';
    const sock = dgram.createSocket({ type, reuseAddr: false });
    sock.once('error', (e: NodeJS.ErrnoException) => {
      sock.close();
      reject(listenError('udp', host, port, e));
    });
    sock.bind({ address: host === '' ? undefined : host, port, exclusive: true }, () => {
      sock.removeAllListeners('error');
      sock.on('error', () => {});
      resolve(sock);
    });
  });
}

export function closeServer(srv: net.Server | null): Promise<void> {
  return new Promise((resolve) => {
    if (!srv || !srv.listening) return resolve();
    srv.close(() => resolve());
  });
}
