// The server instance (spec §3.1, §4): binds the tunnel port and, in reverse mode, the target
// listeners; serves the handshake; builds the pool and the session.
//
// Better than NodePass: the listeners stay up across sessions, and a fresh handshake from a
// reconnecting client is accepted at any time, replacing the old session without a restart
// (§10.2 #4). Users who connect while no session is up wait for one (NP_POOL_GET_TIMEOUT) instead
// of being refused.

import type dgram from 'node:dgram';
import type net from 'node:net';
import { CONTROL_ID } from '../pool/pool';
import type { PoolConn } from '../pool/pool-conn';
import { ServerPool } from '../pool/server-pool';
import { loadTransport } from '../pool/registry';
import type { OwnListener, ServerContext, ServerTransport, TransportDescriptor } from '../pool/transport';
import { bindUdp, closeServer, listenTcp } from '../relay/listen';
import { fileTls, ramTls, type ServerTls } from '../tls/context';
import { joinHostPort, normaliseIp } from '../url/ip';
import { goDuration } from '../url/model';
import { OUR_FEATURES } from '../wire/http';
import type { Signal } from '../wire/signal';
import { Backoff, sleep } from './backoff';
import { TunnelCore, type CoreOptions } from './core';
import { accept, idleHandshake, judgeHandshake, readHead, refuse } from './handshake';
import { FEATURE_VERIFY_CONTROL, Session } from './session';

interface Current {
  pool: ServerPool;
  transport: ServerTransport;
  session: Session | null;
  /** Wire extensions agreed with this client (empty for a Go NodePass). */
  features: string[];
}

export class Server extends TunnelCore {
  private tls: ServerTls | null = null;
  flow: '-' | '+' = '-';
  mode: 1 | 2 = 1;
  private tunnelServer: net.Server | null = null;
  /** The pool's transport, known once prepare() has loaded it. */
  private transport: TransportDescriptor | null = null;
  /** A listener of the transport's own (QUIC's UDP socket), bound with the tunnel port. */
  private ownListener: OwnListener | null = null;
  private targetServer: net.Server | null = null;
  private targetUdp: dgram.Socket | null = null;
  private current: Current | null = null;
  private handshakeStart = 0;

  constructor(o: CoreOptions) {
    super(o);
  }

  private get tlsCode(): 0 | 1 | 2 {
    return this.tls ? this.tls.code : 0;
  }

  /** Start-up work that can fail for good (exit 1): certificates. */
  async prepare(): Promise<void> {
    const c = this.cfg;
    const transport = await loadTransport(c.type).catch((e: Error) => {
      throw new Error(`initTunnelPool: ${e.message}`);
    });
    const unavailable = transport.unavailable();
    if (unavailable) throw new Error(`initTunnelPool: ${unavailable}`);
    this.transport = transport;
    if (c.tls === 2) {
      this.tls = fileTls(c.crtFile, c.keyFile, this.env.reloadIntervalMs, {
        onReloaded: (p) => this.logger.debug(`TLS cert reloaded: ${p}`),
        onReloadFailed: (e) => this.logger.error(`Certificate reload failed: ${e.message}`),
      });
      this.logger.info(`TLS code-2: ${this.tls.description} with TLS 1.3`);
    } else if (c.tls === 1) {
      this.tls = await ramTls(this.version);
      this.logger.info(c.tlsReason === 'stream-pool' ? 'TLS code-1: RAM cert with TLS 1.3 for stream pool' : 'TLS code-1: RAM cert with TLS 1.3');
    } else {
      this.logger.warn('TLS code-0: unencrypted');
    }
  }

  private startLine(prefix: string): string {
    const c = this.cfg;
    const tail = this.queryTail([
      ['dns', goDuration(c.dnsTtlMs)],
      ['max', c.max],
      ['mode', c.mode],
      ['type', c.type],
      ...this.commonTail(),
    ]);
    return `${prefix}: server://${this.shownKey()}@${c.tunnel.addr}/${this.targets.describe()}?${tail}`;
  }

  async run(): Promise<void> {
    this.prepared();
    this.logger.info(this.startLine('Server started'));
    const backoff = new Backoff(Math.min(1000, this.env.serviceCooldownMs || 1000), Math.max(1000, this.env.serviceCooldownMs));
    while (!this.stopped) {
      try {
        await this.bindAll();
        break;
      } catch (e) {
        await this.unbindAll();
        const msg = `Server error: start: ${(e as Error).message}`;
        this.logger.error(msg);
        this.setState('error', msg);
        await sleep(backoff.next(), this.abort.signal);
        if (!this.stopped) this.logger.info(this.startLine('Server restart'));
      }
    }
    if (this.stopped) return;
    this.stats.mode = this.mode;
    this.logger.info('Pending tunnel handshake...');
    this.setState('waiting');
    this.handshakeStart = Date.now();
    await new Promise<void>((resolve) => this.abort.signal.addEventListener('abort', () => resolve(), { once: true }));
  }

  private async bindAll(): Promise<void> {
    const c = this.cfg;
    this.tunnelServer = await listenTcp(c.tunnel.host, c.tunnel.port, (s) => this.onTunnelConnection(s), {
      pauseOnConnect: true,
    }).catch((e: Error) => {
      throw new Error(`initTunnelListener failed: ${e.message}`);
    });
    const transport = this.prepared();
    if (transport.bind) {
      this.ownListener = await transport.bind(this.transportContext()).catch((e: Error) => {
        throw new Error(`initTunnelListener failed: ${e.message}`);
      });
    } else {
      // NodePass probes the UDP side of the tunnel port too (the QUIC pool binds it for real).
      const probe = await bindUdp(c.tunnel.host, c.tunnel.port).catch((e: Error) => {
        throw new Error(`initTunnelListener failed: ${e.message}`);
      });
      probe.close();
    }
    if (c.mode === 2) {
      this.mode = 2;
    } else {
      try {
        await this.bindTargets();
        this.mode = 1;
      } catch (e) {
        if (c.mode === 1) throw new Error(`initTargetListener failed: ${(e as Error).message}`);
        await this.unbindTargets();
        this.mode = 2;
      }
    }
    this.flow = this.mode === 1 ? '-' : '+';
  }

  private async bindTargets(): Promise<void> {
    const t = this.cfg.targets[0];
    if (!this.cfg.notcp) {
      this.targetServer = await listenTcp(t.host, t.port, (s) => this.onUserConnection(s));
    }
    if (!this.cfg.noudp) {
      this.targetUdp = await bindUdp(t.host, t.port);
      this.onTargetUdp(this.targetUdp);
    }
  }

  /** Hook for the UDP relay (reverse mode): datagrams arriving on the target address. */
  protected onTargetUdp(sock: dgram.Socket): void {
    this.udp.ingress(sock, () => this.waitSession(this.env.poolGetTimeoutMs));
  }

  private async unbindTargets(): Promise<void> {
    await closeServer(this.targetServer);
    this.targetServer = null;
    this.targetUdp?.close();
    this.targetUdp = null;
  }

  private async unbindAll(): Promise<void> {
    await closeServer(this.tunnelServer);
    this.tunnelServer = null;
    await this.ownListener?.close();
    this.ownListener = null;
    await this.unbindTargets();
  }

  private onUserConnection(sock: net.Socket): void {
    void this.forwarder.ingressTcp(sock, () => this.waitSession(this.env.poolGetTimeoutMs));
  }

  /** Every connection on the tunnel port: a handshake, or a pooled stream of the current session. */
  private onTunnelConnection(sock: net.Socket): void {
    sock.on('error', () => {});
    const cur = this.current;
    if (!cur) {
      void this.serveHandshake(sock, null);
      return;
    }
    if (cur.transport.owns(null)) {
      // A plain TCP pool client waits for its ID without sending a byte; a new handshake is
      // spotted later by the bytes it sends while idle (see sniffIdle).
      cur.transport.takeSocket(sock, Buffer.alloc(0));
      return;
    }
    // Everything else sends first: TLS (0x16) or an HTTP request.
    const timer = setTimeout(() => sock.destroy(), this.env.handshakeTimeoutMs);
    sock.once('data', (head: Buffer) => {
      clearTimeout(timer);
      sock.pause();
      if (this.current === cur && cur.transport.owns(head)) cur.transport.takeSocket(sock, head);
      else void this.serveHandshake(sock, head);
    });
    sock.resume();
  }

  /** Serves one tunnel handshake (also for transports that share the port with it: onHandshake). */
  private async serveHandshake(sock: net.Socket, initial: Buffer | null): Promise<void> {
    const peer = joinHostPort(normaliseIp(sock.remoteAddress ?? ''), sock.remotePort ?? 0);
    let head;
    try {
      head = await readHead(sock, 'request', this.env.handshakeTimeoutMs, initial);
    } catch (e) {
      this.logger.debug(`tunnelHandshake: ${peer}: ${(e as Error).message}`);
      if (!sock.destroyed) refuse(sock, 400, 'Bad Request\n');
      return;
    }
    const verdict = judgeHandshake(head, this.cfg.key);
    if (!verdict.ok) {
      this.logger.warn(`tunnelHandshake: refused ${peer}: ${verdict.reason} (${verdict.status})`);
      refuse(sock, verdict.status, verdict.body);
      return;
    }
    this.beginSession(sock, verdict.features);
  }

  /** A bearer-authenticated handshake: send the config and build the pool for a new session. */
  private beginSession(sock: net.Socket, peerFeatures: string[]): void {
    if (this.stopped) {
      sock.destroy();
      return;
    }
    const clientIp = normaliseIp(sock.remoteAddress ?? '');
    const old = this.current;
    if (old) {
      this.logger.warn(`Tunnel session replaced by a new handshake from ${clientIp}`);
      this.current = null;
      old.session?.end('replaced by a new handshake', true);
      old.pool.close();
      old.transport.close();
    }
    const features = peerFeatures.filter((f) => OUR_FEATURES.includes(f) || f === FEATURE_VERIFY_CONTROL);
    const ourPeer = features.includes(FEATURE_VERIFY_CONTROL);
    const c = this.cfg;
    const offer = {
      flow: this.flow,
      max: c.max,
      tls: String(this.tlsCode) as '0' | '1' | '2',
      type: String(c.type) as '0' | '1' | '2' | '3',
      features: ourPeer ? features : undefined,
    };
    const descriptor = this.prepared();
    const pool = new ServerPool({ max: c.max, clientIp: descriptor.pinsClientIp ? clientIp : '' });
    let transport: ServerTransport;
    try {
      transport = descriptor.server(this.transportContext(), pool, this.ownListener);
    } catch (e) {
      pool.close();
      refuse(sock, 500, 'Internal Server Error\n');
      const msg = `Server error: initTunnelPool: ${(e as Error).message}`;
      this.logger.error(msg);
      this.setState('error', msg);
      return;
    }
    this.handshakeStart = Date.now();
    accept(sock, offer);
    this.logger.info(`Sending tunnel config: FLOW=${offer.flow}|MAX=${offer.max}|TLS=${offer.tls}|TYPE=${offer.type}`);

    if (transport.owns(null)) pool.idleDataHook = (conn) => this.sniffIdle(conn);
    const cur: Current = { pool, transport, session: null, features: ourPeer ? features : [] };
    this.current = cur;
    this.stats.poolSource = () => (this.current ? this.current.pool.active() : 0);
    this.logger.info('Getting tunnel pool ready...');
    void this.runSession(cur, ourPeer);
  }

  private prepared(): TransportDescriptor {
    if (!this.transport) throw new Error('initTunnelPool: the server was not prepared');
    return this.transport;
  }

  /** What the pool transport is told about this server. */
  private transportContext(): ServerContext {
    const c = this.cfg;
    return {
      tunnel: { host: c.tunnel.host, port: c.tunnel.port },
      tls: this.tls,
      keepAliveMs: this.env.reportIntervalMs,
      handshakeTimeoutMs: this.env.handshakeTimeoutMs,
      logger: this.logger,
      onHandshake: (sock, bytes) => void this.serveHandshake(sock, bytes),
    };
  }

  private async runSession(cur: Current, ourPeer: boolean): Promise<void> {
    let control: PoolConn;
    try {
      control = await cur.pool.outgoingGet(CONTROL_ID, this.env.handshakeTimeoutMs);
    } catch {
      if (this.current === cur) this.failSession(cur, 'setControlConn: handshake timeout');
      return;
    }
    if (this.current !== cur) {
      control.close();
      return;
    }
    const session = new Session({
      side: 'server',
      key: this.cfg.key,
      pool: cur.pool,
      control,
      tls: this.tlsCode,
      ownFingerprint: this.tls ? () => this.tls!.fingerprint() : null,
      ourPeer,
      features: cur.features,
      env: this.env,
      logger: this.logger,
      stats: this.stats,
      handlers: {
        tcp: (s, sess) => (this.cfg.notcp ? undefined : this.forwarder.egressTcp(s, sess)),
        udp: (s, sess) => (this.cfg.noudp ? undefined : this.onUdpSignal(s, sess)),
      },
    });
    cur.session = session;
    this.logger.info(`Marking tunnel handshake as complete in ${Date.now() - this.handshakeStart}ms`);
    session.start();
    void Promise.race([session.verified, session.done]).then(() => {
      if (!session.isEnded && this.current === cur) {
        this.publishSession(session);
        this.setState('running');
      }
    });
    const end = await session.done;
    this.clearSession(session);
    if (this.current === cur) this.failSession(cur, end.message, end.peerGone);
  }

  /** Hook for the UDP relay (egress on a `udp` signal). */
  protected onUdpSignal(s: Signal, session: Session): void {
    this.udp.egress(s, session);
  }

  /**
   * A session is over. When the client simply went away the server is not broken: it says so at
   * WARN and waits (NodePass logs `Server error:` and its master flags the instance as failed
   * every time a client restarts). Failures of the session itself stay errors.
   */
  private failSession(cur: Current, reason: string, peerGone = false): void {
    this.current = null;
    cur.session?.end(reason, peerGone);
    cur.pool.close();
    cur.transport.close();
    if (this.stopped) return;
    if (peerGone) {
      this.logger.warn(`Tunnel session ended: ${reason}`);
      this.setState('waiting', `tunnel session ended: ${reason}`);
    } else {
      const msg = `Server error: ${reason}`;
      this.logger.error(msg);
      this.setState('error', msg);
    }
    this.logger.info('Pending tunnel handshake...');
  }

  /**
   * Type 0 at tls=0 writes IDs before the peer says anything, so a reconnecting client's
   * handshake lands on an idle pooled stream: recognise it by a valid bearer token.
   */
  private sniffIdle(conn: PoolConn): void {
    const verdict = idleHandshake(conn.earlyData, this.cfg.key);
    if (verdict === 'more') return;
    conn.idleDataHook = null;
    if (verdict === 'no') return;
    const cur = this.current;
    if (!cur || cur.pool.takeIdle(conn.id) !== conn) return;
    const { stream, head } = conn.claim();
    void this.serveHandshake(stream as net.Socket, head);
  }

  protected async teardown(): Promise<void> {
    const cur = this.current;
    this.current = null;
    if (cur) {
      cur.session?.end('shutdown');
      cur.pool.close();
      cur.transport.close();
    }
    await this.unbindAll();
  }
}
