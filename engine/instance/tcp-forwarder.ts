// The TCP paths of spec §7.1 and §7.12: ingress (a user connection → a pooled stream + `tcp`
// signal), egress (a `tcp` signal → dial the target) and single-end (user → target directly).
// Owned by the instance, so it outlives tunnel sessions.

import type net from 'node:net';
import type { Duplex } from 'node:stream';
import type { EnvConfig } from '../url/env';
import type { TunnelConfig } from '../url/model';
import { joinHostPort, normaliseIp } from '../url/ip';
import { closeGracefully } from '../relay/graceful-close';
import { relay, type RelayOptions } from '../relay/tcp-relay';
import { anyBlocked, sniffBlocked, type Prefetched } from '../relay/block';
import { proxyV1Header } from '../relay/proxy';
import { limitStream, type RateLimiter } from '../relay/rate';
import type { Targets } from '../relay/targets';
import type { Signal } from '../wire/signal';
import type { Logger } from './logger';
import type { Session } from './session';
import type { Stats } from './stats';

/** How long block sniffing waits for a client's first bytes before letting the connection through. */
const BLOCK_SNIFF_MS = 500;

/** How long a refused user or pooled stream may take to read what it was sent. */
const LINGER_MS = 5000;

function peerAddr(s: net.Socket): string {
  return joinHostPort(normaliseIp(s.remoteAddress ?? ''), s.remotePort ?? 0);
}

export class TcpForwarder {
  constructor(
    private readonly cfg: TunnelConfig,
    private readonly env: EnvConfig,
    private readonly logger: Logger,
    readonly stats: Stats,
    readonly targets: Targets,
    private readonly active: Set<Duplex>,
    private readonly rate: RateLimiter | null = null,
  ) {}

  /**
   * Relays and keeps both streams in the instance's active set meanwhile (stop() ends them).
   * `a` is always the user- or target-facing socket, the one `rate` applies to.
   */
  private async pipe(a: Duplex, b: Duplex, opts: RelayOptions): Promise<string> {
    this.active.add(a);
    this.active.add(b);
    try {
      return await relay(limitStream(a, this.rate), b, opts);
    } finally {
      this.active.delete(a);
      this.active.delete(b);
    }
  }

  private slotError(where: string): void {
    this.logger.error(`${where}: TCP slot limit reached: ${this.stats.tcps + this.stats.udps}/${this.stats.slotLimit}`);
  }

  /** Applies `block` to a new user connection; null means it was refused and closed. */
  private async screen(user: net.Socket, where: string): Promise<Prefetched | null> {
    if (!anyBlocked(this.cfg.block)) return { head: null, ended: false };
    const r = await sniffBlocked(user, this.cfg.block, BLOCK_SNIFF_MS);
    if (r.blocked) {
      this.logger.warn(`${where}: blocked ${r.blocked} protocol from ${peerAddr(user)}`);
      user.destroy();
      return null;
    }
    return r;
  }

  /**
   * Ingress: a user connection accepted on a target listener. `session` waits for a usable
   * tunnel session (or gives up with null).
   */
  async ingressTcp(user: net.Socket, session: () => Promise<Session | null>): Promise<void> {
    user.on('error', () => {});
    const remote = peerAddr(user);
    if (!this.stats.tryAcquire(false)) {
      this.slotError('commonTCPLoop');
      user.destroy();
      return;
    }
    try {
      const pre = await this.screen(user, 'commonTCPLoop');
      if (!pre) return;
      const s = await session();
      if (!s) {
        this.logger.warn(`commonTCPLoop: request timeout: no tunnel session within ${this.env.poolGetTimeoutMs}ms`);
        closeGracefully(user, LINGER_MS);
        return;
      }
      let conn;
      try {
        conn = await s.pool.incomingGet(this.env.poolGetTimeoutMs);
      } catch (e) {
        this.logger.warn(`commonTCPLoop: request timeout: ${(e as Error).message}`);
        closeGracefully(user, LINGER_MS);
        return;
      }
      s.send({ action: 'tcp', remote, id: conn.id });
      this.logger.debug(`TCP launch signal: cid ${conn.id} -> ${conn.remoteAddr}`);
      const c = conn.claim();
      this.logger.info(`Starting exchange: ${remote} <-> ${conn.remoteAddr}`);
      const result = await this.pipe(user, c.stream, {
        idleMs: this.cfg.readMs,
        halfCloseMs: this.env.halfCloseTimeoutMs,
        counters: this.stats.tcpCounters,
        aHead: pre.head,
        aEnded: pre.ended,
        bHead: c.head,
        bEnded: c.ended,
      });
      this.logger.info(`Exchange complete: ${result}`);
    } finally {
      this.stats.release(false);
    }
  }

  /** Egress: a `tcp` signal names the pooled stream; dial the target and relay. */
  egressTcp(signal: Signal, session: Session): void {
    void session.track(this.egressTcpTask(signal, session));
  }

  private async egressTcpTask(signal: Signal, session: Session): Promise<void> {
    const id = signal.id!;
    this.logger.debug(`TCP launch signal: cid ${id} <- control`);
    let conn;
    try {
      conn = await session.pool.outgoingGet(id, this.env.poolGetTimeoutMs);
    } catch (e) {
      this.logger.error(`commonTCPOnce: request timeout: ${(e as Error).message}`);
      session.pool.addError();
      return;
    }
    const c = conn.claim();
    if (!this.stats.tryAcquire(false)) {
      this.slotError('commonTCPOnce');
      closeGracefully(c.stream, LINGER_MS);
      return;
    }
    try {
      let target: net.Socket;
      try {
        target = await this.targets.dialTcp(this.env.tcpDialTimeoutMs);
      } catch (e) {
        this.logger.error(`commonTCPOnce: dialWithRotation failed: ${(e as Error).message}`);
        closeGracefully(c.stream, LINGER_MS);
        return;
      }
      if (this.cfg.proxy) {
        const header = proxyV1Header(signal.remote ?? '', target.remoteAddress ?? '', target.remotePort ?? 0);
        if (!header) {
          this.logger.error(`commonTCPOnce: sendProxyV1Header failed: invalid remote address ${JSON.stringify(signal.remote ?? '')}`);
          target.destroy();
          closeGracefully(c.stream, LINGER_MS);
          return;
        }
        target.write(header);
        this.stats.tcptx += header.length;
      }
      this.logger.info(`Starting exchange: ${conn.remoteAddr} <-> ${peerAddr(target)}`);
      const result = await this.pipe(target, c.stream, {
        idleMs: this.cfg.readMs,
        halfCloseMs: this.env.halfCloseTimeoutMs,
        counters: this.stats.tcpCounters,
        bHead: c.head,
        bEnded: c.ended,
      });
      this.logger.info(`Exchange complete: ${result}`);
    } finally {
      this.stats.release(false);
    }
  }

  /** Single-end forwarding (§7.12): user → target directly, no tunnel. */
  async singleTcp(user: net.Socket): Promise<void> {
    user.on('error', () => {});
    const remote = peerAddr(user);
    if (!this.stats.tryAcquire(false)) {
      this.slotError('singleTCPLoop');
      user.destroy();
      return;
    }
    try {
      const pre = await this.screen(user, 'singleTCPLoop');
      if (!pre) return;
      let target: net.Socket;
      try {
        target = await this.targets.dialTcp(this.env.tcpDialTimeoutMs);
      } catch (e) {
        this.logger.error(`singleTCPLoop: dialWithRotation failed: ${(e as Error).message}`);
        closeGracefully(user, LINGER_MS);
        return;
      }
      if (this.cfg.proxy) {
        const header = proxyV1Header(remote, target.remoteAddress ?? '', target.remotePort ?? 0);
        if (header) target.write(header);
      }
      this.logger.info(`Starting exchange: ${remote} <-> ${peerAddr(target)}`);
      const result = await this.pipe(user, target, {
        idleMs: this.cfg.readMs,
        halfCloseMs: this.env.halfCloseTimeoutMs,
        counters: this.stats.tcpCounters,
        aHead: pre.head,
        aEnded: pre.ended,
      });
      this.logger.info(`Exchange complete: ${result}`);
    } finally {
      this.stats.release(false);
    }
  }
}
