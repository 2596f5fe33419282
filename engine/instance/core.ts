// What server and client instances share: configuration, logger, statistics, the forwarder,
// waiting for a usable session, live stats events, and stopping.

import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import type { EnvConfig } from '../url/env';
import { goDuration, type TunnelConfig } from '../url/model';
import { isLoopbackIP, isUnspecifiedIP } from '../url/ip';
import { DnsCache } from '../relay/dns';
import { RateLimiter } from '../relay/rate';
import { Targets } from '../relay/targets';
import { TcpForwarder } from './tcp-forwarder';
import type { Logger } from './logger';
import type { Session } from './session';
import { Stats, type StatsSnapshot } from './stats';
import { UdpForwarder } from './udp-forwarder';

export interface CoreOptions {
  cfg: TunnelConfig;
  env: EnvConfig;
  logger: Logger;
  version: string;
  /** Period of structured `stats` events (ms, ≥ 250); 0 = none. */
  statsIntervalMs?: number;
}

export type RunState = 'starting' | 'waiting' | 'running' | 'error' | 'stopped';

export interface StateEvent {
  state: RunState;
  /** Why (the last error line for `error`). */
  message: string;
}

export interface CoreEvents {
  stats: [StatsSnapshot & { time: number }];
  state: [StateEvent];
}

export abstract class TunnelCore extends EventEmitter<CoreEvents> {
  readonly cfg: TunnelConfig;
  readonly env: EnvConfig;
  readonly logger: Logger;
  readonly stats: Stats;
  readonly dns: DnsCache;
  readonly targets: Targets;
  readonly forwarder: TcpForwarder;
  /** `rate` (§7.6): one limiter for every user/target socket of the instance; null = unlimited. */
  readonly rate: RateLimiter | null;
  readonly udp: UdpForwarder;
  readonly version: string;
  protected session: Session | null = null;
  private sessionWaiters: Array<(s: Session | null) => void> = [];
  protected readonly abort = new AbortController();
  private statsTimer: NodeJS.Timeout | null = null;
  state: RunState = 'starting';
  /** Streams of relays in flight, so stop() can end them. */
  readonly active = new Set<Duplex>();

  constructor(o: CoreOptions) {
    super();
    this.cfg = o.cfg;
    this.env = o.env;
    this.logger = o.logger;
    this.version = o.version;
    this.stats = new Stats(o.cfg.slot);
    this.dns = new DnsCache(o.cfg.dnsTtlMs);
    this.targets = new Targets(o.cfg.targets, this.dns, o.cfg.dial, (e) =>
      this.logger.error(`dialWithRotation: fallback to system auto due to dialer failure: ${e.message}`),
    );
    this.rate = RateLimiter.fromMbps(o.cfg.rateMbps);
    this.forwarder = new TcpForwarder(o.cfg, o.env, o.logger, this.stats, this.targets, this.active, this.rate);
    this.udp = new UdpForwarder({
      cfg: o.cfg,
      env: o.env,
      logger: o.logger,
      stats: this.stats,
      targets: this.targets,
      rate: this.rate,
      active: this.active,
    });
    const every = o.statsIntervalMs ?? 0;
    if (every > 0) {
      this.statsTimer = setInterval(() => this.emit('stats', { ...this.stats.snapshot(), time: Date.now() }), Math.max(250, every));
      this.statsTimer.unref();
    }
  }

  get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  protected setState(state: RunState, message = ''): void {
    if (this.state === state && state !== 'error') return;
    this.state = state;
    this.emit('state', { state, message });
  }

  /** The key as printed at info level: a key the user chose is a secret; a port-derived one is not. */
  protected shownKey(): string {
    return this.cfg.keyFromPort || this.logger.enabled('debug') ? this.cfg.key : '***';
  }

  /** The `?dns=…&…` tail of the start line, in NodePass's order. */
  protected queryTail(fields: Array<[string, string | number]>): string {
    return fields.map(([k, v]) => `${k}=${v}`).join('&');
  }

  protected commonTail(): Array<[string, string | number]> {
    const c = this.cfg;
    return [
      ['dial', c.dial],
      ['read', goDuration(c.readMs)],
      ['rate', c.rateMbps],
      ['slot', c.slot],
      ['proxy', c.proxy ? 1 : 0],
      ['block', c.blockText],
      ['notcp', c.notcp ? 1 : 0],
      ['noudp', c.noudp ? 1 : 0],
    ];
  }

  /** A session became usable (verified): hand it to whoever waits. */
  protected publishSession(s: Session): void {
    this.session = s;
    const waiters = this.sessionWaiters.splice(0);
    for (const w of waiters) w(s);
  }

  protected clearSession(s: Session): void {
    if (this.session === s) this.session = null;
  }

  /** The current usable session, waiting up to `timeoutMs` for one. */
  waitSession(timeoutMs: number): Promise<Session | null> {
    const s = this.session;
    if (s && !s.isEnded && s.verifiedNow) return Promise.resolve(s);
    if (this.stopped) return Promise.resolve(null);
    return new Promise((resolve) => {
      const w = (x: Session | null) => {
        clearTimeout(t);
        resolve(x);
      };
      const t = setTimeout(() => {
        const i = this.sessionWaiters.indexOf(w);
        if (i >= 0) this.sessionWaiters.splice(i, 1);
        resolve(null);
      }, timeoutMs);
      this.sessionWaiters.push(w);
    });
  }

  /**
   * Start-up checks that make the process exit 1 in NodePass (§2.2): every target resolves, and
   * no target is the tunnel port itself on a loopback or unspecified address.
   */
  async checkAddresses(): Promise<void> {
    const c = this.cfg;
    const tunnelIp = c.tunnel.host === '' ? '' : (await this.dns.resolve(c.tunnel.host).catch(() => ({ address: c.tunnel.host }))).address;
    for (const t of c.targets) {
      let ip: string;
      try {
        ip = (await this.dns.resolve(t.host)).address;
      } catch (e) {
        throw new Error(`resolve target ${t.addr}: ${(e as Error).message}`);
      }
      if (t.port === c.tunnel.port && (isLoopbackIP(ip) || tunnelIp === '' || isUnspecifiedIP(tunnelIp))) {
        throw new Error(`tunnel port ${c.tunnel.port} conflicts with target address ${t.addr}`);
      }
    }
  }

  /** Runs until stop(); implemented by server, client and single-end. */
  abstract run(): Promise<void>;

  /** Releases listeners and sessions; called by stop(). */
  protected abstract teardown(): Promise<void>;

  async stop(): Promise<void> {
    if (this.abort.signal.aborted) return;
    this.abort.abort();
    if (this.statsTimer) clearInterval(this.statsTimer);
    for (const w of this.sessionWaiters.splice(0)) w(null);
    await this.teardown();
    this.udp.closeAll();
    for (const s of this.active) s.destroy();
    this.active.clear();
    this.setState('stopped');
  }
}
