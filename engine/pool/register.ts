// Plugs the WebSocket (type 2) and HTTP/2 (type 3) pools into the server and client instances.
// Imported once by instance/index.ts; the transports themselves know nothing about instances.

import { clientTransports } from '../instance/client';
import { serverTransports } from '../instance/server';
import { H2ClientTransport, H2ServerTransport } from './h2';
import { WsClientTransport, WsServerTransport } from './ws';

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
