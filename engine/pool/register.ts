// Plugs the pool transports other than TCP into the server and client instances: QUIC (type 1),
// WebSocket (type 2) and HTTP/2 (type 3). Imported once by instance/index.ts; the transports
// themselves know nothing about instances.

import { clientTransports } from '../instance/client';
import { serverTransports, type Server } from '../instance/server';
import { H2ClientTransport, H2ServerTransport } from './h2';
import { QuicClientTransport, QuicServerEndpoint, QuicServerTransport } from './quic';
import { quicUnavailable } from './quic-native';
import type { ServerTransport } from './transport';
import { WsClientTransport, WsServerTransport } from './ws';

// ---- type 1: QUIC ----

/** One UDP endpoint per server instance, closed when the server stops. */
const quicEndpoints = new WeakMap<Server, QuicServerEndpoint>();

/** Stands in when QUIC cannot run here: says why every session, and takes nothing. */
class UnavailableTransport implements ServerTransport {
  readonly kind = 'quic';
  takeSocket(socket: import('node:net').Socket): void {
    socket.destroy();
  }
  close(): void {}
}

serverTransports[1] = (server, pool) => {
  const why = quicUnavailable();
  if (why || !server.tls) {
    server.logger.error(`Tunnel pool: ${why ?? 'QUIC needs TLS (tls=1 or 2)'}`);
    return new UnavailableTransport();
  }
  let endpoint = quicEndpoints.get(server);
  if (!endpoint) {
    const c = server.cfg;
    const ep = new QuicServerEndpoint(c.tunnel.host, c.tunnel.port, server.tls, server.env.reportIntervalMs, server.logger);
    server.on('state', (e) => {
      if (e.state === 'stopped') ep.close();
    });
    quicEndpoints.set(server, ep);
    endpoint = ep;
  }
  return new QuicServerTransport({
    endpoint,
    clientIp: pool.clientIp,
    max: pool.max,
    active: () => pool.active(),
    offer: (s) => pool.offer(s),
    logger: server.logger,
  });
};

clientTransports[1] = (client, offer) => {
  const why = quicUnavailable();
  if (why) throw new Error(why);
  const c = client.cfg;
  return new QuicClientTransport({
    target: async () => ({ host: (await client.dns.resolve(c.tunnel.host)).address, port: c.tunnel.port }),
    tls: Number(offer.tls) as 0 | 1 | 2,
    serverName: c.serverName,
    keepAliveMs: client.env.reportIntervalMs,
    max: offer.max,
    dialTimeoutMs: client.env.handshakeTimeoutMs,
    onConnectionClosed: (w) => client.logger.debug(`Tunnel pool: QUIC connection ${w}`),
  });
};

// ---- types 2 and 3: WebSocket and HTTP/2 ----

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
