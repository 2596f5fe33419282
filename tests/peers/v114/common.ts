// What v1.14's server and client share (Go: internal/common.go's Common): configuration and
// timings, the per-start context, counters, target dialling, and the teardown between restarts.
// The control channel, the TCP relay and the UDP relay live in control.ts, tcp.ts and udp.ts.

import dgram from 'node:dgram';
import net from 'node:net';
import { dialTcp, type GoConn } from './conn';
import { Chan, Context } from './go';
import { PeerLog } from './log';
import type { IdleStore } from './store';
import type { GoSignal } from './wire';

/** NP_* settings with v1.14's defaults; tests shorten the report interval. */
export interface GoEnv {
  reportIntervalMs: number;
  handshakeTimeoutMs: number;
  tcpDialTimeoutMs: number;
  udpDialTimeoutMs: number;
  udpReadTimeoutMs: number;
  poolGetTimeoutMs: number;
  minPoolIntervalMs: number;
  maxPoolIntervalMs: number;
  serviceCooldownMs: number;
  tcpDataBufSize: number;
  udpDataBufSize: number;
}

export const GO_DEFAULTS: GoEnv = {
  reportIntervalMs: 5000,
  handshakeTimeoutMs: 5000,
  tcpDialTimeoutMs: 5000,
  udpDialTimeoutMs: 5000,
  udpReadTimeoutMs: 30_000,
  poolGetTimeoutMs: 5000,
  minPoolIntervalMs: 100,
  maxPoolIntervalMs: 1000,
  serviceCooldownMs: 3000,
  tcpDataBufSize: 16384,
  udpDataBufSize: 16384,
};

export interface HostPort {
  host: string;
  port: number;
}

export interface CommonOptions {
  name: string;
  key: string;
  targets: HostPort[];
  env?: Partial<GoEnv>;
  /**
   * Which tick of the shared report ticker starts the `verify` exchange. observed: the Go
   * binary sends `verify` one or two report intervals after `Marking tunnel handshake as
   * complete` (its verify goroutine and its ping loop wait on the same ticker; the ping loop
   * usually registers first, and the ping of that tick is then skipped). Default 2.
   */
  verifyTick?: 1 | 2;
}

export abstract class Common {
  readonly log: PeerLog;
  readonly env: GoEnv;
  readonly key: string;
  readonly targets: HostPort[];
  readonly verifyTick: 1 | 2;
  abstract readonly coreType: 'server' | 'client';
  tlsCode: '0' | '1' | '2' = '0';
  runMode = '0';
  dataFlow: '-' | '+' = '-';
  /** The whole peer's life (Run's signal context); `ctx` is one start(). */
  readonly root = new Context();
  ctx = new Context(this.root);
  pool: IdleStore | null = null;
  control: GoConn | null = null;
  verifyChan: Chan<true> | null = null;
  /** Server: the static certificate (tls=1); null at tls=2, where Go has none either. */
  ownCertDer: Buffer | null = null;
  checkPoint = 0;
  handshakeStart = 0;
  targetListener: net.Server | null = null;
  targetUdp: dgram.Socket | null = null;
  /** The listen backlog and the UDP receive buffer: served once the ingress loops run. */
  acceptQueue = new Chan<net.Socket>(4096);
  datagramQueue = new Chan<{ payload: Buffer; from: dgram.RemoteInfo }>(4096);
  readonly signalChan = new Chan<GoSignal>(65536);
  readonly writeChan = new Chan<Buffer>(65536);
  readonly udpSessions = new Map<string, unknown>();
  tcpSlot = 0;
  udpSlot = 0;
  readonly slotLimit = 65536;
  tcpRX = 0;
  tcpTX = 0;
  udpRX = 0;
  udpTX = 0;
  /** Every socket the peer made, so stopping it leaves nothing behind in the test process. */
  private readonly sockets = new Set<net.Socket | dgram.Socket>();

  constructor(o: CommonOptions) {
    this.log = new PeerLog(o.name);
    this.env = { ...GO_DEFAULTS, ...o.env };
    this.key = o.key;
    this.targets = o.targets;
    this.verifyTick = o.verifyTick ?? 2;
  }

  track<T extends net.Socket | dgram.Socket>(s: T): T {
    this.sockets.add(s);
    s.once('close', () => this.sockets.delete(s));
    return s;
  }

  initContext(): void {
    this.ctx.cancel();
    this.ctx = new Context(this.root);
  }

  tryAcquireSlot(udp: boolean): boolean {
    if (this.tcpSlot + this.udpSlot >= this.slotLimit) return false;
    if (udp) this.udpSlot++;
    else this.tcpSlot++;
    return true;
  }

  releaseSlot(udp: boolean): void {
    if (udp) this.udpSlot = Math.max(0, this.udpSlot - 1);
    else this.tcpSlot = Math.max(0, this.tcpSlot - 1);
  }

  /** dialWithRotation for TCP (one target in these tests: dial it). */
  dialTarget(): Promise<net.Socket> {
    const t = this.targets[0];
    return dialTcp(t.host, t.port, this.env.tcpDialTimeoutMs, (s) => this.track(s));
  }

  /** initTargetListener: TCP and UDP on the first target; user connections queue until accepted. */
  async initTargetListener(): Promise<void> {
    const t = this.targets[0];
    const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: t.host, port: t.port, exclusive: true }, () => resolve());
    });
    const udp = this.track(dgram.createSocket(t.host.includes(':') ? 'udp6' : 'udp4'));
    try {
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind(t.port, t.host, () => resolve());
      });
    } catch (e) {
      server.close();
      throw e;
    }
    const accepts = (this.acceptQueue = new Chan(4096));
    const datagrams = (this.datagramQueue = new Chan(4096));
    server.on('connection', (s: net.Socket) => {
      this.track(s);
      s.on('error', () => {});
      if (!accepts.trySend(s)) s.destroy();
    });
    udp.on('message', (payload, from) => datagrams.trySend({ payload, from }));
    this.targetListener = server;
    this.targetUdp = udp;
  }

  /** encode + writeChan: the writer goroutine sends it on the control connection. */
  sendSignal(s: GoSignal, encode: (s: GoSignal) => Buffer): void {
    if (this.ctx.err || !this.control) return;
    this.writeChan.trySend(encode(s));
  }

  checkPointLine(pingMs: number): string {
    return (
      `CHECK_POINT|MODE=${this.runMode}|PING=${pingMs}ms|POOL=${this.pool?.active() ?? 0}|TCPS=${this.tcpSlot}|UDPS=${this.udpSlot}|` +
      `TCPRX=${this.tcpRX}|TCPTX=${this.tcpTX}|UDPRX=${this.udpRX}|UDPTX=${this.udpTX}`
    );
  }

  /** stop(): cancel, close the pool, UDP sessions, listeners and the control connection. */
  stopCore(): void {
    this.ctx.cancel();
    if (this.pool) {
      const active = this.pool.active();
      this.pool.close();
      this.log.debug(`Tunnel connection closed: pool active ${active}`);
    }
    for (const s of this.udpSessions.values()) (s as { close(): void }).close();
    this.udpSessions.clear();
    if (this.targetUdp) {
      this.targetUdp.close();
      this.targetUdp = null;
    }
    if (this.control) {
      this.control.close();
      this.log.debug(`Control connection closed: ${this.control.localAddr}`);
      this.control = null;
    }
    if (this.targetListener) {
      this.targetListener.close();
      this.targetListener = null;
    }
    while (this.signalChan.tryRecv() !== undefined);
    while (this.writeChan.tryRecv() !== undefined);
  }

  /** Ends the peer for good and destroys every socket it still holds. */
  async shutdown(): Promise<void> {
    this.root.cancel();
    this.stopCore();
    this.closeOwnListeners();
    for (const s of this.sockets) {
      if (s instanceof net.Socket) s.destroy();
      else
        try {
          s.close();
        } catch {
          // already closed
        }
    }
    this.sockets.clear();
  }

  /** Listeners only one side has (the server's tunnel listener). */
  protected closeOwnListeners(): void {}
}
