// Ingress (spec §7.3): a client's datagrams on a listener go to the egress side over one pooled
// stream, announced by a `udp` signal; replies come back the same way. A new client does not
// stall the listener while its pooled stream is fetched: its first datagrams wait in the queue.

import type dgram from 'node:dgram';
import { DatagramChannel } from '../relay/datagram-channel';
import type { Session } from './session';
import type { ListenerPort, PortSession } from './udp-listener';
import { paced, UdpSession } from './udp-session';
import type { UdpForwarder } from './udp-forwarder';

export class IngressSession extends UdpSession implements PortSession {
  private warnedOversize = false;
  private readonly address: string;
  private readonly clientPort: number;

  constructor(
    fw: UdpForwarder,
    private readonly port: ListenerPort<IngressSession>,
    private readonly tunnelSession: () => Promise<Session | null>,
    key: string,
    client: dgram.RemoteInfo,
  ) {
    super(fw, key);
    this.address = client.address;
    this.clientPort = client.port;
  }

  protected forget(): void {
    this.port.ended(this);
  }

  async open(): Promise<void> {
    const { env, logger, active } = this.fw.deps;
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
    active.add(c.stream);
    c.stream.once('close', () => active.delete(c.stream));
    const channel = new DatagramChannel(
      c.stream,
      this.fw.channelOptions(tunnel, c.stream),
      {
        datagram: (p) => this.toClient(p),
        closed: (why) => this.close(why),
        dropped: (why, n) => this.dropped(why, n),
      },
    );
    this.channel = channel;
    logger.debug(`Starting transfer: ${this.key} <-> ${conn.remoteAddr}`);
    channel.start(c.chunks, c.ended);
    for (const p of this.pending.take()) channel.send(p);
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
    this.pending.push(msg);
  }

  private toClient(p: Buffer): void {
    this.lastActive = Date.now();
    paced(this.fw.rate?.udpWrite, p, this.deliver);
  }

  private readonly deliver = (p: Buffer): void => this.port.reply(p, this.clientPort, this.address);

  private dropped(why: 'oversize' | 'backlog', n: number): void {
    if (why === 'oversize' && !this.warnedOversize) {
      this.warnedOversize = true;
      this.fw.deps.logger.warn(
        `commonUDPLoop: dropped a ${n}-byte datagram for ${this.key}: larger than NP_UDP_DATA_BUF_SIZE=${this.fw.deps.env.udpDataBufSize}`,
      );
    }
  }
}
