// The client side: a QUIC connection dialled on its own connected UDP socket.

import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { CID_LEN, makeConfig, tuneSocket, tuningOf, type QuicSettings, type TlsMaterial } from './config';
import { QuicConnection } from './connection';
import { quiche as loadQuiche, type Quiche, type QuicheConfig, type QuicheConnection } from './native';

export interface DialOptions {
  host: string;
  port: number;
  /** SNI and the name verified at tls=2; null sends no SNI (tls 0/1, as NodePass). */
  serverName: string | null;
  settings: QuicSettings;
  tls: TlsMaterial;
  timeoutMs: number;
  /** Source address (tests use 127.0.0.2 to play a foreign client). */
  localAddress?: string;
}

/** Dials a QUIC connection on its own connected UDP socket; resolves once the handshake is done. */
export function dialQuic(o: DialOptions): Promise<QuicConnection> {
  return new Promise((resolve, reject) => {
    let quiche: Quiche;
    let config: QuicheConfig;
    try {
      quiche = loadQuiche();
      config = makeConfig(o.settings, o.tls);
    } catch (e) {
      reject(e);
      return;
    }
    const tuning = tuningOf(o.settings.tuning);
    const v6 = o.host.includes(':');
    const sock = dgram.createSocket({ type: v6 ? 'udp6' : 'udp4' });
    let qc: QuicConnection | null = null;
    let settled = false;
    const fail = (msg: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      qc?.close('dial failed');
      try {
        sock.close();
      } catch {
        /* closed */
      }
      reject(new Error(msg));
    };
    const timer = setTimeout(() => fail(`QUIC handshake with ${o.host}:${o.port} timed out after ${o.timeoutMs}ms`), o.timeoutMs);
    sock.on('error', (e) => fail(`QUIC dial ${o.host}:${o.port}: ${e.message}`));
    sock.bind({ address: o.localAddress, port: 0 }, () => {
      sock.connect(o.port, o.host, () => {
        if (settled) return;
        tuneSocket(sock, tuning);
        const la = sock.address();
        const local = { host: la.address, port: la.port };
        const peer = { host: o.host, port: o.port };
        let conn: QuicheConnection;
        try {
          conn = quiche.Connection.connect(o.serverName, new Uint8Array(randomBytes(CID_LEN)), local, peer, config);
        } catch (e) {
          fail(`QUIC dial ${o.host}:${o.port}: ${(e as Error).message}`);
          return;
        }
        const c = new QuicConnection(conn, false, local, peer, (buf, off, len) => sock.send(buf, off, len), o.settings.keepAliveMs, tuning);
        qc = c;
        sock.on('message', (m) => c.receive(m));
        sock.removeAllListeners('error');
        sock.on('error', () => {});
        c.once('close', (why) => {
          // Give the CONNECTION_CLOSE a moment to leave before the socket goes.
          setTimeout(() => {
            try {
              sock.close();
            } catch {
              /* closed */
            }
          }, 50).unref();
          if (!settled) fail(`QUIC handshake with ${o.host}:${o.port} failed: ${why}`);
        });
        c.once('established', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve(c);
        });
        c.flush();
        c.schedule();
      });
    });
  });
}
