// A UDP listener (a target address, or the tunnel address in single-end mode) and its sessions,
// keyed by the client's `ip:port`. Ingress and single-end differ only in the session they create.

import type dgram from 'node:dgram';
import { joinHostPort, normaliseIp } from '../url/ip';
import { growBuffers, sendTo, type Expirable } from './udp-session';
import type { UdpForwarder } from './udp-forwarder';

/**
 * Kernel receive buffer asked for (capped by net.core.rmem_max): a listener takes bursts from
 * many clients at once, and the default (~200 KB) holds fewer than 100 full-size datagrams.
 */
const LISTENER_RCVBUF = 4 * 1024 * 1024;

/** What a listener needs from the per-client sessions it creates. */
export interface PortSession extends Expirable {
  readonly key: string;
  open(): Promise<void>;
  fromClient(msg: Buffer): void;
}

export class ListenerPort<S extends PortSession> {
  private readonly sessions = new Map<string, S>();

  constructor(
    private readonly fw: UdpForwarder,
    readonly sock: dgram.Socket,
    /** Log prefix: `commonUDPLoop` or `singleUDPLoop`, as NodePass names them. */
    private readonly where: string,
    private readonly create: (port: ListenerPort<S>, key: string, rinfo: dgram.RemoteInfo) => S,
  ) {
    growBuffers(sock, LISTENER_RCVBUF);
    sock.on('error', (e: Error) => fw.deps.logger.debug(`${where}: ${e.message}`));
    sock.on('message', (msg: Buffer, rinfo: dgram.RemoteInfo) => {
      // RX counts what the listener read from clients (§7.2), refused datagrams included.
      fw.deps.stats.udprx += msg.length;
      const rate = fw.rate;
      if (rate) rate.udpRead.run(msg.length, () => this.dispatch(msg, rinfo));
      else this.dispatch(msg, rinfo);
    });
  }

  private dispatch(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    if (this.fw.isClosed) return;
    const key = joinHostPort(normaliseIp(rinfo.address), rinfo.port);
    let s = this.sessions.get(key);
    if (!s) {
      const max = this.fw.deps.env.udpDataBufSize;
      if (msg.length > max) {
        this.fw.deps.logger.debug(`${this.where}: dropped a ${msg.length}-byte datagram from ${key} (NP_UDP_DATA_BUF_SIZE=${max})`);
        return;
      }
      if (!this.fw.acquireSlot(this.where)) return;
      s = this.create(this, key, rinfo);
      this.sessions.set(key, s);
      void s.open();
    }
    s.fromClient(msg);
  }

  /** A datagram for a client of this listener (TX counts it). */
  reply(payload: Buffer, port: number, address: string): void {
    this.fw.deps.stats.udptx += payload.length;
    sendTo(this.sock, payload, port, address);
  }

  /** A session closed: forget it. */
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
