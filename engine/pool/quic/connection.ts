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
// this file only feeds it datagrams and time.

import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { EventEmitter } from 'node:events';
import { Duplex } from 'node:stream';
import { CongestionControl, loadQuiche, PacketType, Shutdown, type HostPort, type Quiche, type QuicheConfig, type QuicheConnection, type RecvInfo } from './native';

export type CcName = 'reno' | 'cubic' | 'bbr';

export interface QuicSettings {
  alpn: string;
  /** Keep-alive PING period (NodePass: NP_REPORT_INTERVAL). */
  keepAliveMs: number;
  /** Max idle timeout transport parameter (NodePass: 3 × keep-alive). */
  idleTimeoutMs: number;
  /** Bidirectional streams the peer may have open at once (NodePass: pool max). */
  maxIncomingStreams: number;
  /**
   * Congestion controller. Default CUBIC, like quic-go and Linux TCP: on loopback Reno, CUBIC and
   * BBR measured the same within noise (bench/quic-driver.ts), so the usual one wins.
   */
  cc?: CcName;
  /** Largest UDP payload sent (default 1350: fits every ordinary path without PMTU discovery). */
  maxPacket?: number;
}

const CID_LEN = 20;
const EMPTY = new Uint8Array(0);
/** Payloads above this are not expected from any QUIC peer (quic-go sends ≤ 1452). */
const MAX_RECV_PACKET = 1500;
/** quiche writes at most maxPacket bytes; a bigger view costs nothing (only `len` is consumed). */
const SEND_VIEW = 2048;
/**
 * Knobs kept adjustable for bench/quic-driver.ts, which measures each optimisation step; the
 * defaults are the fastest measured here.
 */
export const tuning = {
  /** Bytes per streamRecv (@matrixai/quic reads 4 KiB). */
  readView: 64 * 1024,
  /**
   * SO_RCVBUF/SO_SNDBUF asked for (0 = kernel default, ~208 KiB). 1 MiB absorbs a burst during a
   * GC pause; 4 MiB measured no faster and let loss-based congestion control queue 30–100 ms of
   * data in the socket, which every stream of the connection (the control channel too) waits behind.
   */
  socketBuffer: 1024 * 1024,
  /** Apply large flow-control windows (false = @matrixai/quic's 10 MiB / 1 MiB, never grown). */
  bigWindows: true,
  /** Process all datagrams of a poll round together (false = run quiche after every datagram). */
  batch: true,
};
const STREAM_HWM = 256 * 1024;
/** How long a stream holds its last written byte waiting for end() (see QuicStream.tail). */
const TAIL_HOLD_OPEN_MS = 2;
const TAIL_HOLD_MS = 50;

// ---- buffers: packets and stream reads are carved out of large slabs, each byte used once, so
// nothing is overwritten while an asynchronous send or a pushed chunk still refers to it.

const SEND_SLAB = 256 * 1024;
// Allocated on first use: importing this module (every engine instance does) costs no memory.
let sendSlab: Buffer = Buffer.alloc(0);
let sendOff = 0;

const READ_SLAB = 1024 * 1024;
let readSlab: Buffer = Buffer.alloc(0);
let readOff = 0;
/** Reads smaller than this are copied out, so a tiny long-lived chunk never pins a whole slab. */
const COPY_BELOW = 4096;

function readView(): Buffer {
  const want = tuning.readView;
  if (readSlab.length - readOff < want) {
    readSlab = Buffer.allocUnsafeSlow(READ_SLAB);
    readOff = 0;
  }
  return readSlab.subarray(readOff, readOff + want);
}

function takeRead(view: Buffer, len: number): Buffer {
  if (len < COPY_BELOW) return Buffer.from(view.subarray(0, len));
  readOff += len;
  return view.subarray(0, len);
}

let quicheCache: Quiche | null = null;
function q(): Quiche {
  return (quicheCache ??= loadQuiche());
}

export interface TlsMaterial {
  /** PEM certificate chain and key (server). */
  certPem?: string;
  keyPem?: string;
  /** Verify the server's chain and name (client, tls=2) against these PEM roots. */
  verify?: boolean;
  caPem?: string;
}

/** A quiche config with NodePass's transport parameters and our throughput settings. */
export function makeConfig(s: QuicSettings, t: TlsMaterial): QuicheConfig {
  const enc = (x: string) => new Uint8Array(Buffer.from(x));
  const cfg = q().Config.withBoringSslCtx(
    t.verify === true,
    false,
    t.verify && t.caPem ? enc(t.caPem) : null,
    t.keyPem ? [enc(t.keyPem)] : null,
    t.certPem ? [enc(t.certPem)] : null,
    null,
  );
  cfg.setApplicationProtos([s.alpn]);
  cfg.setMaxIdleTimeout(s.idleTimeoutMs);
  cfg.setMaxRecvUdpPayloadSize(MAX_RECV_PACKET);
  cfg.setMaxSendUdpPayloadSize(s.maxPacket ?? 1350);
  // Flow-control windows: start generous and let quiche grow them (the library this binary comes
  // with never applied its window settings).
  if (tuning.bigWindows) {
    cfg.setInitialMaxData(16 * 1024 * 1024);
    cfg.setInitialMaxStreamDataBidiLocal(2 * 1024 * 1024);
    cfg.setInitialMaxStreamDataBidiRemote(2 * 1024 * 1024);
    cfg.setMaxStreamWindow(16 * 1024 * 1024);
    cfg.setMaxConnectionWindow(64 * 1024 * 1024);
  } else {
    cfg.setInitialMaxData(10 * 1024 * 1024);
    cfg.setInitialMaxStreamDataBidiLocal(1024 * 1024);
    cfg.setInitialMaxStreamDataBidiRemote(1024 * 1024);
    cfg.setMaxStreamWindow(1024 * 1024);
    cfg.setMaxConnectionWindow(10 * 1024 * 1024);
  }
  cfg.setInitialMaxStreamDataUni(0);
  cfg.setInitialMaxStreamsBidi(Math.max(1, s.maxIncomingStreams));
  cfg.setInitialMaxStreamsUni(0);
  cfg.setDisableActiveMigration(true);
  cfg.setCcAlgorithm(CongestionControl[({ reno: 'Reno', cubic: 'CUBIC', bbr: 'BBR' } as const)[s.cc ?? 'cubic']]);
  return cfg;
}

type Sink = (buf: Buffer, off: number, len: number, to: HostPort) => void;

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
    if (tuning.batch) setImmediate(this.run);
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

function streamError(e: Error, dir: 'read' | 'write'): Error {
  const reset = /StreamReset\((\d+)\)/.exec(e.message);
  if (reset) return new Error(`QUIC stream reset by peer (code ${reset[1]})`);
  const stopped = /StreamStopped\((\d+)\)/.exec(e.message);
  if (stopped) return new Error(`QUIC stream stopped by peer (code ${stopped[1]})`);
  return new Error(`QUIC stream ${dir}: ${e.message}`);
}

/**
 * A QUIC stream as a Duplex with half-close: end() sends FIN (quic-go's Close), the peer's FIN
 * ends the readable side; destroy() sends FIN too when nothing written is lost (else
 * RESET_STREAM) and STOP_SENDING when the peer has not finished.
 */
export class QuicStream extends Duplex {
  /**
   * The last byte written is held back for a moment so that an end() soon after travels with
   * data: our FIN then never goes alone. quiche (this version and current) counts a stream
   * complete once its data is acknowledged, even when the FIN went alone in a zero-length frame
   * still in flight; the stream is then collected and a lost FIN is never resent, leaving the
   * peer waiting forever. The held byte leaves with the next write, with end(), or after
   * TAIL_HOLD_OPEN_MS (TAIL_HOLD_MS once the peer has finished sending).
   */
  private tail: Buffer | null = null;
  private tailTimer: NodeJS.Timeout | null = null;
  private pending: Buffer | null = null;
  private pendingCb: ((e?: Error | null) => void) | null = null;
  private finCb: ((e?: Error | null) => void) | null = null;
  private finSent = false;
  private readEnded = false;
  private paused = false;

  constructor(
    readonly qc: QuicConnection,
    readonly id: number,
  ) {
    super({ allowHalfOpen: true, readableHighWaterMark: STREAM_HWM, writableHighWaterMark: STREAM_HWM });
  }

  /** Moves whatever quiche holds for this stream into the readable side, until it is full. */
  pull(): void {
    if (this.paused || this.readEnded || this.destroyed) return;
    const conn = this.qc.conn;
    for (;;) {
      const view = readView();
      let r;
      try {
        r = conn.streamRecv(this.id, view);
      } catch (e) {
        this.readEnded = true;
        this.destroy(streamError(e as Error, 'read'));
        return;
      }
      if (r === null) return;
      const [len, fin] = r;
      if (len === 0 && !fin) return;
      const more = len > 0 ? this.push(takeRead(view, len)) : true;
      if (fin) {
        this.readEnded = true;
        this.push(null);
        return;
      }
      if (!more) {
        this.paused = true;
        return;
      }
    }
  }

  override _read(): void {
    if (!this.paused) return;
    this.paused = false;
    // Reading freed flow-control credit: the next run also sends the window update.
    this.qc.wantPull(this);
  }

  /** Bytes quiche took (-1 after an error, which has already destroyed the stream). */
  private sendSome(buf: Uint8Array, fin = false): number {
    try {
      return this.qc.conn.streamSend(this.id, buf, fin) ?? 0;
    } catch (e) {
      this.destroy(streamError(e as Error, 'write'));
      return -1;
    }
  }

  /** Bytes to send before anything written later (the opener, when quiche had no capacity). */
  queue(b: Buffer): void {
    this.pending = this.pending ? Buffer.concat([this.pending, b]) : b;
    this.qc.blocked.add(this);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    if (this.tail) {
      // The held byte goes first (no copy: quiche appends it to the stream's send buffer).
      const t = this.tail;
      this.tail = null;
      const n = this.pending ? 0 : this.sendSome(t);
      if (n < 0) return;
      if (n < 1) this.queue(t);
    }
    if (this.pending) {
      this.pending = Buffer.concat([this.pending, chunk]);
      this.pendingCb = cb;
      return;
    }
    let data = chunk;
    if (data.length > 0) {
      // A copy: the writer may reuse its buffer once we call back, and we call back before this
      // byte leaves.
      this.tail = Buffer.from(data.subarray(data.length - 1));
      data = data.subarray(0, data.length - 1);
      this.armTail();
    }
    const n = data.length > 0 ? this.sendSome(data) : 0;
    if (n < 0) return;
    this.qc.schedule();
    if (n === data.length) {
      cb();
      return;
    }
    this.pending = n > 0 ? data.subarray(n) : data;
    this.pendingCb = cb;
    this.qc.blocked.add(this);
  }

  private armTail(): void {
    if (this.tailTimer) return; // already armed for an earlier byte: release is due sooner
    // Briefly while the peer may still send (interactive traffic must not wait), longer once it
    // has finished (what remains is a reply followed by our end()).
    this.tailTimer = setTimeout(this.releaseTail, this.readEnded ? TAIL_HOLD_MS : TAIL_HOLD_OPEN_MS);
    this.tailTimer.unref();
  }

  /** No end() followed in time: the held byte goes on its own after all. */
  private readonly releaseTail = (): void => {
    this.tailTimer = null;
    if (!this.tail || this.finSent || this.destroyed) return;
    const t = this.tail;
    this.tail = null;
    const n = this.pending ? 0 : this.sendSome(t);
    if (n < 0) return;
    if (n < 1) this.queue(t);
    this.qc.schedule();
  };

  override _final(cb: (e?: Error | null) => void): void {
    this.finCb = cb;
    if (this.pending) return; // FIN follows the data still waiting for capacity
    this.trySendFin();
  }

  private trySendFin(): void {
    if (this.finSent || !this.finCb) return;
    const tail = this.tail ?? EMPTY;
    let r: number | null;
    try {
      r = this.qc.conn.streamSend(this.id, tail, true);
    } catch (e) {
      this.destroy(streamError(e as Error, 'write'));
      return;
    }
    if (r === null || r < tail.length) {
      // No send capacity right now (quiche's Done, or part of the tail): wait with the writers.
      if (r && this.tail) this.tail = this.tail.subarray(r);
      this.qc.blocked.add(this);
      this.qc.schedule();
      return;
    }
    this.tail = null;
    if (this.tailTimer) clearTimeout(this.tailTimer);
    this.tailTimer = null;
    this.finSent = true;
    this.qc.blocked.delete(this);
    this.qc.schedule();
    const cb = this.finCb;
    this.finCb = null;
    cb();
  }

  /** Called by the connection when capacity may have been freed. */
  retryWrite(): void {
    if (this.destroyed) {
      this.qc.blocked.delete(this);
      return;
    }
    if (this.pending) {
      const n = this.sendSome(this.pending);
      if (n < 0) return;
      if (n < this.pending.length) {
        if (n > 0) this.pending = this.pending.subarray(n);
        return;
      }
      this.pending = null;
      const cb = this.pendingCb;
      this.pendingCb = null;
      this.qc.blocked.delete(this);
      cb?.();
    }
    if (!this.pending && this.finCb) this.trySendFin();
    if (!this.pending && !this.finCb) this.qc.blocked.delete(this);
  }

  override _destroy(err: Error | null, cb: (e?: Error | null) => void): void {
    const qc = this.qc;
    qc.streams.delete(this.id);
    qc.blocked.delete(this);
    if (!qc.closed) {
      try {
        if (!this.readEnded) qc.conn.streamShutdown(this.id, Shutdown.Read, 0);
      } catch {
        /* stream already complete */
      }
      if (!this.finSent) {
        // Closing with nothing left unsent is a FIN, as quic-go's Close and as TCP's close are; only
        // an error or bytes that would be lost reset the stream, so the peer never takes a
        // truncated stream for a complete one.
        const clean = !err && !this.pending && this.writableLength === 0;
        const tail = this.tail ?? EMPTY;
        try {
          const r = clean ? qc.conn.streamSend(this.id, tail, true) : null;
          if (r === null || r < tail.length) qc.conn.streamShutdown(this.id, Shutdown.Write, 0);
        } catch {
          /* stream already complete or reset */
        }
      }
      qc.schedule();
    }
    if (this.tailTimer) clearTimeout(this.tailTimer);
    this.tailTimer = null;
    this.tail = null;
    this.pending = null;
    this.pendingCb = null;
    this.finCb = null;
    cb(err);
  }
}

/** UDP socket options that matter for throughput: room for a burst of a full congestion window. */
function tuneSocket(sock: dgram.Socket): void {
  if (tuning.socketBuffer <= 0) return;
  try {
    sock.setRecvBufferSize(tuning.socketBuffer);
    sock.setSendBufferSize(tuning.socketBuffer);
  } catch {
    /* the kernel caps these; defaults still work */
  }
}

// ---- client ----

export interface DialOptions {
  host: string;
  port: number;
  /** SNI and the name verified at tls=2; null sends no SNI (tls 0/1, as NodePass). */
  serverName: string | null;
  settings: QuicSettings;
  tls: TlsMaterial;
  timeoutMs: number;
  /** Source address (tests use 127.0.0.2 to play a foreign client). */
  localAddress?: string;
}

/** Dials a QUIC connection on its own connected UDP socket; resolves once the handshake is done. */
export function dialQuic(o: DialOptions): Promise<QuicConnection> {
  return new Promise((resolve, reject) => {
    let quiche: Quiche;
    let config: QuicheConfig;
    try {
      quiche = q();
      config = makeConfig(o.settings, o.tls);
    } catch (e) {
      reject(e);
      return;
    }
    const v6 = o.host.includes(':');
    const sock = dgram.createSocket({ type: v6 ? 'udp6' : 'udp4' });
    let qc: QuicConnection | null = null;
    let settled = false;
    const fail = (msg: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      qc?.close('dial failed');
      try {
        sock.close();
      } catch {
        /* closed */
      }
      reject(new Error(msg));
    };
    const timer = setTimeout(() => fail(`QUIC handshake with ${o.host}:${o.port} timed out after ${o.timeoutMs}ms`), o.timeoutMs);
    sock.on('error', (e) => fail(`QUIC dial ${o.host}:${o.port}: ${e.message}`));
    sock.bind({ address: o.localAddress, port: 0 }, () => {
      sock.connect(o.port, o.host, () => {
        if (settled) return;
        tuneSocket(sock);
        const la = sock.address();
        const local = { host: la.address, port: la.port };
        const peer = { host: o.host, port: o.port };
        let conn: QuicheConnection;
        try {
          conn = quiche.Connection.connect(o.serverName, new Uint8Array(randomBytes(CID_LEN)), local, peer, config);
        } catch (e) {
          fail(`QUIC dial ${o.host}:${o.port}: ${(e as Error).message}`);
          return;
        }
        const c = new QuicConnection(conn, false, local, peer, (buf, off, len) => sock.send(buf, off, len), o.settings.keepAliveMs);
        qc = c;
        sock.on('message', (m) => c.receive(m));
        sock.removeAllListeners('error');
        sock.on('error', () => {});
        c.once('close', (why) => {
          // Give the CONNECTION_CLOSE a moment to leave before the socket goes.
          setTimeout(() => {
            try {
              sock.close();
            } catch {
              /* closed */
            }
          }, 50).unref();
          if (!settled) fail(`QUIC handshake with ${o.host}:${o.port} failed: ${why}`);
        });
        c.once('established', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve(c);
        });
        c.flush();
        c.schedule();
      });
    });
  });
}

// ---- server ----

export interface ListenerHooks {
  /** TLS config for the next connection (called per accepted connection; cache inside). */
  config: () => QuicheConfig;
  /** A connection finished its handshake. */
  onConnection: (c: QuicConnection) => void;
}

/** A UDP socket that accepts QUIC connections and routes datagrams to them by connection ID. */
export class QuicListener {
  private readonly byCid = new Map<string, QuicConnection>();
  private readonly conns = new Set<QuicConnection>();
  private readonly scids = new Map<QuicConnection, Buffer>();
  private closed = false;
  private released: Promise<void> = Promise.resolve();
  private local: HostPort;

  private constructor(
    private readonly sock: dgram.Socket,
    private readonly hooks: ListenerHooks,
    private readonly keepAliveMs: number,
  ) {
    const a = sock.address();
    this.local = { host: a.address, port: a.port };
    sock.on('message', (m, r) => this.onMessage(m, r));
  }

  /** Takes over an already bound UDP socket (the tunnel address). */
  static attach(sock: dgram.Socket, hooks: ListenerHooks, keepAliveMs: number): QuicListener {
    q(); // fail here, not per packet, when the binary is missing
    tuneSocket(sock);
    return new QuicListener(sock, hooks, keepAliveMs);
  }

  get port(): number {
    return this.local.port;
  }

  private onMessage(buf: Buffer, r: dgram.RemoteInfo): void {
    if (this.closed || buf.length < 1 + CID_LEN) return;
    if ((buf[0] & 0x80) === 0) {
      // Short header: the DCID is ours (CID_LEN bytes), compare without a native call.
      for (const [c, scid] of this.scids) {
        if (buf.compare(scid, 0, CID_LEN, 1, 1 + CID_LEN) === 0) {
          c.receive(buf, r);
          return;
        }
      }
      return;
    }
    const quiche = q();
    let hdr;
    try {
      hdr = quiche.Header.fromSlice(buf, CID_LEN);
    } catch {
      return;
    }
    const key = Buffer.from(hdr.dcid).toString('hex');
    const known = this.byCid.get(key);
    if (known) {
      known.receive(buf, r);
      return;
    }
    if (hdr.ty !== PacketType.Initial) return;
    if (!quiche.versionIsSupported(hdr.version)) {
      const out = Buffer.allocUnsafe(1350);
      const n = quiche.negotiateVersion(hdr.scid, hdr.dcid, out);
      if (n > 0) this.sock.send(out, 0, n, r.port, r.address);
      return;
    }
    if (buf.length < quiche.MIN_CLIENT_INITIAL_LEN) return;
    let config: QuicheConfig;
    try {
      config = this.hooks.config();
    } catch {
      return;
    }
    const scid = randomBytes(CID_LEN);
    const peer = { host: r.address, port: r.port };
    let conn: QuicheConnection;
    try {
      conn = quiche.Connection.accept(new Uint8Array(scid), null, this.local, peer, config);
    } catch {
      return;
    }
    const c = new QuicConnection(conn, true, this.local, peer, (b, off, len, to) => this.sock.send(b, off, len, to.port, to.host), this.keepAliveMs);
    const scidKey = scid.toString('hex');
    this.byCid.set(scidKey, c);
    this.byCid.set(key, c);
    this.scids.set(c, scid);
    this.conns.add(c);
    c.once('close', () => {
      this.byCid.delete(scidKey);
      this.byCid.delete(key);
      this.scids.delete(c);
      this.conns.delete(c);
    });
    c.once('established', () => this.hooks.onConnection(c));
    c.receive(buf, r);
  }

  /** Closes every connection, then the socket; resolves once the port is free again. */
  close(reason = 'listener closed'): Promise<void> {
    if (this.closed) return this.released;
    this.closed = true;
    for (const c of [...this.conns]) c.close(reason);
    const sock = this.sock;
    this.released = new Promise((resolve) => {
      // Let the CONNECTION_CLOSE frames leave first.
      setTimeout(() => {
        try {
          sock.close(() => resolve());
        } catch {
          resolve(); // already closed
        }
      }, 20);
    });
    return this.released;
  }
}

/** Binds a UDP socket for a QUIC listener (the error names the address, like NodePass). */
export function bindQuicSocket(host: string, port: number): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const type = host.includes(':') || host === '' ? 'udp6' : 'udp4';
    const sock = dgram.createSocket({ type, reuseAddr: false });
    sock.once('error', (e: NodeJS.ErrnoException) => {
      try {
        sock.close();
      } catch {
        /* closed */
      }
      const why = e.code === 'EADDRINUSE' ? 'address already in use' : e.code === 'EADDRNOTAVAIL' ? 'cannot assign requested address' : e.message;
      reject(new Error(`listen udp ${host.includes(':') ? `[${host}]` : host}:${port}: bind: ${why}`));
    });
    sock.bind({ address: host === '' ? undefined : host, port, exclusive: true }, () => {
      sock.removeAllListeners('error');
      sock.on('error', () => {});
      resolve(sock);
    });
  });
}

