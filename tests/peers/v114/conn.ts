// A Go net.Conn over a Node socket: blocking-style read/write with deadlines, so the peer's code
// can follow v1.14's goroutines step by step. What matters on the wire is kept as Go does it:
//
// - A read on a TLS conn returns bytes of one record at most (crypto/tls Conn.Read), and Node
//   hands out one chunk per record, so a read never spans two records; a read on plain TCP returns
//   whatever has arrived, up to the buffer.
// - Writes are synchronous in Go: one at a time, in order. A TLS write is cut into records the
//   way crypto/tls does while a connection is young (dynamic record sizing: record k of a
//   connection carries at most min(1186·(k+1), 16384) bytes; 1186 = 1208 − 5 header − 16 tag − 1
//   type). observed: a 1400-byte datagram written by the Go client as the first write on a
//   pooled stream reached the Go server as two datagrams, 1186 + 214 bytes.
// - Close on TLS sends close_notify, then closes the socket (a full close, not a half-close).
// - A type-3 stream (HTTP/2) reads like Go's response body (what has arrived, frames merged) and
//   closes with RST_STREAM CANCEL (Go's transport cancels a stream whose body is closed unread).

import net, { connect as netConnect } from 'node:net';
import type tls from 'node:tls';
import http2 from 'node:http2';
import type { Duplex } from 'node:stream';

export class GoError extends Error {
  constructor(
    message: string,
    readonly kind: 'eof' | 'timeout' | 'closed' | 'other',
  ) {
    super(message);
  }
}

export const GO_TLS_MAX_PLAINTEXT = 16384;
const GO_TLS_SMALL_RECORD = 1186;

/** Largest plaintext of app-data record number `k` (0-based) on a young Go TLS connection. */
export function goRecordCap(k: number): number {
  return Math.min(GO_TLS_SMALL_RECORD * (k + 1), GO_TLS_MAX_PLAINTEXT);
}

/** Bytes the Go side lets queue up unread before it stops reading (the kernel would hold them). */
const READ_AHEAD = 1 << 20;

export function addr(ip: string | undefined, port: number | undefined): string {
  const a = (ip ?? '').replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');
  return a.includes(':') ? `[${a}]:${port}` : `${a}:${port}`;
}

/** tcp: a plain TCP conn; tls: a tls.Conn; h2: one HTTP/2 stream of the type-3 pool. */
export type ConnKind = 'tcp' | 'tls' | 'h2';

export interface ConnInfo {
  localAddr: string;
  remoteAddr: string;
  /** The certificate the server presented (ConnectionState().PeerCertificates[0]), DER. */
  peerCert?: () => Buffer | null;
}

export class GoConn {
  private chunks: Buffer[] = [];
  private queued = 0;
  private eof = false;
  private failure: GoError | null = null;
  private wake: (() => void) | null = null;
  private writing: Promise<void> = Promise.resolve();
  /** App-data records this side has written (Go's packetsSent). */
  private records = 0;
  private closed = false;
  readonly localAddr: string;
  readonly remoteAddr: string;

  constructor(
    readonly sock: Duplex,
    readonly kind: ConnKind,
    private readonly info: ConnInfo,
  ) {
    this.localAddr = info.localAddr;
    this.remoteAddr = info.remoteAddr;
    sock.on('data', (c: Buffer) => {
      this.chunks.push(c);
      this.queued += c.length;
      if (this.queued > READ_AHEAD) sock.pause();
      this.poke();
    });
    sock.on('end', () => {
      this.eof = true;
      this.poke();
    });
    sock.on('error', (e: Error) => {
      this.failure ??= new GoError(`read tcp ${this.localAddr}->${this.remoteAddr}: ${e.message}`, 'other');
      this.poke();
    });
    sock.on('close', () => {
      if (!this.eof) this.failure ??= new GoError('use of closed network connection', 'closed');
      this.poke();
    });
    sock.resume();
  }

  /** A TCP or TLS socket. */
  static socket(sock: net.Socket | tls.TLSSocket, isTls: boolean): GoConn {
    return new GoConn(sock, isTls ? 'tls' : 'tcp', {
      localAddr: addr(sock.localAddress, sock.localPort),
      remoteAddr: addr(sock.remoteAddress, sock.remotePort),
      peerCert: isTls ? () => (sock as tls.TLSSocket).getPeerCertificate()?.raw ?? null : undefined,
    });
  }

  /** Whether Go would see a tls.ConnectionState on it (type-3 streams report their connection's). */
  get isTls(): boolean {
    return this.kind !== 'tcp';
  }

  private poke(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  /** The certificate the peer presented (TLS client side), DER. */
  peerCert(): Buffer | null {
    return this.info.peerCert?.() ?? null;
  }

  /**
   * One Read into a buffer of `max` bytes, with a read deadline `timeoutMs` from now (0: none),
   * as conn.TimeoutReader sets it before every read.
   */
  async read(max: number, timeoutMs = 0): Promise<Buffer> {
    const deadline = timeoutMs > 0 ? Date.now() + timeoutMs : 0;
    for (;;) {
      if (this.closed) throw new GoError('use of closed network connection', 'closed');
      if (this.chunks.length > 0) return this.take(max);
      if (this.failure) throw this.failure;
      if (this.eof) throw new GoError('EOF', 'eof');
      const left = deadline ? deadline - Date.now() : 0;
      if (deadline && left <= 0) throw new GoError(`read tcp ${this.localAddr}->${this.remoteAddr}: i/o timeout`, 'timeout');
      await new Promise<void>((resolve) => {
        const t = deadline ? setTimeout(resolve, left) : null;
        this.wake = () => {
          if (t) clearTimeout(t);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  private take(max: number): Buffer {
    let out: Buffer;
    if (this.kind === 'tls' || this.chunks[0].length >= max || this.chunks.length === 1) {
      const first = this.chunks[0];
      if (first.length > max) {
        out = first.subarray(0, max);
        this.chunks[0] = first.subarray(max);
      } else {
        out = first;
        this.chunks.shift();
      }
    } else {
      // Plain TCP: everything that has arrived, up to the buffer.
      const parts: Buffer[] = [];
      let n = 0;
      while (this.chunks.length > 0 && n < max) {
        const c = this.chunks[0];
        const room = max - n;
        if (c.length > room) {
          parts.push(c.subarray(0, room));
          this.chunks[0] = c.subarray(room);
          n += room;
        } else {
          parts.push(c);
          this.chunks.shift();
          n += c.length;
        }
      }
      out = Buffer.concat(parts);
    }
    this.queued -= out.length;
    if (this.queued <= READ_AHEAD / 2 && this.sock.isPaused()) this.sock.resume();
    return out;
  }

  /** io.ReadFull with one deadline for the whole read (SetReadDeadline, then ReadFull). */
  async readFull(n: number, timeoutMs: number): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    const parts: Buffer[] = [];
    let have = 0;
    while (have < n) {
      const b = await this.read(n - have, Math.max(1, deadline - Date.now()));
      parts.push(b);
      have += b.length;
    }
    return Buffer.concat(parts);
  }

  /** One Write: all of `data`, after the previous write has left (Go holds a write lock). */
  write(data: Buffer): Promise<void> {
    const p = this.writing.then(() => this.writeNow(data));
    this.writing = p.catch(() => {});
    return p;
  }

  private async writeNow(data: Buffer): Promise<void> {
    if (this.closed || this.sock.destroyed) throw new GoError('use of closed network connection', 'closed');
    if (this.kind !== 'tls') return this.sockWrite(data);
    let off = 0;
    while (off < data.length) {
      const n = Math.min(goRecordCap(this.records++), data.length - off);
      // One socket write per record, each after the previous has gone: Node would merge queued
      // writes into one record.
      await this.sockWrite(data.subarray(off, off + n));
      off += n;
    }
  }

  private sockWrite(b: Buffer): Promise<void> {
    return new Promise((resolve, reject) =>
      this.sock.write(b, (e) => (e ? reject(new GoError(`write tcp ${this.localAddr}->${this.remoteAddr}: ${e.message}`, 'other')) : resolve())),
    );
  }

  /** net.TCPConn.CloseWrite (plain TCP only): FIN, reading goes on. */
  closeWrite(): void {
    this.sock.end();
  }

  /**
   * Close: TLS sends close_notify first; then the socket is gone (unread data: a reset). A type-3
   * stream is reset (closing an unread response body cancels the stream in Go's HTTP/2 client).
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.poke();
    const s = this.sock;
    if (s.destroyed) return;
    if (this.kind === 'tcp') {
      s.destroy();
      return;
    }
    if (this.kind === 'h2') {
      (s as http2.Http2Stream).close(http2.constants.NGHTTP2_CANCEL);
      return;
    }
    const t = setTimeout(() => s.destroy(), 5000);
    t.unref();
    s.once('finish', () => {
      clearTimeout(t);
      s.destroy();
    });
    s.end();
  }

  get isClosed(): boolean {
    return this.closed || this.sock.destroyed;
  }
}

/** net.DialTimeout("tcp", …): a connected socket (Go sets TCP_NODELAY on every TCP conn). */
export function dialTcp(host: string, port: number, timeoutMs: number, track: (s: net.Socket) => void): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = netConnect({ host, port, noDelay: true, allowHalfOpen: true });
    track(s);
    const settle = (err: string | null) => {
      clearTimeout(t);
      s.off('connect', onConnect);
      s.off('error', onError);
      s.off('close', onClose);
      s.on('error', () => {});
      if (err === null) return resolve(s);
      s.destroy();
      reject(new GoError(`dial tcp ${host}:${port}: ${err}`, err === 'i/o timeout' ? 'timeout' : 'other'));
    };
    const onConnect = () => settle(null);
    const onError = (e: Error) => settle(e.message);
    const onClose = () => settle('use of closed network connection');
    const t = setTimeout(() => settle('i/o timeout'), timeoutMs);
    s.once('connect', onConnect);
    s.once('error', onError);
    s.once('close', onClose);
  });
}
