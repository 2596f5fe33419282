// One tunnel session (spec §4.3–§4.6): the control channel (pooled stream 00000000), signal
// reading and dispatch, ping/pong and CHECK_POINT, flush, and the TLS fingerprint `verify`.
// Server and client run the same session; only who is ingress differs.

import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import type { EnvConfig } from '../url/env';
import type { ClientPool } from '../pool/client-pool';
import { CONTROL_ID } from '../pool/pool';
import type { PoolConn } from '../pool/pool-conn';
import type { ServerPool } from '../pool/server-pool';
import { decodeSignal, encodeSignal, LineSplitter, type Signal } from '../wire/signal';
import { certFingerprint } from '../tls/fingerprint';
import type { Logger } from './logger';
import { checkPointLine, type Stats } from './stats';

export type TunnelPool = ServerPool | ClientPool;

/** Features both peers support (negotiated in the handshake); empty with a Go NodePass peer. */
export const FEATURE_VERIFY_CONTROL = 'verify-control';

export interface SignalHandlers {
  /** A `tcp` signal from the ingress side: take pooled stream `id` and dial the target. */
  tcp(signal: Signal, session: Session): void;
  /** A `udp` signal from the ingress side. */
  udp(signal: Signal, session: Session): void;
}

export interface SessionOptions {
  side: 'server' | 'client';
  key: string;
  pool: TunnelPool;
  control: PoolConn;
  tls: 0 | 1 | 2;
  /** Server: fingerprint of the certificate it serves. */
  ownFingerprint: (() => string) | null;
  ourPeer: boolean;
  /** Wire extensions both peers agreed on in the handshake (empty with a Go NodePass). */
  features?: readonly string[];
  env: EnvConfig;
  logger: Logger;
  stats: Stats;
  handlers: SignalHandlers;
  /** The longest signal line accepted (a hostile peer cannot make us buffer more). */
  maxLine?: number;
}

/**
 * Why a session ended; the message is what `Server error:` / `Client error:` reports. `peerGone`
 * marks the ordinary end of a session (the peer closed, stopped answering or was replaced) as
 * opposed to a failure (verification, timeouts while setting up).
 */
export class SessionEnd extends Error {
  constructor(
    message: string,
    readonly peerGone: boolean,
  ) {
    super(message);
  }
}

export class Session extends EventEmitter {
  readonly pool: TunnelPool;
  readonly control: Duplex;
  private readonly keyBytes: Buffer;
  private readonly logger: Logger;
  private lastRead = Date.now();
  private pingSentAt = 0;
  private healthTimer: NodeJS.Timeout | null = null;
  private ended = false;
  private endResolve!: (e: SessionEnd) => void;
  /** Resolves with why the session ended (never rejects). */
  readonly done: Promise<SessionEnd>;
  private verifyResolve!: () => void;
  /** Resolves when the ingress side may accept traffic (after `verify` at tls=1). */
  readonly verified: Promise<void>;
  private isVerified = false;
  private inflight = 0;
  /** The fingerprint the client saw on the control stream (all pooled streams must match it). */
  readonly peerFingerprint: string;

  constructor(private readonly opts: SessionOptions) {
    super();
    this.pool = opts.pool;
    this.logger = opts.logger;
    this.keyBytes = Buffer.from(opts.key, 'utf8');
    const claimed = opts.control.claim();
    this.control = claimed.stream;
    this.peerFingerprint = opts.control.peerCert ? certFingerprint(opts.control.peerCert) : '';
    this.done = new Promise((r) => (this.endResolve = r));
    this.verified = new Promise((r) => (this.verifyResolve = r));
    // tls=2 is verified by the certificate chain itself; tls=0 has nothing to verify.
    if (opts.tls !== 1) this.markVerified();

    const splitter = new LineSplitter(
      opts.maxLine ?? 64 * 1024,
      (line) => this.onLine(line),
      (n) => this.logger.error(`commonQueue: signal line of ${n} bytes exceeds the limit, dropped`),
    );
    this.control.on('data', (chunk: Buffer) => {
      this.lastRead = Date.now();
      splitter.push(chunk);
    });
    if (claimed.head) splitter.push(claimed.head);
    this.control.on('end', () => this.end('commonQueue: readBytes failed: EOF', true));
    this.control.on('close', () => this.end('commonQueue: control connection closed', true));
    this.control.on('error', (e: Error) => this.end(`commonQueue: readBytes failed: ${e.message}`, true));
    if (claimed.ended) queueMicrotask(() => this.end('commonQueue: readBytes failed: EOF', true));
    this.control.resume();
  }

  get env(): EnvConfig {
    return this.opts.env;
  }

  /** Whether both peers agreed on a wire extension (e.g. `udp-frames`) in the handshake. */
  hasFeature(name: string): boolean {
    return this.opts.features?.includes(name) ?? false;
  }

  get side(): 'server' | 'client' {
    return this.opts.side;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** Starts the health loop and the verify exchange. */
  start(): void {
    const report = this.opts.env.reportIntervalMs;
    if (this.opts.tls !== 0) {
      this.logger.info('TLS certificate fingerprint verifying...');
      // A v1.14 server at tls=2 has no certificate of its own to compare with and ends the
      // session on any `verify` it receives; the chain check has already authenticated it.
      if (!(this.opts.tls === 2 && this.opts.side === 'client' && !this.opts.ourPeer)) void this.sendVerify();
    }
    this.healthTick();
    this.healthTimer = setInterval(() => this.healthTick(), report);
  }

  private healthTick(): void {
    if (this.ended) return;
    const report = this.opts.env.reportIntervalMs;
    if (Date.now() - this.lastRead > 3 * report) {
      this.end(`commonQueue: readBytes failed: read timeout after ${3 * report}ms`, true);
      return;
    }
    if (this.pool.errors() > Math.floor(this.pool.active() / 2)) {
      this.send({ action: 'flush' });
      this.pool.flush();
      this.pool.resetErrors();
      this.logger.debug(`Tunnel pool flushed: ${this.pool.active()} active connections`);
    }
    this.pingSentAt = Date.now();
    this.send({ action: 'ping' });
  }

  send(signal: Signal): void {
    if (this.ended) return;
    this.control.write(encodeSignal(signal, this.keyBytes));
  }

  private onLine(line: Buffer): void {
    if (this.ended) return;
    const r = decodeSignal(line, this.keyBytes);
    if (!r.ok) {
      this.logger.error(`commonQueue: ${r.error}`);
      return;
    }
    const s = r.signal;
    switch (s.action) {
      case 'ping':
        this.send({ action: 'pong' });
        break;
      case 'pong': {
        const ping = this.pingSentAt > 0 ? Date.now() - this.pingSentAt : 0;
        this.opts.stats.ping = ping;
        this.emit('pong', ping);
        this.logger.event(checkPointLine(this.opts.stats.snapshot()));
        break;
      }
      case 'flush':
        this.pool.flush();
        this.pool.resetErrors();
        this.logger.debug(`Tunnel pool flushed: ${this.pool.active()} active connections`);
        break;
      case 'verify':
        if (this.opts.tls !== 0) this.onVerify(s);
        break;
      case 'tcp':
        if (this.admit(s)) this.opts.handlers.tcp(s, this);
        break;
      case 'udp':
        if (this.admit(s)) this.opts.handlers.udp(s, this);
        break;
      default:
        this.logger.debug(`commonOnce: ignoring unknown signal action ${JSON.stringify(s.action.slice(0, 32))}`);
    }
  }

  /** Bounds the launch signals being handled at once (NP_SEMAPHORE_LIMIT). */
  private admit(s: Signal): boolean {
    if (!s.id || !/^[0-9a-f]{8}$/.test(s.id)) {
      this.logger.error(`commonOnce: ${s.action} signal with invalid id ${JSON.stringify(s.id ?? '')}`);
      return false;
    }
    if (this.inflight >= this.opts.env.semaphoreLimit) {
      this.logger.error(`commonQueue: queue limit reached: ${this.opts.env.semaphoreLimit}`);
      return false;
    }
    return true;
  }

  /** Wraps an egress task so the signal limit counts it while it runs. */
  track<T>(p: Promise<T>): Promise<T> {
    this.inflight++;
    return p.finally(() => this.inflight--);
  }

  private ownViewFingerprint(): string {
    return this.opts.side === 'server' ? (this.opts.ownFingerprint?.() ?? '') : this.peerFingerprint;
  }

  /**
   * Sends our view of the certificate. Between two NodePass Desktop peers it names the control
   * stream (nothing consumed, no race with user traffic); a Go peer expects an idle pooled stream.
   */
  private async sendVerify(): Promise<void> {
    const fp = this.ownViewFingerprint();
    if (this.opts.ourPeer) {
      this.send({ action: 'verify', id: CONTROL_ID, fp });
      return;
    }
    try {
      const conn = await this.pool.incomingGet(this.opts.env.poolGetTimeoutMs);
      this.send({ action: 'verify', id: conn.id, fp });
      this.logger.debug(`TLS verify signal: cid ${conn.id} -> ${conn.remoteAddr}`);
      // The peer takes this stream by its ID and closes it when done: close ours gracefully so
      // the ID (already on the wire) is not wiped out by a reset.
      conn.release();
    } catch (e) {
      this.end(`incomingVerify: incomingGet failed: ${(e as Error).message}`);
    }
  }

  private onVerify(s: Signal): void {
    if (s.id && s.id !== CONTROL_ID) {
      // The peer parked a pooled stream for this check; take it out of the pool and close it.
      this.pool.outgoingGet(s.id, this.opts.env.poolGetTimeoutMs).then(
        (c) => c.release(),
        () => this.logger.debug(`outgoingVerify: pooled connection ${s.id} not found`),
      );
    }
    const theirs = s.fp ?? '';
    if (theirs === '') {
      if (this.opts.tls === 2) {
        // NodePass v1.14 servers send an empty fingerprint at tls=2 (spec §10.2 #1); the chain
        // check already authenticated the server, so accept rather than loop.
        this.markVerified();
        return;
      }
      this.end('outgoingVerify: no fingerprint in signal');
      return;
    }
    const mine = this.ownViewFingerprint();
    if (mine === '') {
      if (this.opts.tls === 2) {
        this.markVerified();
        return;
      }
      this.end('outgoingVerify: no local certificate');
      return;
    }
    if (mine !== theirs) {
      const [server, client] = this.opts.side === 'server' ? [mine, theirs] : [theirs, mine];
      this.end(`outgoingVerify: certificate fingerprint mismatch: server: ${server} - client: ${client}`);
      return;
    }
    this.logger.info(`TLS certificate fingerprint verified: ${theirs}`);
    this.markVerified();
  }

  private markVerified(): void {
    if (this.isVerified) return;
    this.isVerified = true;
    this.verifyResolve();
  }

  get verifiedNow(): boolean {
    return this.isVerified;
  }

  /** Ends the session (idempotent). The pool and the control stream are closed. */
  end(reason: string, peerGone = false): void {
    if (this.ended) return;
    this.ended = true;
    if (this.healthTimer) clearInterval(this.healthTimer);
    this.control.destroy();
    this.pool.close();
    this.endResolve(new SessionEnd(reason, peerGone));
  }
}
