// The client instance (spec §3.2, §4): single-end forwarding, or the handshake + pool + session
// loop of dual-end mode with capped exponential back-off between attempts.

import type dgram from 'node:dgram';
import type net from 'node:net';
import { ClientPool } from '../pool/client-pool';
import { CONTROL_ID } from '../pool/pool';
import type { PoolConn } from '../pool/pool-conn';
import { loadTransport } from '../pool/registry';
import type { ClientContext, ClientTransport } from '../pool/transport';
import { bindUdp, closeServer, listenTcp } from '../relay/listen';
import { certFingerprint } from '../tls/fingerprint';
import { goDuration } from '../url/model';
import { OUR_FEATURES, type TunnelOffer } from '../wire/http';
import type { Signal } from '../wire/signal';
import { Backoff, sleep } from './backoff';
import { TunnelCore, type CoreOptions } from './core';
import { clientHandshake } from './handshake';
import { FEATURE_VERIFY_CONTROL, Session } from './session';
import { checkPointLine } from './stats';

export class Client extends TunnelCore {
  mode: 1 | 2 = 2;
  private tunnelServer: net.Server | null = null;
  private tunnelUdp: dgram.Socket | null = null;
  private targetServer: net.Server | null = null;
  private targetUdp: dgram.Socket | null = null;
  private listenFlow: '-' | '+' | null = null;
  private probeTimer: NodeJS.Timeout | null = null;

  constructor(o: CoreOptions) {
    super(o);
  }

  async prepare(): Promise<void> {}

  private startLine(prefix: string): string {
    const c = this.cfg;
    const tail = this.queryTail([
      ['dns', goDuration(c.dnsTtlMs)],
      ['sni', c.serverName],
      ['min', c.min],
      ['mode', c.mode],
      ...this.commonTail(),
    ]);
    return `${prefix}: client://${this.shownKey()}@${c.tunnel.addr}/${this.targets.describe()}?${tail}`;
  }

  async run(): Promise<void> {
    this.logger.info(this.startLine('Client started'));
    const c = this.cfg;
    if (c.mode !== 2) {
      try {
        await this.bindTunnelLocally();
        this.mode = 1;
      } catch (e) {
        if (c.mode === 1) {
          // Single-end was asked for explicitly: keep trying to bind, as NodePass does.
          await this.retrySingleBind(e as Error);
          if (this.stopped) return;
          this.mode = 1;
        } else {
          this.mode = 2;
        }
      }
    }
    this.stats.mode = this.mode;
    if (this.mode === 1) return this.runSingle();
    return this.runDual();
  }

  // ---- single-end forwarding (§7.12) ----

  private async bindTunnelLocally(): Promise<void> {
    const t = this.cfg.tunnel;
    try {
      if (!this.cfg.notcp) this.tunnelServer = await listenTcp(t.host, t.port, (s) => this.onSingleConnection(s));
      if (!this.cfg.noudp) {
        this.tunnelUdp = await bindUdp(t.host, t.port);
        this.onSingleUdp(this.tunnelUdp);
      }
    } catch (e) {
      await closeServer(this.tunnelServer);
      this.tunnelServer = null;
      this.tunnelUdp?.close();
      this.tunnelUdp = null;
      throw new Error(`initTunnelListener failed: ${(e as Error).message}`);
    }
  }

  private async retrySingleBind(first: Error): Promise<void> {
    const backoff = new Backoff(Math.min(1000, this.env.serviceCooldownMs || 1000), Math.max(1000, this.env.serviceCooldownMs));
    let err = first;
    for (;;) {
      const msg = `Client error: start: ${err.message}`;
      this.logger.error(msg);
      this.setState('error', msg);
      await sleep(backoff.next(), this.abort.signal);
      if (this.stopped) return;
      this.logger.info(this.startLine('Client restart'));
      try {
        await this.bindTunnelLocally();
        return;
      } catch (e) {
        err = e as Error;
      }
    }
  }

  private onSingleConnection(sock: net.Socket): void {
    void this.forwarder.singleTcp(sock);
  }

  /** Hook for the UDP relay in single-end mode. */
  protected onSingleUdp(sock: dgram.Socket): void {
    this.udp.singleEnd(sock);
  }

  private async runSingle(): Promise<void> {
    this.setState('running');
    const probe = async () => {
      // PING = TCP connect time to the next target (0 on failure), as NodePass reports it.
      const t0 = Date.now();
      let ping = 0;
      try {
        const s = await this.targets.dialTcp(this.env.reportIntervalMs);
        ping = Date.now() - t0;
        s.destroy();
      } catch {
        ping = 0;
      }
      if (this.stopped) return;
      this.stats.ping = ping;
      this.logger.event(checkPointLine(this.stats.snapshot()));
    };
    // NodePass reports once at start, then every interval.
    void probe();
    this.probeTimer = setInterval(() => void probe(), this.env.reportIntervalMs);
    await new Promise<void>((resolve) => this.abort.signal.addEventListener('abort', () => resolve(), { once: true }));
  }

  // ---- dual-end (§4) ----

  private async runDual(): Promise<void> {
    const backoff = new Backoff(100, Math.max(1000, Math.min(this.env.serviceCooldownMs, 5000)));
    while (!this.stopped) {
      const started = Date.now();
      const reason = await this.oneSession();
      if (this.stopped) return;
      const msg = `Client error: ${reason}`;
      this.logger.error(msg);
      this.setState('error', msg);
      // A session that was healthy for a while earns a fresh fast retry; one that fails right
      // after the handshake (a verification loop, say) keeps backing off.
      if (Date.now() - started > 3_000) backoff.reset();
      await sleep(backoff.next(), this.abort.signal);
      if (this.stopped) return;
      this.logger.info(this.startLine('Client restart'));
    }
  }

  /** One handshake → pool → session round; resolves with why it ended. */
  private async oneSession(): Promise<string> {
    const c = this.cfg;
    this.logger.info('Pending tunnel handshake...');
    const started = Date.now();
    let offer: TunnelOffer;
    try {
      const { address } = await this.dns.resolve(c.tunnel.host);
      const r = await clientHandshake({
        host: address,
        port: c.tunnel.port,
        portText: c.url.port,
        serverName: c.serverName,
        key: c.key,
        timeoutMs: this.env.handshakeTimeoutMs,
        features: [...OUR_FEATURES, FEATURE_VERIFY_CONTROL],
      });
      offer = r.offer;
    } catch (e) {
      return `commonStart: ${(e as Error).message}`;
    }
    this.logger.info(`Loading tunnel config: FLOW=${offer.flow}|MAX=${offer.max}|TLS=${offer.tls}|TYPE=${offer.type}`);
    if (this.stopped) return 'stopped';
    const ourPeer = (offer.features ?? []).includes(FEATURE_VERIFY_CONTROL);
    const tlsCode = Number(offer.tls) as 0 | 1 | 2;

    let transport: ClientTransport;
    try {
      const descriptor = await loadTransport(Number(offer.type));
      const unavailable = descriptor.unavailable();
      if (unavailable) throw new Error(unavailable);
      transport = descriptor.client(this.transportContext(), { tls: tlsCode, max: offer.max });
    } catch (e) {
      return `commonStart: initTunnelPool failed: ${(e as Error).message}`;
    }
    let pinned = '';
    const pool = new ClientPool(transport, {
      min: c.min,
      max: offer.max,
      minIntervalMs: this.env.minPoolIntervalMs,
      maxIntervalMs: this.env.maxPoolIntervalMs,
      idTimeoutMs: 60_000,
      onDialError: (e) => this.logger.debug(`Tunnel pool: dial failed: ${e.message}`),
      // At tls=1 every pooled stream must present the certificate the control stream saw; a
      // different one means someone is in the middle.
      acceptCert:
        tlsCode === 1
          ? (der) => {
              const fp = certFingerprint(der);
              if (pinned === '') pinned = fp;
              return fp === pinned ? null : `certificate ${fp} differs from the tunnel's ${pinned}`;
            }
          : undefined,
      onCertRejected: (why) => this.logger.error(`Tunnel pool: refused a pooled connection: ${why}`),
    });
    this.stats.poolSource = () => pool.active();
    this.logger.info('Getting tunnel pool ready...');
    pool.start();
    let control: PoolConn;
    try {
      control = await pool.outgoingGet(CONTROL_ID, this.env.handshakeTimeoutMs);
    } catch {
      pool.close();
      const why = pool.lastDialError ? `: pooled connections failed: ${pool.lastDialError}` : '';
      return `commonStart: setControlConn: handshake timeout${why}`;
    }
    if (this.stopped) {
      control.close();
      pool.close();
      return 'stopped';
    }
    const session = new Session({
      side: 'client',
      key: c.key,
      pool,
      control,
      tls: tlsCode,
      ownFingerprint: null,
      ourPeer,
      features: (offer.features ?? []).filter((f) => OUR_FEATURES.includes(f)),
      env: this.env,
      logger: this.logger,
      stats: this.stats,
      handlers: {
        tcp: (s, sess) => (c.notcp ? undefined : this.forwarder.egressTcp(s, sess)),
        udp: (s, sess) => (c.noudp ? undefined : this.onUdpSignal(s, sess)),
      },
    });
    this.currentSession = session;
    this.logger.info(`Marking tunnel handshake as complete in ${Date.now() - started}ms`);
    // Flow `+`: listen on the target before the first ping, so the first CHECK_POINT means ready.
    if (offer.flow === '+') {
      try {
        await this.bindTargets();
      } catch (e) {
        session.end(`commonStart: initTargetListener failed: ${(e as Error).message}`);
      }
    } else {
      await this.unbindTargets();
    }
    session.start();
    void Promise.race([session.verified, session.done]).then(() => {
      if (!session.isEnded) {
        this.publishSession(session);
        this.setState('running');
      }
    });
    const end = await session.done;
    this.clearSession(session);
    this.currentSession = null;
    return `commonStart: commonControl failed: ${end.message}`;
  }

  private currentSession: Session | null = null;

  /** What the pool transport is told about this client. */
  private transportContext(): ClientContext {
    const c = this.cfg;
    return {
      resolve: async () => ({ host: (await this.dns.resolve(c.tunnel.host)).address, port: c.tunnel.port }),
      host: c.tunnel.host,
      portText: c.url.port,
      serverName: c.serverName,
      keepAliveMs: this.env.reportIntervalMs,
      handshakeTimeoutMs: this.env.handshakeTimeoutMs,
      dialTimeoutMs: this.env.tcpDialTimeoutMs,
      logger: this.logger,
    };
  }

  /** Flow `+`: this side listens on its first target (kept across sessions while the flow stays). */
  private async bindTargets(): Promise<void> {
    if (this.listenFlow === '+') return;
    const t = this.cfg.targets[0];
    try {
      if (!this.cfg.notcp) {
        this.targetServer = await listenTcp(t.host, t.port, (s) =>
          void this.forwarder.ingressTcp(s, () => this.waitSession(this.env.poolGetTimeoutMs)),
        );
      }
      if (!this.cfg.noudp) {
        this.targetUdp = await bindUdp(t.host, t.port);
        this.onTargetUdp(this.targetUdp);
      }
      this.listenFlow = '+';
    } catch (e) {
      await this.unbindTargets();
      throw e;
    }
  }

  /** Hook for the UDP relay (flow `+`): datagrams arriving on the target address. */
  protected onTargetUdp(sock: dgram.Socket): void {
    this.udp.ingress(sock, () => this.waitSession(this.env.poolGetTimeoutMs));
  }

  /** Hook for the UDP relay (egress on a `udp` signal). */
  protected onUdpSignal(s: Signal, session: Session): void {
    this.udp.egress(s, session);
  }

  private async unbindTargets(): Promise<void> {
    await closeServer(this.targetServer);
    this.targetServer = null;
    this.targetUdp?.close();
    this.targetUdp = null;
    this.listenFlow = null;
  }

  protected async teardown(): Promise<void> {
    if (this.probeTimer) clearInterval(this.probeTimer);
    this.currentSession?.end('shutdown');
    await closeServer(this.tunnelServer);
    this.tunnelServer = null;
    this.tunnelUdp?.close();
    this.tunnelUdp = null;
    await this.unbindTargets();
  }
}
