// Datagrams over a pooled stream (spec §7.3).
//
// NodePass v1.14 writes each datagram raw into the stream and treats every read as one datagram,
// so a stream transport may merge or split them (§10.2 #2). We keep that on the wire when the
// peer is a Go NodePass ('raw'), and between two of our own peers (negotiated in the handshake,
// feature `udp-frames`) put a 2-byte big-endian length before each datagram ('frames'), which
// keeps every boundary, carries empty datagrams, and lets many datagrams share one stream write.

import type { Duplex } from 'node:stream';
import { GoRecordJoiner } from './go-records';

export type UdpFraming = 'frames' | 'raw';

/** Length prefix of a frame; a UDP payload never exceeds 65535 bytes. */
const FRAME_HEADER_BYTES = 2;
const MAX_FRAME_PAYLOAD = 0xffff;

/** One frame: length (u16 BE) + payload. */
export function encodeFrame(payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  out.writeUInt16BE(payload.length, 0);
  payload.copy(out, FRAME_HEADER_BYTES);
  return out;
}

/** Reassembles frames from stream chunks cut anywhere, copying only the frames that straddle a cut. */
export class FrameDecoder {
  private partial: Buffer | null = null;

  constructor(private readonly onFrame: (payload: Buffer) => void) {}

  push(chunk: Buffer): void {
    let off = 0;
    if (this.partial) {
      let p = this.partial;
      if (p.length < FRAME_HEADER_BYTES) {
        const take = Math.min(FRAME_HEADER_BYTES - p.length, chunk.length);
        p = Buffer.concat([p, chunk.subarray(0, take)]);
        off = take;
        if (p.length < FRAME_HEADER_BYTES) {
          this.partial = p;
          return;
        }
      }
      const need = FRAME_HEADER_BYTES + p.readUInt16BE(0) - p.length;
      if (chunk.length - off < need) {
        this.partial = Buffer.concat([p, chunk.subarray(off)]);
        return;
      }
      this.partial = null;
      const frame = Buffer.concat([p, chunk.subarray(off, off + need)]);
      off += need;
      this.onFrame(frame.subarray(FRAME_HEADER_BYTES));
    }
    while (chunk.length - off >= FRAME_HEADER_BYTES) {
      const end = off + FRAME_HEADER_BYTES + chunk.readUInt16BE(off);
      if (end > chunk.length) break;
      this.onFrame(chunk.subarray(off + FRAME_HEADER_BYTES, end));
      off = end;
    }
    // The tail is at most one frame; copy it so it does not pin the whole chunk.
    if (off < chunk.length) this.partial = Buffer.from(chunk.subarray(off));
  }

  /** Bytes of an unfinished frame (a stream that ends here lost them). */
  get pendingBytes(): number {
    return this.partial ? this.partial.length : 0;
  }
}

export interface ChannelOptions {
  framing: UdpFraming;
  /** NP_UDP_DATA_BUF_SIZE: the largest datagram relayed. */
  maxDatagram: number;
  /** Bytes that may wait in the stream's write buffer before datagrams are dropped. */
  maxQueuedBytes?: number;
  /**
   * Raw framing over a Go peer's TLS stream (type 0): app-data records the peer wrote on it before
   * this channel (1 when the peer is the server: the ID). Rejoins what Go's record sizing cut.
   */
  goRecordsBefore?: number;
}

export interface ChannelEvents {
  datagram(payload: Buffer): void;
  /** The stream is gone (EOF, error or closed); called once. */
  closed(why: string): void;
  /** A datagram was dropped (too large, or the stream is backed up). */
  dropped?(why: 'oversize' | 'backlog', bytes: number): void;
}

const DEFAULT_QUEUE = 4 * 1024 * 1024;

/**
 * The datagram view of one pooled stream. Sends are fire-and-forget like UDP: when the stream is
 * backed up beyond `maxQueuedBytes` the datagram is dropped, so a slow tunnel never grows memory.
 */
export class DatagramChannel {
  private readonly decoder: FrameDecoder | null;
  private readonly joiner: GoRecordJoiner | null;
  private batch: Buffer[] = [];
  private batchBytes = 0;
  private flushScheduled = false;
  /** Raw framing: one write in flight, the rest wait here. */
  private rawQueue: Buffer[] = [];
  private rawQueuedBytes = 0;
  private rawWriting = false;
  private done = false;
  private readonly maxQueued: number;

  constructor(
    readonly stream: Duplex,
    private readonly opts: ChannelOptions,
    private readonly events: ChannelEvents,
  ) {
    this.maxQueued = opts.maxQueuedBytes ?? DEFAULT_QUEUE;
    this.decoder =
      opts.framing === 'frames'
        ? new FrameDecoder((p) => {
            if (p.length > opts.maxDatagram) this.events.dropped?.('oversize', p.length);
            else this.events.datagram(p);
          })
        : null;
    this.joiner =
      opts.framing === 'raw' && opts.goRecordsBefore !== undefined
        ? new GoRecordJoiner(opts.goRecordsBefore, opts.maxDatagram, (d) => this.deliverRaw(d))
        : null;
    stream.on('data', (chunk: Buffer) => this.onData(chunk));
    stream.on('end', () => this.finish('EOF'));
    stream.on('error', (e: Error) => this.finish(e.message));
    stream.on('close', () => this.finish('connection closed'));
  }

  get isClosed(): boolean {
    return this.done;
  }

  /** Starts reading; `head` holds the chunks that arrived before the stream was claimed. */
  start(head: readonly Buffer[], ended: boolean): void {
    for (const chunk of head) this.onData(chunk);
    if (ended) this.finish('EOF');
    else this.stream.resume();
  }

  private onData(chunk: Buffer): void {
    if (this.done) return;
    if (this.decoder) {
      this.decoder.push(chunk);
      return;
    }
    if (this.joiner) this.joiner.push(chunk);
    else this.deliverRaw(chunk);
  }

  private deliverRaw(chunk: Buffer): void {
    if (this.done) return;
    // v1.14 wire: every read is one datagram of at most the read buffer's size.
    const max = this.opts.maxDatagram;
    for (let off = 0; off < chunk.length; off += max) {
      this.events.datagram(off === 0 && chunk.length <= max ? chunk : chunk.subarray(off, off + max));
    }
  }

  /** Queues one datagram for the peer; false when it was dropped. */
  send(payload: Buffer): boolean {
    if (this.done) return false;
    if (payload.length > this.opts.maxDatagram || payload.length > MAX_FRAME_PAYLOAD) {
      this.events.dropped?.('oversize', payload.length);
      return false;
    }
    if (this.stream.writableLength + this.batchBytes + this.rawQueuedBytes > this.maxQueued) {
      this.events.dropped?.('backlog', payload.length);
      return false;
    }
    if (!this.decoder) {
      // A Go peer reads one datagram per read (at TLS: per record), so each goes out in a write
      // of its own, and only once the previous one has left: writes queued behind each other are
      // merged into one (writev, one TLS record). An empty datagram cannot be represented at all.
      if (payload.length === 0) return true;
      if (this.rawWriting) {
        this.rawQueue.push(payload);
        this.rawQueuedBytes += payload.length;
      } else {
        this.rawWriting = true;
        this.stream.write(payload, this.rawWritten);
      }
      return true;
    }
    const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
    header.writeUInt16BE(payload.length, 0);
    this.batch.push(header, payload);
    this.batchBytes += FRAME_HEADER_BYTES + payload.length;
    if (!this.flushScheduled) {
      // Datagrams that arrive in the same event-loop turn leave in one write.
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
    return true;
  }

  private readonly rawWritten = (err?: Error | null): void => {
    const next = this.rawQueue.shift();
    if (!next || err || this.done) {
      this.rawWriting = false;
      return;
    }
    this.rawQueuedBytes -= next.length;
    this.stream.write(next, this.rawWritten);
  };

  private flush(): void {
    this.flushScheduled = false;
    if (this.done || this.batch.length === 0) return;
    const out = Buffer.concat(this.batch, this.batchBytes);
    this.batch = [];
    this.batchBytes = 0;
    this.stream.write(out);
  }

  private finish(why: string): void {
    if (this.done) return;
    // Records that arrived whole before the end are datagrams.
    this.joiner?.flush();
    this.done = true;
    this.batch = [];
    this.batchBytes = 0;
    this.rawQueue = [];
    this.rawQueuedBytes = 0;
    this.stream.destroy();
    this.events.closed(why);
  }

  /** Ends the channel and its stream (idempotent). */
  close(why = 'closed'): void {
    if (this.done) return;
    // Datagrams batched in this turn still go out before the stream is torn down.
    if (this.batch.length > 0) this.flush();
    for (const p of this.rawQueue) this.stream.write(p);
    this.rawQueue = [];
    this.rawQueuedBytes = 0;
    const s = this.stream;
    this.joiner?.discard();
    this.done = true;
    this.batch = [];
    if (s.writableLength > 0 && !s.destroyed) {
      s.end();
      const t = setTimeout(() => s.destroy(), 1000);
      t.unref();
      s.once('close', () => clearTimeout(t));
    } else s.destroy();
    this.events.closed(why);
  }
}
