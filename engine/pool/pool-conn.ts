// One pooled stream under its ID: while idle it is watched (early bytes kept, its end noticed);
// claimed, it is handed over with whatever arrived meanwhile.

import type { Duplex } from 'node:stream';
import { closeGracefully } from '../relay/graceful-close';

/** Early bytes kept per idle stream before it is paused (the kernel buffers the rest). */
const IDLE_BUFFER_LIMIT = 256 * 1024;

export class PoolConn {
  private early: Buffer[] = [];
  private earlyBytes = 0;
  private ended = false;
  private watching = false;
  private onEnd = () => {
    this.ended = true;
    this.dropped?.(this);
  };
  private onData = (chunk: Buffer) => {
    this.early.push(chunk);
    this.earlyBytes += chunk.length;
    if (this.earlyBytes >= IDLE_BUFFER_LIMIT) this.stream.pause();
    this.idleDataHook?.(this);
  };
  private onGone = () => this.dropped?.(this);
  /** Called by the pool when an idle stream ends, errors or closes. */
  dropped: ((c: PoolConn) => void) | null = null;
  /** Lets the server look at bytes that arrive on a stream nobody has claimed yet. */
  idleDataHook: ((c: PoolConn) => void) | null = null;

  constructor(
    readonly id: string,
    readonly stream: Duplex,
    readonly remoteIp: string,
    readonly remoteAddr: string,
    readonly peerCert?: Buffer,
  ) {}

  get earlyData(): Buffer {
    return this.early.length === 1 ? this.early[0] : Buffer.concat(this.early);
  }

  get hasEarlyData(): boolean {
    return this.earlyBytes > 0;
  }

  /** Starts watching an idle stream: keep early bytes, notice when it dies. */
  watch(): void {
    if (this.watching) return;
    this.watching = true;
    this.stream.on('data', this.onData);
    this.stream.on('end', this.onEnd);
    this.stream.on('close', this.onGone);
    this.stream.on('error', this.onGone);
    this.stream.resume();
  }

  /**
   * Hands the stream over, paused. Bytes that arrived while it sat idle (and whether it ended)
   * come along for the relay to deliver first.
   */
  claim(): { stream: Duplex; head: Buffer | null; chunks: Buffer[]; ended: boolean } {
    if (this.watching) {
      this.watching = false;
      this.stream.off('data', this.onData);
      this.stream.off('end', this.onEnd);
      this.stream.off('close', this.onGone);
      this.stream.off('error', this.onGone);
      this.stream.pause();
    }
    const head = this.earlyBytes > 0 ? this.earlyData : null;
    // The chunks as they were read: at TLS each is one record, which is one datagram to a Go peer.
    const chunks = this.early;
    this.early = [];
    this.earlyBytes = 0;
    // Errors after the hand-over are the new owner's; until it attaches a listener, swallow them.
    if (this.stream.listenerCount('error') === 0) this.stream.on('error', () => {});
    return { stream: this.stream, head, chunks, ended: this.ended || this.stream.readableEnded };
  }

  /** Tears the stream down at once (shutdown, refusals, a pool flush). */
  close(): void {
    this.stream.destroy();
  }

  /**
   * Closes a stream the peer may still be reading from (a `verify` probe, a stream returned
   * unused): whatever was written still arrives, then FIN (TLS: close_notify), and bytes the peer
   * sends meanwhile are read and dropped, so the kernel never answers with a reset that would
   * discard data the peer has not read yet. Destroyed when the peer closes, or after `graceMs`.
   */
  release(graceMs = GRACEFUL_CLOSE_MS): void {
    closeGracefully(this.stream, graceMs);
  }
}

/** How long a gracefully closed stream waits for the peer's own close. */
const GRACEFUL_CLOSE_MS = 10_000;
