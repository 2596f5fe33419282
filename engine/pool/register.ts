// Plugs the WebSocket (type 2) and HTTP/2 (type 3) pools into the server and client instances.
// Imported once by instance/index.ts; the transports themselves know nothing about instances.
//
// Each transport's module is loaded when a tunnel of its type is first built (the server in
// prepare(), the client once the handshake names the type): `ws` with zlib, and http2, took about
// half of every process's start-up when they were loaded eagerly (bench: time to ready).

import { clientTransports } from '../instance/client';
import { serverTransports } from '../instance/server';
import { transportLoader } from './transport';

const loading = new Map<number, Promise<void>>();

transportLoader.load = (type) => {
  const loader = type === 2 ? loadWs : type === 3 ? loadH2 : null;
  if (!loader) return Promise.resolve();
  let p = loading.get(type);
  if (!p) {
    p = loader();
    loading.set(type, p);
  }
  return p;
};

async function loadWs(): Promise<void> {
  const { WsClientTransport, WsServerTransport } = await import('./ws');
  serverTransports[2] = (server, pool) =>
    new WsServerTransport({
      tls: server.tls,
      keepAliveMs: server.env.reportIntervalMs,
      handshakeTimeoutMs: server.env.handshakeTimeoutMs,
      full: () => pool.full,
      onStream: (s) => {
        const why = pool.offer(s);
        if (why) server.logger.debug(`Tunnel pool: refused ${s.remoteAddr}: ${why}`);
      },
      onHandshake: (sock, bytes) => void server.serveHandshake(sock, bytes),
      onError: (e) => server.logger.debug(`Tunnel pool: ${e.message}`),
    });

  clientTransports[2] = (client, offer) =>
    new WsClientTransport({
      target: async () => ({ host: (await client.dns.resolve(client.cfg.tunnel.host)).address, port: client.cfg.tunnel.port }),
      host: client.cfg.tunnel.host,
      port: client.cfg.url.port,
      tls: Number(offer.tls) as 0 | 1 | 2,
      dialTimeoutMs: client.env.tcpDialTimeoutMs,
      handshakeTimeoutMs: client.env.handshakeTimeoutMs,
      keepAliveMs: client.env.reportIntervalMs,
    });
}

async function loadH2(): Promise<void> {
  const { H2ClientTransport, H2ServerTransport } = await import('./h2');
  serverTransports[3] = (server, pool) => {
    if (!server.tls) throw new Error('initTunnelPool: HTTP/2 pool needs TLS');
    return new H2ServerTransport({
      tls: server.tls,
      keepAliveMs: server.env.reportIntervalMs,
      handshakeTimeoutMs: server.env.handshakeTimeoutMs,
      maxStreams: pool.max,
      clientIp: () => pool.clientIp,
      full: () => pool.full,
      onStream: (s) => {
        const why = pool.offer(s);
        if (why) server.logger.debug(`Tunnel pool: refused ${s.remoteAddr}: ${why}`);
      },
      onError: (e) => server.logger.debug(`Tunnel pool: ${e.message}`),
    });
  };

  clientTransports[3] = (client, offer) =>
    new H2ClientTransport({
      target: async () => ({ host: (await client.dns.resolve(client.cfg.tunnel.host)).address, port: client.cfg.tunnel.port }),
      // A server that says tls=0 for type 3 cannot exist in v1.14 (it is promoted); treat it as 1.
      tls: offer.tls === '2' ? 2 : 1,
      serverName: client.cfg.serverName,
      dialTimeoutMs: client.env.tcpDialTimeoutMs,
      keepAliveMs: client.env.reportIntervalMs,
      replyTimeoutMs: Math.max(client.env.handshakeTimeoutMs, 5000),
      maxStreams: Math.max(1, offer.max),
      onError: (e) => client.logger.debug(`Tunnel pool: ${e.message}`),
    });
}
