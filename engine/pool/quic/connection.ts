// A small QUIC endpoint over quiche's native binding: UDP I/O, timers and streams as Node Duplexes.
//
// Why not @matrixai/quic's own classes: they take a lock with an AbortController, a timeout error
// (with a stack trace) and a timer for every received packet, re-arm a timer on every send, and
// scan every stream on every event; that JavaScript costs several times what quiche does. Here
// the per-packet path is one `recv` per datagram; all datagrams of one poll round are processed
// in one batch (setImmediate), after which blocked writers are retried, readable streams drained
// and outgoing packets sent, with one timer per connection that is moved only when it must be.
//
// quiche does the protocol (TLS 1.3, loss recovery, congestion and flow control, idle timeout);
// this folder only feeds it datagrams and time: connection.ts (one connection), stream.ts (a
// stream as a Duplex), dial.ts (client), listener.ts (server), config.ts (settings).

import type dgram from 'node:dgram';
import { EventEmitter } from 'node:events';
import type { QuicTuning } from './config';
import { Shutdown, type HostPort, type QuicheConnection, type RecvInfo } from './native';
import { QuicStream } from './stream';

// Outgoing packets are carved out of a large slab, each byte used once, so nothing is overwritten
// while an asynchronous send still refers to it. Allocated on first use: importing this module
// costs no memory.
const SEND_SLAB = 256 * 1024;
/** quiche writes at most maxPacket bytes; a bigger view costs nothing (only `len` is consumed). */
const SEND_VIEW = 2048;
let sendSlab: Buffer = Buffer.alloc(0);
let sendOff = 0;

export type Sink = (buf: Buffer, off: number, len: number, to: HostPort) => void;

/** Why a connection ended, in words. */
function describeClose(c: QuicheConnection): string {
  const fmt = (who: string, e: { isApp: boolean; errorCode: number; reason: Uint8Array }) => {
    const reason = Buffer.from(e.reason).toString('utf8');
    const kind = e.isApp ? 'application error' : e.errorCode >= 0x100 && e.errorCode < 0x200 ? `TLS alert ${e.errorCode - 0x100}` : 'transport error';
    return `${who}: ${kind} ${e.errorCode}${reason ? ` (${reason})` : ''}`;
  };
  const peer = c.peerError();
  if (peer) return fmt('closed by peer', peer);
  const local = c.localError();
  if (local) return fmt('closed locally', local);
  if (c.isTimedOut()) return 'idle timeout';
  return 'closed';
}

export interface QuicConnectionEvents {
  established: [];
  stream: [QuicStream];
  close: [string];
}

/** One QUIC connection: owns the quiche state, its streams, its timer and its keep-alive. */
export class QuicConnection extends EventEmitter<QuicConnectionEvents> {
  readonly streams = new Map<number, QuicStream>();
  readonly blocked = new Set<QuicStream>();
  private readonly pullAgain = new Set<QuicStream>();
  established = false;
  closed = false;
  closeReason = '';
  private scheduled = false;
  private timer: NodeJS.Timeout | null = null;
  private timerAt = 0;
  private readonly keepAlive: NodeJS.Timeout;
  private nextLocal: number;
  /** Peer-initiated bidi IDs below this have all been seen; `seenAbove` holds the rest. */
  private peerLow: number;
  private readonly seenAbove = new Set<number>();
  private readonly openWaiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  private recvInfo: RecvInfo;

  constructor(
    readonly conn: QuicheConnection,
    readonly isServer: boolean,
    readonly local: HostPort,
    public peer: HostPort,
    private readonly sink: Sink,
    keepAliveMs: number,
    readonly tuning: QuicTuning,
  ) {
    super();
    this.recvInfo = { from: peer, to: local };
    this.nextLocal = isServer ? 1 : 0;
    this.peerLow = isServer ? 0 : 1;
    this.keepAlive = setInterval(() => {
      if (this.closed) return;
      this.conn.sendAckEliciting();
      this.schedule();
    }, Math.max(100, keepAliveMs));
    this.keepAlive.unref();
  }

  /** One datagram from the peer. */
  receive(buf: Buffer, from?: dgram.RemoteInfo): void {
    if (this.closed) return;
    if (from && (from.port !== this.peer.port || from.address !== this.peer.host)) {
      this.peer = { host: from.address, port: from.port };
      this.recvInfo = { from: this.peer, to: this.local };
    }
    try {
      this.conn.recv(buf, this.recvInfo);
    } catch {
      // Undecryptable or stray packets are dropped; a fatal error shows up as isClosed().
    }
    this.schedule();
  }

  schedule(): void {
    if (this.scheduled || this.closed) return;
    this.scheduled = true;
    if (this.tuning.batch) setImmediate(this.run);
    else queueMicrotask(this.run);
  }

  /** Wants `s` read again after it was paused (its consumer called _read). */
  wantPull(s: QuicStream): void {
    this.pullAgain.add(s);
    this.schedule();
  }

  private readonly run = (): void => {
    this.scheduled = false;
    if (this.closed) return;
    const conn = this.conn;
    // Announce the handshake before any stream: whoever accepts streams listens from then on.
    if (!this.established && conn.isEstablished()) {
      this.established = true;
      this.emit('established');
    }
    // Writers first: freed capacity (ACKs) goes to data already waiting.
    if (this.blocked.size > 0) for (const s of [...this.blocked]) s.retryWrite();
    if (this.pullAgain.size > 0) {
      const again = [...this.pullAgain];
      this.pullAgain.clear();
      for (const s of again) s.pull();
    }
    for (const id of conn.readable()) {
      const s = this.streams.get(id);
      if (s) s.pull();
      else this.incoming(id);
    }
    if (this.openWaiters.length > 0 && conn.peerStreamsLeftBidi() > 0) {
      for (const w of this.openWaiters.splice(0)) w.resolve();
    }
    this.flush();
    if (!this.established && conn.isEstablished()) {
      this.established = true;
      this.emit('established');
    }
    // A peer's CONNECTION_CLOSE puts quiche in draining for 3 PTO (up to seconds during the
    // handshake) before it reports closed; nothing more can be sent, so end now.
    if (conn.isClosed() || conn.isDraining()) this.finish();
    else this.armTimer();
  };

  /** A stream the peer opened (only the server accepts them: pooled streams are client-opened). */
  private incoming(id: number): void {
    const peerBidi = (id & 3) === (this.isServer ? 0 : 1);
    if (!peerBidi || id < this.peerLow || this.seenAbove.has(id) || !this.isServer) {
      if (peerBidi && !this.isServer && id >= this.peerLow && !this.seenAbove.has(id)) {
        this.markSeen(id);
        try {
          this.conn.streamShutdown(id, Shutdown.Read, 0);
          this.conn.streamShutdown(id, Shutdown.Write, 0);
        } catch {
          /* already gone */
        }
      }
      return;
    }
    this.markSeen(id);
    const s = new QuicStream(this, id);
    this.streams.set(id, s);
    this.emit('stream', s);
    s.pull();
  }

  private markSeen(id: number): void {
    this.seenAbove.add(id);
    while (this.seenAbove.has(this.peerLow)) {
      this.seenAbove.delete(this.peerLow);
      this.peerLow += 4;
    }
  }

  /** Sends every packet quiche has ready. */
  flush(): void {
    const conn = this.conn;
    for (;;) {
      if (sendSlab.length - sendOff < SEND_VIEW) {
        sendSlab = Buffer.allocUnsafeSlow(SEND_SLAB);
        sendOff = 0;
      }
      let r;
      try {
        r = conn.send(sendSlab.subarray(sendOff, sendOff + SEND_VIEW));
      } catch {
        break;
      }
      if (r === null) break;
      const len = r[0];
      this.sink(sendSlab, sendOff, len, r[1].to);
      sendOff += len;
    }
  }

  private readonly onTimer = (): void => {
    this.timer = null;
    if (this.closed) return;
    this.conn.onTimeout();
    this.run();
  };

  /** One timer per connection; moved only when quiche wants to wake up earlier than planned. */
  private armTimer(): void {
    const t = this.conn.timeout();
    if (t === null) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      return;
    }
    const at = performance.now() + t;
    if (this.timer && this.timerAt <= at + 1) return; // fires no later; it re-arms itself then
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(this.onTimer, t);
    this.timer.unref();
  }

  /** Opens a bidirectional stream and writes `first` on it at once (so the peer learns of it). */
  async openStream(first: Uint8Array): Promise<QuicStream> {
    for (;;) {
      if (this.closed) throw new Error(`QUIC connection ${this.closeReason}`);
      if (this.conn.peerStreamsLeftBidi() > 0) break;
      await new Promise<void>((resolve, reject) => this.openWaiters.push({ resolve, reject }));
    }
    const id = this.nextLocal;
    this.nextLocal += 4;
    const s = new QuicStream(this, id);
    this.streams.set(id, s);
    try {
      // quiche creates the stream even when it has no send capacity yet; the opener then waits
      // with the other blocked writes.
      const n = this.conn.streamSend(id, first, false) ?? 0;
      if (n < first.length) s.queue(Buffer.from(first.subarray(n)));
    } catch (e) {
      this.streams.delete(id);
      s.destroy();
      throw new Error(`opening a QUIC stream: ${(e as Error).message}`);
    }
    this.schedule();
    return s;
  }

  /** Closes with an application error (NodePass uses code 0 with a reason). */
  close(reason: string, code = 0): void {
    if (this.closed) return;
    try {
      this.conn.close(true, code, new Uint8Array(Buffer.from(reason)));
    } catch {
      /* already closing */
    }
    this.flush();
    this.armTimer();
    // quiche drains for 3 PTO before it reports closed; the streams end now.
    this.finish(`closed locally: application error ${code} (${reason})`);
  }

  private finish(reason?: string): void {
    if (this.closed) return;
    this.closed = true;
    this.closeReason = reason ?? describeClose(this.conn);
    clearInterval(this.keepAlive);
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const err = new Error(`QUIC connection ${this.closeReason}`);
    for (const w of this.openWaiters.splice(0)) w.reject(err);
    for (const s of [...this.streams.values()]) s.destroy(err);
    this.streams.clear();
    this.blocked.clear();
    this.emit('close', this.closeReason);
  }

  peerCert(): Buffer | undefined {
    const chain = this.conn.peerCertChain();
    return chain && chain.length > 0 ? Buffer.from(chain[0]) : undefined;
  }

  /** Round-trip time and congestion window of the active path (diagnostics, bench). */
  pathInfo(): { rttMs: number; cwnd: number } | null {
    for (const p of this.conn.pathStats()) return { rttMs: p.rtt, cwnd: p.cwnd };
    return null;
  }
}
