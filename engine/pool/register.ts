// Plugs the pool transports other than TCP into the server and client instances.

import { clientTransports } from '../instance/client';
import { serverTransports, type Server } from '../instance/server';
import { QuicClientTransport, QuicServerEndpoint, QuicServerTransport } from './quic';
import { quicUnavailable } from './quic-native';
import type { ServerTransport } from './transport';

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
