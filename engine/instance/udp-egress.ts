// Egress (spec §7.3): a `udp` signal names a pooled stream and the client it carries; datagrams
// from it go out of a socket connected to the target, replies go back over the stream. The socket
// is kept when the ingress side moves the client to a new stream, so the target keeps seeing the
// same source port.

import type dgram from 'node:dgram';
import type { Duplex } from 'node:stream';
import { DatagramChannel } from '../relay/datagram-channel';
import type { Session } from './session';
import { paced, sendConnected, UdpSession } from './udp-session';

export class EgressSession extends UdpSession {
  protected forget(): void {
    this.fw.egressEnded(this);
  }

  /** Uses this pooled stream from now on (a previous one is closed). */
  attach(tunnel: Session, stream: Duplex, head: Buffer[], ended: boolean): void {
    const { active } = this.fw.deps;
    const old = this.channel;
    if (this.tunnel && this.tunnel !== tunnel) this.fw.unbindTunnel(this.tunnel, this);
    this.tunnel = tunnel;
    this.fw.bindTunnel(tunnel, this);
    active.add(stream);
    stream.once('close', () => active.delete(stream));
    const channel: DatagramChannel = new DatagramChannel(
      stream,
      this.fw.channelOptions(tunnel, stream),
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
    const { stats } = this.fw.deps;
    this.useTarget(sock, 'commonUDPOnce', (msg) => {
      this.lastActive = Date.now();
      stats.udprx += msg.length;
      paced(this.fw.rate?.udpRead, msg, this.toStream);
    });
    for (const p of this.pending.take()) this.toTarget(p);
  }

  private readonly toStream = (p: Buffer): void => {
    this.channel?.send(p);
  };

  private toTarget(p: Buffer): void {
    this.lastActive = Date.now();
    if (!this.target) {
      this.pending.push(p);
      return;
    }
    paced(this.fw.rate?.udpWrite, p, this.deliver);
  }

  private readonly deliver = (p: Buffer): void => {
    const target = this.target;
    if (!target) return;
    this.fw.deps.stats.udptx += p.length;
    sendConnected(target, p);
  };
}
