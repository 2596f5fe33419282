// Single-end forwarding (spec §7.12): a client's datagrams on the tunnel address go straight to
// the target from a socket of the session's own; replies go back through the listener.

import type dgram from 'node:dgram';
import type { ListenerPort, PortSession } from './udp-listener';
import { paced, sendConnected, UdpSession } from './udp-session';
import type { UdpForwarder } from './udp-forwarder';

export class SingleSession extends UdpSession implements PortSession {
  private readonly address: string;
  private readonly clientPort: number;

  constructor(
    fw: UdpForwarder,
    private readonly port: ListenerPort<SingleSession>,
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
    const { env, logger, targets } = this.fw.deps;
    let sock: dgram.Socket;
    try {
      sock = await targets.dialUdp(env.udpDialTimeoutMs);
    } catch (e) {
      logger.error(`singleUDPLoop: dialWithRotation failed: ${(e as Error).message}`);
      this.close('dial failed');
      return;
    }
    if (this.closed) {
      sock.close();
      return;
    }
    this.useTarget(sock, 'singleUDPLoop', (msg) => {
      this.lastActive = Date.now();
      if (msg.length > env.udpDataBufSize) return;
      paced(this.fw.rate?.udpWrite, msg, this.deliver);
    });
    for (const p of this.pending.take()) sendConnected(sock, p);
  }

  private readonly deliver = (p: Buffer): void => this.port.reply(p, this.clientPort, this.address);

  fromClient(msg: Buffer): void {
    this.lastActive = Date.now();
    const max = this.fw.deps.env.udpDataBufSize;
    if (msg.length > max) {
      this.fw.deps.logger.debug(`singleUDPLoop: dropped a ${msg.length}-byte datagram (NP_UDP_DATA_BUF_SIZE=${max})`);
      return;
    }
    if (this.target) sendConnected(this.target, msg);
    else this.pending.push(msg);
  }
}
