// What the three kinds of UDP session (udp-ingress, udp-egress, udp-single) share: an idle clock
// for the sweeper, datagrams held while the session is set up, one way of closing that releases
// everything exactly once, and the socket calls that must never throw.

import type dgram from 'node:dgram';
import type { DatagramChannel } from '../relay/datagram-channel';
import type { Pacer } from '../relay/rate';
import { joinHostPort } from '../url/ip';
import type { Session } from './session';
import type { UdpForwarder } from './udp-forwarder';

/** Datagrams held per session while its pooled stream or target socket is being set up. */
const PENDING_LIMIT = 256 * 1024;

/** Kernel buffers asked for on a session's own target socket (see growBuffers). */
const SESSION_RCVBUF = 1024 * 1024;

/** Anything with an idle clock that the sweeper may expire. */
export interface Expirable {
  lastActive: number;
  close(why: string): void;
}

/** Asks for bigger kernel buffers (capped by net.core.rmem_max / wmem_max). */
export function growBuffers(sock: dgram.Socket, bytes: number): void {
  try {
    if (sock.getRecvBufferSize() < bytes) sock.setRecvBufferSize(bytes);
    if (sock.getSendBufferSize() < bytes) sock.setSendBufferSize(bytes);
  } catch {
    // Not permitted or not bound yet: the defaults still work, just with less headroom.
  }
}

/** Sends a datagram through a listener to a client, ignoring errors (the client may be gone). */
export function sendTo(sock: dgram.Socket, payload: Buffer, port: number, address: string): void {
  try {
    // No callback: a synchronous send then costs no extra tick, and failures are dropped
    // datagrams, which is what UDP means anyway.
    sock.send(payload, port, address);
  } catch {
    // the listener closed meanwhile
  }
}

/** Sends a datagram on a connected socket, ignoring errors (as sendTo). */
export function sendConnected(sock: dgram.Socket, payload: Buffer): void {
  try {
    sock.send(payload);
  } catch {
    // closed meanwhile
  }
}

/**
 * Runs `deliver(p)` at once, or through the `rate` pacer when there is one. The hot path (no
 * limit) allocates nothing per datagram: `deliver` is bound once per session.
 */
export function paced(pacer: Pacer | undefined, p: Buffer, deliver: (p: Buffer) => void): void {
  if (pacer) pacer.run(p.length, () => deliver(p));
  else deliver(p);
}

/** Datagrams waiting for the session to be set up, dropped beyond PENDING_LIMIT bytes. */
export class PendingDatagrams {
  private list: Buffer[] = [];
  private bytes = 0;

  /** Queues a datagram; false when it did not fit and was dropped. */
  push(p: Buffer): boolean {
    if (this.bytes + p.length > PENDING_LIMIT) return false;
    this.list.push(p);
    this.bytes += p.length;
    return true;
  }

  /** Hands over everything queued, oldest first, and empties the queue. */
  take(): Buffer[] {
    const all = this.list;
    this.list = [];
    this.bytes = 0;
    return all;
  }
}

/**
 * One UDP session: a client address (or, on the egress side, the remote the ingress named) with
 * its pooled stream and/or target socket.
 */
export abstract class UdpSession implements Expirable {
  lastActive = Date.now();
  closed = false;
  protected readonly pending = new PendingDatagrams();
  protected channel: DatagramChannel | null = null;
  protected target: dgram.Socket | null = null;
  /** The tunnel session this UDP session's stream belongs to (it ends with it). */
  protected tunnel: Session | null = null;

  constructor(
    protected readonly fw: UdpForwarder,
    readonly key: string,
  ) {}

  /** Removes the session from whoever finds it by key. */
  protected abstract forget(): void;

  /** Ends the session once: its slot, tunnel tie, stream and target socket all go. */
  close(why: string): void {
    if (this.closed) return;
    this.closed = true;
    this.pending.take();
    this.forget();
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

  /**
   * Starts using a socket connected to the target: bigger buffers, its errors logged (ICMP
   * refusals while a target is down end nothing), its datagrams to `onMessage`.
   */
  protected useTarget(sock: dgram.Socket, where: string, onMessage: (msg: Buffer) => void): void {
    const { logger } = this.fw.deps;
    this.target = sock;
    growBuffers(sock, SESSION_RCVBUF);
    sock.on('error', (e: NodeJS.ErrnoException) => logger.debug(`${where}: target for ${this.key}: ${e.code ?? e.message}`));
    sock.on('message', onMessage);
    const remote = sock.remoteAddress();
    logger.debug(`Starting transfer: ${this.key} <-> ${joinHostPort(remote.address, remote.port)}`);
  }
}
