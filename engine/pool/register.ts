// Plugs the QUIC (type 1), WebSocket (type 2) and HTTP/2 (type 3) pools into the server and client
// instances. Imported once by instance/index.ts; the transports themselves know nothing about
// instances.
//
// Each transport's module is loaded when a tunnel of its type is first built (the server in
// prepare(), the client once the handshake names the type): `ws` with zlib, and http2, took about
// half of every process's start-up when they were loaded eagerly (bench: time to ready).

import { clientTransports } from '../instance/client';
import { serverTransportHooks, serverTransports, type Server } from '../instance/server';
import { transportLoader, type ServerTransport } from './transport';

const loading = new Map<number, Promise<void>>();

transportLoader.load = (type) => {
  const loader = type === 1 ? loadQuic : type === 2 ? loadWs : type === 3 ? loadH2 : null;
  if (!loader) return Promise.resolve();
  let p = loading.get(type);
  if (!p) {
    p = loader();
    loading.set(type, p);
  }
  return p;
};

async function loadQuic(): Promise<void> {
  const { QuicClientTransport, QuicServerEndpoint, QuicServerTransport } = await import('./quic-transport');
  const { quicUnavailable } = await import('./quic/native');

  /** One UDP endpoint per server instance (it outlives sessions), closed when the server stops. */
  const endpoints = new WeakMap<Server, InstanceType<typeof QuicServerEndpoint>>();

  /** Stands in where QUIC cannot run: the session then fails with the logged reason. */
  class UnavailableTransport implements ServerTransport {
    readonly kind = 'quic';
    takeSocket(socket: import('node:net').Socket): void {
      socket.destroy();
    }
    close(): void {}
  }

  const endpointOf = (server: Server): InstanceType<typeof QuicServerEndpoint> => {
    let endpoint = endpoints.get(server);
    if (!endpoint) {
      const c = server.cfg;
      const ep = new QuicServerEndpoint(c.tunnel.host, c.tunnel.port, server.tls!, server.env.reportIntervalMs, server.logger);
      server.on('state', (e) => {
        if (e.state === 'stopped') ep.close();
      });
      endpoints.set(server, ep);
      endpoint = ep;
    }
    return endpoint;
  };

  serverTransportHooks[1] = {
    // A platform without the quiche binary cannot serve type 1: say so at start-up.
    check: () => quicUnavailable(),
    // The UDP socket is bound with the TCP listener, so a port in use fails the start and the
    // first client packet never arrives before the socket exists.
    bind: async (server) => {
      if (!server.tls) throw new Error('QUIC needs TLS (tls=1 or 2)');
      await endpointOf(server).ensure();
    },
  };

  serverTransports[1] = (server, pool) => {
    const why = quicUnavailable();
    if (why || !server.tls) {
      server.logger.error(`Tunnel pool: ${why ?? 'QUIC needs TLS (tls=1 or 2)'}`);
      return new UnavailableTransport();
    }
    const endpoint = endpointOf(server);
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
}

async function loadWs(): Promise<void> {
  const { WsClientTransport, WsServerTransport } = await import('./ws-transport');
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
  const { H2ClientTransport, H2ServerTransport } = await import('./h2-transport');
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
