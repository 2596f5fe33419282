// A server pool and a client pool joined by real TCP (tls=0) or TLS 1.3 (tls=1) connections on
// 127.0.0.1, as a tunnel session has them, without the instances around them.

import net from 'node:net';
import type { TestContext } from 'node:test';
import { ClientPool, type ClientPoolOptions } from '../../engine/pool/client-pool';
import { ServerPool } from '../../engine/pool/server-pool';
import { TcpClientTransport, TcpServerTransport } from '../../engine/pool/tcp-transport';
import { ramTls, type ServerTls } from '../../engine/tls/context';

export interface PoolPair {
  server: ServerPool;
  client: ClientPool;
  serverTls: ServerTls | null;
  port: number;
  /** Every raw socket the tunnel port accepted. */
  accepted: Set<net.Socket>;
}

export async function poolPair(t: TestContext, o: { tls?: 0 | 1; max?: number; client?: Partial<ClientPoolOptions> } = {}): Promise<PoolPair> {
  const serverTls = o.tls === 1 ? await ramTls('test') : null;
  const max = o.max ?? 16;
  const server = new ServerPool({ max, clientIp: '' });
  const transport = new TcpServerTransport({ tls: serverTls, keepAliveMs: 5000, handshakeTimeoutMs: 5000, onStream: (s) => server.offer(s) });
  const accepted = new Set<net.Socket>();
  const listener = net.createServer({ pauseOnConnect: true, allowHalfOpen: true }, (s) => {
    accepted.add(s);
    s.on('error', () => {});
    s.once('close', () => accepted.delete(s));
    transport.takeSocket(s, Buffer.alloc(0));
  });
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  const port = (listener.address() as net.AddressInfo).port;
  const client = new ClientPool(
    new TcpClientTransport({ target: async () => ({ host: '127.0.0.1', port }), tls: o.tls ?? 0, serverName: 'localhost', dialTimeoutMs: 5000, keepAliveMs: 5000 }),
    { min: 4, max, minIntervalMs: 100, maxIntervalMs: 1000, idTimeoutMs: 5000, ...o.client },
  );
  t.after(() => {
    client.close();
    server.close();
    transport.close();
    for (const s of accepted) s.destroy();
    return new Promise<void>((r) => listener.close(() => r()));
  });
  return { server, client, serverTls, port, accepted };
}
