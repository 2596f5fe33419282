// TLS over a socket that already exists: the pool transports accept raw TCP on the tunnel port
// (which they share with the handshake) and dial TCP themselves, then wrap it.

import type net from 'node:net';
import tls from 'node:tls';
import type { ServerTls } from '../tls/context';

/** Wraps a connected socket in a TLS client and waits for the handshake. */
export function tlsClient(socket: net.Socket, options: tls.ConnectionOptions, timeoutMs: number): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ ...options, socket });
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`TLS handshake timeout after ${timeoutMs}ms`));
    }, timeoutMs);
    s.once('secureConnect', () => {
      clearTimeout(timer);
      s.removeAllListeners('error');
      s.on('error', () => {});
      resolve(s);
    });
    s.once('error', (e) => {
      clearTimeout(timer);
      s.destroy();
      socket.destroy();
      reject(new Error(`TLS handshake: ${e.message}`));
    });
  });
}

/** Wraps an accepted socket in a TLS server (bytes already read are replayed into it). */
export function tlsServer(
  socket: net.Socket,
  head: Buffer,
  serverTls: ServerTls,
  timeoutMs: number,
  alpn?: string[],
): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    if (head.length > 0) socket.unshift(head);
    const s = new tls.TLSSocket(socket, {
      isServer: true,
      secureContext: serverTls.context(),
      ALPNProtocols: alpn,
    });
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`TLS handshake timeout after ${timeoutMs}ms`));
    }, timeoutMs);
    s.once('secure', () => {
      clearTimeout(timer);
      s.removeAllListeners('error');
      s.on('error', () => {});
      resolve(s);
    });
    s.once('error', (e) => {
      clearTimeout(timer);
      s.destroy();
      reject(new Error(`TLS handshake: ${e.message}`));
    });
  });
}

/**
 * For protocols framed above TLS (WebSocket, HTTP/2) the peer's FIN ends the connection. Over an
 * allowHalfOpen TCP socket (as dialTcp and the tunnel listener make them) the TLS socket would
 * stay half-open and never emit 'close', which is what ws and http2 wait for.
 */
export function closeOnEnd(t: tls.TLSSocket, raw: net.Socket): void {
  t.once('end', () => {
    t.destroy();
    raw.destroy();
  });
  t.once('close', () => raw.destroy());
}
