// The v1.14 client in dual-end mode (Go: Client.Run / commonStart), as a test peer.
//
// observed (log=debug): `Client started: client://…`, `Pending tunnel handshake...`,
// `Loading tunnel config: FLOW=…|MAX=…|TLS=…|TYPE=…`, `Getting tunnel pool ready...`,
// `Marking tunnel handshake as complete in Nms`; any failure logs `Client error: …`, tears
// everything down, and the next attempt starts 3 s later with `Client restart: …` (fixed, no
// back-off; observed: 24.006 → 27.013, 32.084 → 35.092).
// observed: with flow `+` the client binds the target address (TCP and UDP) after the control
// connection is up and accepts users only once `verify` has passed (tls=1/2).

import type { ClientTlsConfig } from './tls';
import { Common, type CommonOptions } from './common';
import { dialTcp } from './conn';
import { commonControl, setControlConn } from './control';
import { Chan, sleep } from './go';
import { clientHandshake } from './handshake';
import { TcpPool } from './pool';
import { H2ClientPool } from './h2';
import { commonLoop } from './tcp';
import { defaultKey } from './wire';

export interface V114ClientOptions extends Omit<CommonOptions, 'name' | 'key'> {
  /** The server's tunnel address. */
  tunnel: { host: string; port: number };
  /** Default: derived from the port, as Go does for a URL without one. */
  key?: string;
  /** `min` (default 64). */
  min?: number;
  /** `sni`: Host header and tls=2 ServerName (default: the host name, `none` for an IP). */
  sni?: string;
  /** tls=2: trusted roots (Go: the system's, e.g. SSL_CERT_FILE). */
  ca?: string | Buffer;
}

export class V114Client extends Common {
  readonly coreType = 'client';
  private readonly serverName: string;
  private readonly min: number;
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly o: V114ClientOptions) {
    super({ ...o, name: 'v1.14 client', key: o.key ?? defaultKey(String(o.tunnel.port)) });
    this.serverName = o.sni ?? (/^[\d.]+$|:/.test(o.tunnel.host) ? 'none' : o.tunnel.host);
    this.min = o.min ?? 64;
    this.runMode = '2';
  }

  private url(): string {
    const t = this.targets.map((x) => `${x.host}:${x.port}`).join(',');
    return `client://${this.key}@${this.o.tunnel.host}:${this.o.tunnel.port}/${t}?sni=${this.serverName}&min=${this.min}&mode=2`;
  }

  /** Run(): start, and on any error tear down, wait the cooldown and start again. */
  start(): this {
    this.log.info(`Client started: ${this.url()}`);
    this.running = (async () => {
      while (!this.root.err) {
        try {
          await this.commonStart();
        } catch (e) {
          if (this.root.err) return;
          this.log.error(`Client error: ${(e as Error).message}`);
          this.stopCore();
          if (!(await sleep(this.env.serviceCooldownMs, this.root))) return;
          this.log.info(`Client restart: ${this.url()}`);
        }
      }
    })();
    return this;
  }

  private async commonStart(): Promise<void> {
    this.initContext();
    this.log.info('Pending tunnel handshake...');
    this.handshakeStart = Date.now();
    const { host, port } = this.o.tunnel;
    let cfg;
    try {
      cfg = await clientHandshake(this, host, port, this.serverName);
    } catch (e) {
      throw new Error(`commonStart: tunnelHandshake failed: ${(e as Error).message}`);
    }
    this.dataFlow = cfg.flow;
    this.tlsCode = cfg.tls;
    this.verifyChan = cfg.tls === '1' || cfg.tls === '2' ? new Chan(1) : null;
    this.log.info(`Loading tunnel config: FLOW=${cfg.flow}|MAX=${cfg.max}|TLS=${cfg.tls}|TYPE=${cfg.type}`);
    const dial = () => dialTcp(host, port, this.env.tcpDialTimeoutMs, (s) => this.track(s));
    const tlsCfg: ClientTlsConfig = { code: cfg.tls === '2' ? 2 : 1, serverName: this.serverName, ca: this.o.ca };
    const rounds = { minCap: this.min, maxCap: cfg.max, minIvlMs: this.env.minPoolIntervalMs, maxIvlMs: this.env.maxPoolIntervalMs };
    if (cfg.type === '0') {
      const pool = TcpPool.client({ ...rounds, keepAliveMs: this.env.reportIntervalMs, tls: cfg.tls === '0' ? 0 : tlsCfg, dial }, this.ctx);
      this.pool = pool;
      void pool.clientManager();
    } else if (cfg.type === '3') {
      const pool = new H2ClientPool({ ...rounds, keepAliveMs: this.env.reportIntervalMs, tls: tlsCfg, authority: this.serverName, dial }, this.ctx);
      this.pool = pool;
      void pool.clientManager();
    } else {
      throw new Error(`commonStart: initTunnelPool failed: pool type ${cfg.type} is not played by this peer`);
    }
    this.log.info('Getting tunnel pool ready...');
    try {
      await setControlConn(this);
    } catch (e) {
      throw new Error(`commonStart: ${(e as Error).message}`);
    }
    if (this.dataFlow === '+') {
      try {
        await this.initTargetListener();
      } catch (e) {
        throw new Error(`commonStart: initTargetListener failed: ${(e as Error).message}`);
      }
      void commonLoop(this);
    }
    try {
      await commonControl(this);
    } catch (e) {
      throw new Error(`commonStart: commonControl failed: ${(e as Error).message}`);
    }
  }

  /** SIGTERM: stop everything; resolves once nothing of the peer is left. */
  async stop(): Promise<void> {
    await this.shutdown();
    await this.running;
    this.log.info('Client shutdown complete');
  }
}

export function startV114Client(o: V114ClientOptions): V114Client {
  return new V114Client(o).start();
}
