// The server side: one UDP socket that accepts QUIC connections and routes datagrams to them.

import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { CID_LEN, tuneSocket, tuningOf, type QuicTuning } from './config';
import { QuicConnection } from './connection';
import { PacketType, quiche, type HostPort, type QuicheConfig, type QuicheConnection } from './native';

export interface ListenerHooks {
  /** TLS config for the next connection (called per accepted connection; cache inside). */
  config: () => QuicheConfig;
  /** A connection finished its handshake. */
  onConnection: (c: QuicConnection) => void;
}

/** A UDP socket that accepts QUIC connections and routes datagrams to them by connection ID. */
export class QuicListener {
  private readonly byCid = new Map<string, QuicConnection>();
  private readonly conns = new Set<QuicConnection>();
  private readonly scids = new Map<QuicConnection, Buffer>();
  private closed = false;
  private released: Promise<void> = Promise.resolve();
  private local: HostPort;

  private constructor(
    private readonly sock: dgram.Socket,
    private readonly hooks: ListenerHooks,
    private readonly keepAliveMs: number,
    private readonly tuning: QuicTuning,
  ) {
    const a = sock.address();
    this.local = { host: a.address, port: a.port };
    sock.on('message', (m, r) => this.onMessage(m, r));
  }

  /** Takes over an already bound UDP socket (the tunnel address). */
  static attach(sock: dgram.Socket, hooks: ListenerHooks, keepAliveMs: number, tuning?: Partial<QuicTuning>): QuicListener {
    quiche(); // fail here, not per packet, when the binary is missing
    const t = tuningOf(tuning);
    tuneSocket(sock, t);
    return new QuicListener(sock, hooks, keepAliveMs, t);
  }

  get port(): number {
    return this.local.port;
  }

  private onMessage(buf: Buffer, r: dgram.RemoteInfo): void {
    if (this.closed || buf.length < 1 + CID_LEN) return;
    if ((buf[0] & 0x80) === 0) {
      // Short header: the DCID is ours (CID_LEN bytes), compare without a native call.
      for (const [c, scid] of this.scids) {
        if (buf.compare(scid, 0, CID_LEN, 1, 1 + CID_LEN) === 0) {
          c.receive(buf, r);
          return;
        }
      }
      return;
    }
    const q = quiche();
    let hdr;
    try {
      hdr = q.Header.fromSlice(buf, CID_LEN);
    } catch {
      return;
    }
    const key = Buffer.from(hdr.dcid).toString('hex');
    const known = this.byCid.get(key);
    if (known) {
      known.receive(buf, r);
      return;
    }
    if (hdr.ty !== PacketType.Initial) return;
    if (!q.versionIsSupported(hdr.version)) {
      const out = Buffer.allocUnsafe(1350);
      const n = q.negotiateVersion(hdr.scid, hdr.dcid, out);
      if (n > 0) this.sock.send(out, 0, n, r.port, r.address);
      return;
    }
    if (buf.length < q.MIN_CLIENT_INITIAL_LEN) return;
    let config: QuicheConfig;
    try {
      config = this.hooks.config();
    } catch {
      return;
    }
    const scid = randomBytes(CID_LEN);
    const peer = { host: r.address, port: r.port };
    let conn: QuicheConnection;
    try {
      conn = q.Connection.accept(new Uint8Array(scid), null, this.local, peer, config);
    } catch {
      return;
    }
    const c = new QuicConnection(conn, true, this.local, peer, (b, off, len, to) => this.sock.send(b, off, len, to.port, to.host), this.keepAliveMs, this.tuning);
    const scidKey = scid.toString('hex');
    this.byCid.set(scidKey, c);
    this.byCid.set(key, c);
    this.scids.set(c, scid);
    this.conns.add(c);
    c.once('close', () => {
      this.byCid.delete(scidKey);
      this.byCid.delete(key);
      this.scids.delete(c);
      this.conns.delete(c);
    });
    c.once('established', () => this.hooks.onConnection(c));
    c.receive(buf, r);
  }

  /** Closes every connection, then the socket; resolves once the port is free again. */
  close(reason = 'listener closed'): Promise<void> {
    if (this.closed) return this.released;
    this.closed = true;
    for (const c of [...this.conns]) c.close(reason);
    const sock = this.sock;
    this.released = new Promise((resolve) => {
      // Let the CONNECTION_CLOSE frames leave first.
      setTimeout(() => {
        try {
          sock.close(() => resolve());
        } catch {
          resolve(); // already closed
        }
      }, 20);
    });
    return this.released;
  }
}

/** Binds a UDP socket for a QUIC listener (the error names the address, like NodePass). */
export function bindQuicSocket(host: string, port: number): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const type = host.includes(':') || host === '' ? 'udp6' : 'udp4';
    const sock = dgram.createSocket({ type, reuseAddr: false });
    sock.once('error', (e: NodeJS.ErrnoException) => {
      try {
        sock.close();
      } catch {
        /* closed */
      }
      const why = e.code === 'EADDRINUSE' ? 'address already in use' : e.code === 'EADDRNOTAVAIL' ? 'cannot assign requested address' : e.message;
      reject(new Error(`listen udp ${host.includes(':') ? `[${host}]` : host}:${port}: bind: ${why}`));
    });
    sock.bind({ address: host === '' ? undefined : host, port, exclusive: true }, () => {
      sock.removeAllListeners('error');
      sock.on('error', () => {});
      resolve(sock);
    });
  });
}
