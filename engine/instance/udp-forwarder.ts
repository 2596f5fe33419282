// The UDP paths of spec §7.3 and §7.12: ingress (datagrams on a listener → one pooled stream per
// client address + `udp` signal), egress (a `udp` signal → a connected socket to the target) and
// single-end (listener → target directly). Owned by the instance, so it outlives tunnel sessions.
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
import type { Duplex } from 'node:stream';
import type { EnvConfig } from '../url/env';
import type { TunnelConfig } from '../url/model';
import { joinHostPort, normaliseIp } from '../url/ip';
import { FEATURE_UDP_FRAMES } from '../wire/http';
import type { Signal } from '../wire/signal';

import type { RateLimiter } from '../relay/rate';
import type { Targets } from '../relay/targets';
import { DatagramChannel } from '../relay/datagram-channel';
import type { Logger } from './logger';
import type { Session } from './session';
import type { Stats } from './stats';

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

/** Datagrams held per session while its pooled stream or target socket is being set up. */
const PENDING_LIMIT = 256 * 1024;

/**
 * Kernel receive buffers asked for (capped by net.core.rmem_max): a listener takes bursts from
 * many clients at once, and the default (~200 KB) holds fewer than 100 full-size datagrams.
 */
const LISTENER_RCVBUF = 4 * 1024 * 1024;
const SESSION_RCVBUF = 1024 * 1024;

export function growBuffers(sock: dgram.Socket, bytes: number): void {
  try {
    if (sock.getRecvBufferSize() < bytes) sock.setRecvBufferSize(bytes);
    if (sock.getSendBufferSize() < bytes) sock.setSendBufferSize(bytes);
  } catch {
    // Not permitted or not bound yet: the defaults still work, just with less headroom.
  }
}

/** Anything with an idle clock that the sweeper may expire. */
interface Expirable {
  lastActive: number;
  close(why: string): void;
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
    growBuffers(sock, LISTENER_RCVBUF);
    const port = new ListenerPort<IngressSession>(this, sock, 'commonUDPLoop', (p, key, r) => new IngressSession(this, p, session, key, r.address, r.port));
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

  /** @internal */
  egressEnded(s: EgressSession): void {
    if (this.egressSessions.get(s.key) === s) this.egressSessions.delete(s.key);
  }

  // ---- single-end: the client's own tunnel address (§7.12) ----

  singleEnd(sock: dgram.Socket): void {
    growBuffers(sock, LISTENER_RCVBUF);
    const port = new ListenerPort<SingleSession>(this, sock, 'singleUDPLoop', (p, key, r) => new SingleSession(this, p, key, r.address, r.port));
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
}

function clientKey(rinfo: dgram.RemoteInfo): string {
  return joinHostPort(normaliseIp(rinfo.address), rinfo.port);
}

/** Sends a datagram to a client through a listener, ignoring errors (the client may be gone). */
function sendTo(sock: dgram.Socket, payload: Buffer, port: number, address: string): void {
  try {
    // No callback: a synchronous send then costs no extra tick, and failures are dropped
    // datagrams, which is what UDP means anyway.
    sock.send(payload, port, address);
  } catch {
    // the listener closed meanwhile
  }
}

// ---------------------------------------------------------------------------------------------
// Ingress

/** What a listener port needs from the per-client sessions it creates. */
interface PortSession extends Expirable {
  readonly key: string;
  open(): Promise<void>;
  fromClient(msg: Buffer): void;
}

/**
 * A UDP listener (a target address, or the tunnel address in single-end mode) and its sessions,
 * keyed by the client's `ip:port`. Ingress and single-end differ only in the session they create.
 */
class ListenerPort<S extends PortSession> {
  private readonly sessions = new Map<string, S>();

  constructor(
    private readonly fw: UdpForwarder,
    readonly sock: dgram.Socket,
    /** Log prefix: `commonUDPLoop` or `singleUDPLoop`, as NodePass names them. */
    private readonly where: string,
    private readonly create: (port: ListenerPort<S>, key: string, rinfo: dgram.RemoteInfo) => S,
  ) {
    sock.on('error', (e: Error) => fw.deps.logger.debug(`${where}: ${e.message}`));
    sock.on('message', (msg: Buffer, rinfo: dgram.RemoteInfo) => {
      // RX counts what the listener read from clients (§7.2), refused datagrams included.
      fw.deps.stats.udprx += msg.length;
      const rate = fw.rate;
      if (rate) rate.udpRead.run(msg.length, () => this.dispatch(msg, rinfo));
      else this.dispatch(msg, rinfo);
    });
  }

  get size(): number {
    return this.sessions.size;
  }

  private dispatch(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    if (this.fw.isClosed) return;
    const key = clientKey(rinfo);
    let s = this.sessions.get(key);
    if (!s) {
      if (msg.length > this.fw.deps.env.udpDataBufSize) {
        this.fw.deps.logger.debug(`${this.where}: dropped a ${msg.length}-byte datagram from ${key} (NP_UDP_DATA_BUF_SIZE=${this.fw.deps.env.udpDataBufSize})`);
        return;
      }
      if (!this.fw.acquireSlot(this.where)) return;
      s = this.create(this, key, rinfo);
      this.sessions.set(key, s);
      void s.open();
    }
    s.fromClient(msg);
  }

  /** @internal */
  ended(s: S): void {
    if (this.sessions.get(s.key) === s) this.sessions.delete(s.key);
  }

  expire(limit: number, why: string): void {
    for (const s of [...this.sessions.values()]) if (s.lastActive <= limit) s.close(why);
  }

  closeAll(why: string): void {
    for (const s of [...this.sessions.values()]) s.close(why);
  }
}

class IngressSession implements Expirable {
  lastActive = Date.now();
  closed = false;
  private channel: DatagramChannel | null = null;
  private tunnel: Session | null = null;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private warnedOversize = false;

  constructor(
    private readonly fw: UdpForwarder,
    private readonly port: ListenerPort<IngressSession>,
    private readonly tunnelSession: () => Promise<Session | null>,
    readonly key: string,
    private readonly address: string,
    private readonly clientPort: number,
  ) {}

  async open(): Promise<void> {
    const { env, logger } = this.fw.deps;
    const tunnel = await this.tunnelSession();
    if (this.closed) return;
    if (!tunnel) {
      logger.warn(`commonUDPLoop: request timeout: no tunnel session within ${env.poolGetTimeoutMs}ms`);
      this.close('no tunnel session');
      return;
    }
    let conn;
    try {
      conn = await tunnel.pool.incomingGet(env.poolGetTimeoutMs);
    } catch (e) {
      logger.warn(`commonUDPLoop: request timeout: ${(e as Error).message}`);
      this.close('no pooled connection');
      return;
    }
    if (this.closed || tunnel.isEnded) {
      conn.close();
      this.close('tunnel session ended');
      return;
    }
    tunnel.send({ action: 'udp', remote: this.key, id: conn.id });
    logger.debug(`UDP launch signal: cid ${conn.id} -> ${conn.remoteAddr}`);
    const c = conn.claim();
    this.tunnel = tunnel;
    this.fw.bindTunnel(tunnel, this);
    this.fw.deps.active.add(c.stream);
    c.stream.once('close', () => this.fw.deps.active.delete(c.stream));
    const channel = new DatagramChannel(
      c.stream,
      { framing: this.fw.framingOf(tunnel), maxDatagram: env.udpDataBufSize },
      {
        datagram: (p) => this.toClient(p),
        closed: (why) => this.close(why),
        dropped: (why, n) => this.dropped(why, n),
      },
    );
    this.channel = channel;
    logger.debug(`Starting transfer: ${this.key} <-> ${conn.remoteAddr}`);
    channel.start(c.chunks, c.ended);
    const queued = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    for (const p of queued) channel.send(p);
  }

  fromClient(msg: Buffer): void {
    this.lastActive = Date.now();
    if (this.channel) {
      this.channel.send(msg);
      return;
    }
    if (msg.length > this.fw.deps.env.udpDataBufSize) {
      this.dropped('oversize', msg.length);
      return;
    }
    if (this.pendingBytes + msg.length > PENDING_LIMIT) return;
    this.pending.push(msg);
    this.pendingBytes += msg.length;
  }

  private toClient(p: Buffer): void {
    this.lastActive = Date.now();
    const rate = this.fw.rate;
    if (rate) rate.udpWrite.run(p.length, () => this.deliver(p));
    else this.deliver(p);
  }

  private deliver(p: Buffer): void {
    this.fw.deps.stats.udptx += p.length;
    sendTo(this.port.sock, p, this.clientPort, this.address);
  }

  private dropped(why: 'oversize' | 'backlog', n: number): void {
    if (why === 'oversize' && !this.warnedOversize) {
      this.warnedOversize = true;
      this.fw.deps.logger.warn(
        `commonUDPLoop: dropped a ${n}-byte datagram for ${this.key}: larger than NP_UDP_DATA_BUF_SIZE=${this.fw.deps.env.udpDataBufSize}`,
      );
    }
  }

  close(why: string): void {
    if (this.closed) return;
    this.closed = true;
    this.pending = [];
    this.port.ended(this);
    this.fw.deps.stats.release(true);
    if (this.tunnel) this.fw.unbindTunnel(this.tunnel, this);
    this.channel?.close(why);
    this.fw.deps.logger.debug(`UDP session closed: ${this.key}: ${why}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Egress

class EgressSession implements Expirable {
  lastActive = Date.now();
  closed = false;
  private channel: DatagramChannel | null = null;
  private tunnel: Session | null = null;
  private target: dgram.Socket | null = null;
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(
    private readonly fw: UdpForwarder,
    readonly key: string,
  ) {}

  /** Uses this pooled stream from now on (a previous one is closed). */
  attach(tunnel: Session, stream: Duplex, head: Buffer[], ended: boolean): void {
    const { env, active } = this.fw.deps;
    const old = this.channel;
    if (this.tunnel && this.tunnel !== tunnel) this.fw.unbindTunnel(this.tunnel, this);
    this.tunnel = tunnel;
    this.fw.bindTunnel(tunnel, this);
    active.add(stream);
    stream.once('close', () => active.delete(stream));
    const channel: DatagramChannel = new DatagramChannel(
      stream,
      { framing: this.fw.framingOf(tunnel), maxDatagram: env.udpDataBufSize },
      {
        datagram: (p) => this.toTarget(p),
        // Only the current stream ending ends the session; a replaced one just goes.
        closed: (why) => {
          if (this.channel === channel) this.close(why);
        },
      },
    );
    this.channel = channel;
    this.lastActive = Date.now();
    old?.close('replaced');
    channel.start(head, ended);
  }

  setTarget(sock: dgram.Socket): void {
    const { logger, stats } = this.fw.deps;
    this.target = sock;
    growBuffers(sock, SESSION_RCVBUF);
    sock.on('error', (e: NodeJS.ErrnoException) => {
      // ECONNREFUSED: the target port is closed right now; UDP carries on regardless.
      logger.debug(`commonUDPOnce: target ${this.key}: ${e.code ?? e.message}`);
    });
    sock.on('message', (msg: Buffer) => {
      this.lastActive = Date.now();
      stats.udprx += msg.length;
      const rate = this.fw.rate;
      if (rate) rate.udpRead.run(msg.length, () => this.channel?.send(msg));
      else this.channel?.send(msg);
    });
    const remote = sock.remoteAddress();
    logger.debug(`Starting transfer: ${this.key} <-> ${joinHostPort(remote.address, remote.port)}`);
    const queued = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    for (const p of queued) this.toTarget(p);
  }

  private toTarget(p: Buffer): void {
    this.lastActive = Date.now();
    const target = this.target;
    if (!target) {
      if (this.pendingBytes + p.length <= PENDING_LIMIT) {
        this.pending.push(p);
        this.pendingBytes += p.length;
      }
      return;
    }
    const rate = this.fw.rate;
    if (rate) rate.udpWrite.run(p.length, () => this.deliver(target, p));
    else this.deliver(target, p);
  }

  private deliver(target: dgram.Socket, p: Buffer): void {
    if (this.target !== target) return;
    this.fw.deps.stats.udptx += p.length;
    try {
      target.send(p);
    } catch {
      // closed meanwhile
    }
  }

  close(why: string): void {
    if (this.closed) return;
    this.closed = true;
    this.pending = [];
    this.fw.egressEnded(this);
    this.fw.deps.stats.release(true);
    if (this.tunnel) this.fw.unbindTunnel(this.tunnel, this);
    this.channel?.close(why);
    const t = this.target;
    this.target = null;
    try {
      t?.close();
    } catch {
      // already closed
    }
    this.fw.deps.logger.debug(`UDP session closed: ${this.key}: ${why}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Single-end

class SingleSession implements Expirable {
  lastActive = Date.now();
  closed = false;
  private target: dgram.Socket | null = null;
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(
    private readonly fw: UdpForwarder,
    private readonly port: ListenerPort<SingleSession>,
    readonly key: string,
    private readonly address: string,
    private readonly clientPort: number,
  ) {}

  async open(): Promise<void> {
    const { env, logger } = this.fw.deps;
    let sock: dgram.Socket;
    try {
      sock = await this.fw.deps.targets.dialUdp(env.udpDialTimeoutMs);
    } catch (e) {
      logger.error(`singleUDPLoop: dialWithRotation failed: ${(e as Error).message}`);
      this.close('dial failed');
      return;
    }
    if (this.closed) {
      sock.close();
      return;
    }
    this.target = sock;
    growBuffers(sock, SESSION_RCVBUF);
    sock.on('error', (e: NodeJS.ErrnoException) => logger.debug(`singleUDPLoop: target for ${this.key}: ${e.code ?? e.message}`));
    sock.on('message', (msg: Buffer) => {
      this.lastActive = Date.now();
      if (msg.length > env.udpDataBufSize) return;
      const rate = this.fw.rate;
      if (rate) rate.udpWrite.run(msg.length, () => this.deliver(msg));
      else this.deliver(msg);
    });
    const remote = sock.remoteAddress();
    logger.debug(`Starting transfer: ${this.key} <-> ${joinHostPort(remote.address, remote.port)}`);
    const queued = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    for (const p of queued) this.send(sock, p);
  }

  private deliver(msg: Buffer): void {
    this.fw.deps.stats.udptx += msg.length;
    sendTo(this.port.sock, msg, this.clientPort, this.address);
  }

  fromClient(msg: Buffer): void {
    this.lastActive = Date.now();
    if (msg.length > this.fw.deps.env.udpDataBufSize) {
      this.fw.deps.logger.debug(`singleUDPLoop: dropped a ${msg.length}-byte datagram (NP_UDP_DATA_BUF_SIZE=${this.fw.deps.env.udpDataBufSize})`);
      return;
    }
    if (this.target) {
      this.send(this.target, msg);
      return;
    }
    if (this.pendingBytes + msg.length > PENDING_LIMIT) return;
    this.pending.push(msg);
    this.pendingBytes += msg.length;
  }

  private send(sock: dgram.Socket, msg: Buffer): void {
    try {
      sock.send(msg);
    } catch {
      // closed meanwhile
    }
  }

  close(why: string): void {
    if (this.closed) return;
    this.closed = true;
    this.pending = [];
    this.port.ended(this);
    this.fw.deps.stats.release(true);
    const t = this.target;
    this.target = null;
    try {
      t?.close();
    } catch {
      // already closed
    }
    this.fw.deps.logger.debug(`UDP session closed: ${this.key}: ${why}`);
  }
}
