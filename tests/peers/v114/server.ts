// The v1.14 server (Go: Server.Run / start), as a test peer, pool type 0.
//
// observed (log=debug): `Server started: server://…`, `Pending tunnel handshake...`, `Sending
// tunnel config: FLOW=…`, `Getting tunnel pool ready...`, `Marking tunnel handshake as complete`.
// Each start binds the tunnel TCP port (and UDP, released at once), serves one handshake, then
// closes that listener and listens again for the pool; the pool accepts pooled connections only
// from the handshake's IP. Any failure: `Server error: …`, everything closed (the tunnel port
// too), `Server restart: …` 3 s later. The mode found at the first start (target port free:
// reverse `-`, else forward `+`) is kept for later starts.

import net from 'node:net';
import dgram from 'node:dgram';
import { Common, type CommonOptions } from './common';
import { commonControl, setControlConn } from './control';
import { Chan, sleep } from './go';
import { serveHandshake } from './handshake';
import { TcpPool } from './pool';
import { commonLoop } from './tcp';
import type { ServerCert } from './tls';
import { defaultKey } from './wire';

export interface V114ServerOptions extends Omit<CommonOptions, 'name' | 'key'> {
  tunnel: { host: string; port: number };
  key?: string;
  /** 0, or the certificate of tls=1 (ramCert) / tls=2 (fileCert). */
  tls: 0 | { code: 1 | 2; cert: ServerCert };
  /** '0' auto (default), '1' reverse, '2' forward. */
  mode?: '0' | '1' | '2';
  max?: number;
}

export class V114Server extends Common {
  readonly coreType = 'server';
  private tunnelListener: net.Server | null = null;
  private readonly max: number;
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly o: V114ServerOptions) {
    super({ ...o, name: 'v1.14 server', key: o.key ?? defaultKey(String(o.tunnel.port)) });
    this.runMode = o.mode ?? '0';
    this.max = o.max ?? 1024;
    this.tlsCode = o.tls === 0 ? '0' : o.tls.code === 1 ? '1' : '2';
    this.ownCertDer = o.tls === 0 ? null : o.tls.cert.staticDer;
  }

  private url(): string {
    const t = this.targets.map((x) => `${x.host}:${x.port}`).join(',');
    return `server://${this.key}@${this.o.tunnel.host}:${this.o.tunnel.port}/${t}?max=${this.max}&mode=${this.runMode}&type=0`;
  }

  start(): this {
    this.log.info(`Server started: ${this.url()}`);
    this.running = (async () => {
      while (!this.root.err) {
        try {
          await this.startOnce();
        } catch (e) {
          if (this.root.err) return;
          this.log.error(`Server error: ${(e as Error).message}`);
          this.stopCore();
          if (!(await sleep(this.env.serviceCooldownMs, this.root))) return;
          this.log.info(`Server restart: ${this.url()}`);
        }
      }
    })();
    return this;
  }

  private async listenTunnel(): Promise<net.Server> {
    const { host, port } = this.o.tunnel;
    const srv = net.createServer({ allowHalfOpen: true, pauseOnConnect: false });
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen({ host, port, exclusive: true }, () => resolve());
    });
    srv.on('error', () => {});
    return srv;
  }

  private async startOnce(): Promise<void> {
    this.initContext();
    const { host, port } = this.o.tunnel;
    try {
      this.tunnelListener = await this.listenTunnel();
      // The UDP side of the tunnel port is bound and released straight away (type 0).
      const u = this.track(dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4'));
      await new Promise<void>((resolve, reject) => {
        u.once('error', reject);
        u.bind(port, host, () => resolve());
      });
      u.close();
    } catch (e) {
      throw new Error(`start: initTunnelListener failed: ${(e as Error).message}`);
    }
    if (this.runMode === '1') {
      await this.initTargetListener().catch((e: Error) => {
        throw new Error(`start: initTargetListener failed: ${e.message}`);
      });
      this.dataFlow = '-';
    } else if (this.runMode === '2') {
      this.dataFlow = '+';
    } else {
      try {
        await this.initTargetListener();
        this.runMode = '1';
        this.dataFlow = '-';
      } catch {
        this.runMode = '2';
        this.dataFlow = '+';
      }
    }
    this.log.info('Pending tunnel handshake...');
    this.handshakeStart = Date.now();
    this.verifyChan = this.tlsCode === '0' ? null : new Chan(1);
    const clientIp = await serveHandshake(this, this.tunnelListener, { flow: this.dataFlow, max: this.max, tls: this.tlsCode, type: '0' });
    if (clientIp === null) throw new Error('start: tunnelHandshake failed: tunnelHandshake: context canceled');
    // The handshake's HTTP server and listener are closed, and a new listener takes the port.
    this.tunnelListener.close();
    try {
      this.tunnelListener = await this.listenTunnel();
    } catch {
      this.tunnelListener = null;
    }
    const pool = TcpPool.server(
      { maxCap: this.max, clientIp, context: this.o.tls === 0 ? null : this.o.tls.cert.context, keepAliveMs: this.env.reportIntervalMs },
      this.ctx,
    );
    this.pool = pool;
    if (this.tunnelListener) {
      pool.serverManager(this.tunnelListener);
      this.tunnelListener.on('connection', (s: net.Socket) => this.track(s));
    }
    this.log.info('Getting tunnel pool ready...');
    try {
      await setControlConn(this);
    } catch (e) {
      throw new Error(`start: ${(e as Error).message}`);
    }
    if (this.dataFlow === '-') void commonLoop(this);
    try {
      await commonControl(this);
    } catch (e) {
      throw new Error(`start: commonControl failed: ${(e as Error).message}`);
    }
  }

  override stopCore(): void {
    super.stopCore();
    this.closeOwnListeners();
  }

  protected override closeOwnListeners(): void {
    this.tunnelListener?.close();
    this.tunnelListener = null;
  }

  async stop(): Promise<void> {
    await this.shutdown();
    await this.running;
    this.log.info('Server shutdown complete');
  }
}

export function startV114Server(o: V114ServerOptions): V114Server {
  return new V114Server(o).start();
}
