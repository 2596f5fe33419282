// The UDP paths of spec §7.3 and §7.12: ingress (datagrams on a listener → one pooled stream per
// client address + `udp` signal), egress (a `udp` signal → a connected socket to the target) and
// single-end (listener → target directly). Owned by the instance, so it outlives tunnel sessions.
// This file keeps the books (slots, the idle sweeper, which UDP sessions ride on which tunnel
// session); the sessions are udp-ingress.ts, udp-egress.ts and udp-single.ts, the listeners
// udp-listener.ts.
//
// Better than NodePass:
// - a session expires when nothing moved in either direction for NP_UDP_READ_TIMEOUT (NodePass
//   times out on one direction only, cutting one-way flows such as syslog or video);
// - a new client does not stall the listener while its pooled stream is fetched (its first
//   datagrams wait in a small queue instead);
// - between our own peers datagrams are framed (relay/datagram-channel.ts), so boundaries survive;
// - errors on a socket (ECONNREFUSED while a target is down) end nothing; sessions, slots, pooled
//   streams and sockets are released on expiry, errors, the end of a tunnel session and shutdown.

import type dgram from 'node:dgram';
import { TLSSocket } from 'node:tls';
import type { Duplex } from 'node:stream';
import type { EnvConfig } from '../url/env';
import type { TunnelConfig } from '../url/model';
import { FEATURE_UDP_FRAMES } from '../wire/http';
import type { Signal } from '../wire/signal';
import type { RateLimiter } from '../relay/rate';
import type { Targets } from '../relay/targets';
import type { ChannelOptions } from '../relay/datagram-channel';
import type { Logger } from './logger';
import type { Session } from './session';
import type { Stats } from './stats';
import { EgressSession } from './udp-egress';
import { IngressSession } from './udp-ingress';
import { ListenerPort } from './udp-listener';
import type { Expirable } from './udp-session';
import { SingleSession } from './udp-single';

export interface UdpDeps {
  cfg: TunnelConfig;
  env: EnvConfig;
  logger: Logger;
  stats: Stats;
  targets: Targets;
  rate: RateLimiter | null;
  /** Streams in use, so stop() can end them. */
  active: Set<Duplex>;
}

export class UdpForwarder {
  private readonly ports = new Set<ListenerPort<IngressSession>>();
  private readonly egressSessions = new Map<string, EgressSession>();
  private single: ListenerPort<SingleSession> | null = null;
  private readonly byTunnel = new Map<Session, Set<Expirable>>();
  private sweeper: NodeJS.Timeout | null = null;
  private closed = false;
  private lastSlotLog = 0;
  private slotRefusals = 0;

  constructor(readonly deps: UdpDeps) {}

  // ---- ingress: a listener on the target address (reverse server, or client with flow `+`) ----

  ingress(sock: dgram.Socket, session: () => Promise<Session | null>): void {
    const port = new ListenerPort<IngressSession>(this, sock, 'commonUDPLoop', (p, key, r) => new IngressSession(this, p, session, key, r));
    this.ports.add(port);
    sock.once('close', () => {
      this.ports.delete(port);
      port.closeAll('listener closed');
    });
    this.ensureSweeper();
  }

  // ---- egress: a `udp` signal from the ingress side ----

  egress(signal: Signal, tunnel: Session): void {
    void tunnel.track(this.egressTask(signal, tunnel));
  }

  private async egressTask(signal: Signal, tunnel: Session): Promise<void> {
    const { env, logger } = this.deps;
    const id = signal.id!;
    const key = signal.remote ?? '';
    logger.debug(`UDP launch signal: cid ${id} <- control`);
    let conn;
    try {
      conn = await tunnel.pool.outgoingGet(id, env.poolGetTimeoutMs);
    } catch (e) {
      logger.error(`commonUDPOnce: request timeout: ${(e as Error).message}`);
      tunnel.pool.addError();
      return;
    }
    const claimed = conn.claim();
    if (this.closed || tunnel.isEnded) {
      claimed.stream.destroy();
      return;
    }
    const existing = this.egressSessions.get(key);
    if (existing && !existing.closed) {
      // The ingress side opened a new stream for a client we still serve: keep the target socket
      // (the target keeps seeing the same source port) and move to the new stream.
      existing.attach(tunnel, claimed.stream, claimed.chunks, claimed.ended);
      return;
    }
    if (!this.acquireSlot('commonUDPOnce')) {
      claimed.stream.destroy();
      return;
    }
    const s = new EgressSession(this, key);
    this.egressSessions.set(key, s);
    s.attach(tunnel, claimed.stream, claimed.chunks, claimed.ended);
    this.ensureSweeper();
    let target: dgram.Socket;
    try {
      target = await this.deps.targets.dialUdp(env.udpDialTimeoutMs);
    } catch (e) {
      logger.error(`commonUDPOnce: dialWithRotation failed: ${(e as Error).message}`);
      s.close('dial failed');
      return;
    }
    if (s.closed || this.closed) {
      target.close();
      return;
    }
    s.setTarget(target);
  }

  /** An egress session closed: forget it. */
  egressEnded(s: EgressSession): void {
    if (this.egressSessions.get(s.key) === s) this.egressSessions.delete(s.key);
  }

  // ---- single-end: the client's own tunnel address (§7.12) ----

  singleEnd(sock: dgram.Socket): void {
    const port = new ListenerPort<SingleSession>(this, sock, 'singleUDPLoop', (p, key, r) => new SingleSession(this, p, key, r));
    this.single = port;
    sock.once('close', () => {
      if (this.single === port) this.single = null;
      port.closeAll('listener closed');
    });
    this.ensureSweeper();
  }

  // ---- shared bookkeeping ----

  /** Takes a UDP slot, logging (at most once a second) when the limit refuses it. */
  acquireSlot(where: string): boolean {
    const { stats, logger } = this.deps;
    if (stats.tryAcquire(true)) return true;
    this.slotRefusals++;
    const now = Date.now();
    if (now - this.lastSlotLog >= 1000) {
      const more = this.slotRefusals > 1 ? ` (${this.slotRefusals} datagrams refused)` : '';
      logger.error(`${where}: UDP slot limit reached: ${stats.tcps + stats.udps}/${stats.slotLimit}${more}`);
      this.lastSlotLog = now;
      this.slotRefusals = 0;
    }
    return false;
  }

  /** Ties a UDP session to a tunnel session: when the tunnel goes, so does the UDP session. */
  bindTunnel(tunnel: Session, e: Expirable): void {
    let set = this.byTunnel.get(tunnel);
    if (!set) {
      const fresh = new Set<Expirable>();
      set = fresh;
      this.byTunnel.set(tunnel, fresh);
      void tunnel.done.then(() => {
        this.byTunnel.delete(tunnel);
        for (const x of [...fresh]) x.close('tunnel session ended');
      });
    }
    set.add(e);
  }

  unbindTunnel(tunnel: Session, e: Expirable): void {
    this.byTunnel.get(tunnel)?.delete(e);
  }

  private ensureSweeper(): void {
    if (this.sweeper || this.closed) return;
    const idle = this.deps.env.udpReadTimeoutMs;
    this.sweeper = setInterval(() => this.sweep(), Math.max(50, Math.min(1000, Math.floor(idle / 4))));
    this.sweeper.unref();
  }

  private sweep(): void {
    const idle = this.deps.env.udpReadTimeoutMs;
    const limit = Date.now() - idle;
    const why = `UDP session abort: no datagram for ${idle}ms`;
    for (const p of this.ports) p.expire(limit, why);
    this.single?.expire(limit, why);
    for (const s of [...this.egressSessions.values()]) if (s.lastActive <= limit) s.close(why);
  }

  /** Shutdown: every session, socket and stream goes. */
  closeAll(): void {
    this.closed = true;
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
    for (const p of this.ports) p.closeAll('shutdown');
    this.single?.closeAll('shutdown');
    for (const s of [...this.egressSessions.values()]) s.close('shutdown');
    this.deps.rate?.udpRead.clear();
    this.deps.rate?.udpWrite.clear();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** The `rate` limiter, or null: hot paths test it once and skip the delay line entirely. */
  get rate(): RateLimiter | null {
    return this.deps.rate;
  }

  framingOf(tunnel: Session): 'frames' | 'raw' {
    return tunnel.hasFeature(FEATURE_UDP_FRAMES) ? 'frames' : 'raw';
  }

  /** How datagrams travel on this pooled stream, given the tunnel's peer. */
  channelOptions(tunnel: Session, stream: Duplex): ChannelOptions {
    const framing = this.framingOf(tunnel);
    const opts: ChannelOptions = { framing, maxDatagram: this.deps.env.udpDataBufSize };
    // A Go peer's TLS stream (type 0) cuts a datagram in records by its own rules; the server's
    // record 0 was the ID.
    if (framing === 'raw' && stream instanceof TLSSocket) opts.goRecordsBefore = tunnel.side === 'client' ? 1 : 0;
    return opts;
  }
}
