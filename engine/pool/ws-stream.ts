// A WebSocket as a Duplex byte stream (the type-2 pool's pooled stream), with the empty-message
// EOF two NodePass Desktop peers agree on so that one direction can end while the other flows.

import type net from 'node:net';
import { Duplex } from 'node:stream';
import WebSocket from 'ws';
import { FEATURES_HEADER, parseFeatureList } from '../wire/http';

/** Upgrade-level feature: an empty binary message means "no more data this way". */
export const WS_FEATURE_EOF = 'ws-eof';

/**
 * Largest message accepted. Peers write one message per read of their source (Go: 16 KiB, Node:
 * ≤ 64 KiB), so this only stops a hostile peer from making us buffer without bound.
 */
export const WS_MAX_PAYLOAD = 16 * 1024 * 1024;

const EMPTY = Buffer.alloc(0);

/**
 * A WebSocket as a Duplex byte stream. Writes are sent as they come (one binary message each) and
 * acknowledged at once unless the socket needs draining, so the relay is throttled by the socket,
 * not by a round-trip per chunk.
 */
export class WsStream extends Duplex {
  private pendingWrite: ((err?: Error | null) => void) | null = null;
  private sentEof = false;
  private gotEof = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly socket: net.Socket,
    /** Both peers agreed on the empty-message EOF (see WS_FEATURE_EOF). */
    readonly halfClose: boolean,
  ) {
    super({ allowHalfOpen: true, decodeStrings: false });
    ws.binaryType = 'nodebuffer';
    ws.on('message', this.onMessage);
    ws.on('close', this.onClose);
    ws.on('error', this.onError);
    socket.on('drain', this.onDrain);
  }

  private onMessage = (data: WebSocket.RawData): void => {
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    if (buf.length === 0) {
      // Without the agreement an empty message carries nothing (Go may send one for an empty write).
      if (this.halfClose && !this.gotEof) {
        this.gotEof = true;
        this.push(null);
        this.maybeClose();
      }
      return;
    }
    if (this.gotEof) return;
    if (!this.push(buf)) this.ws.pause();
  };

  private onClose = (): void => {
    // A close frame (or a lost connection) ends what we read; writes fail from now on.
    if (!this.gotEof) {
      this.gotEof = true;
      this.push(null);
    }
    this.flushPending(new Error('websocket closed'));
  };

  private onError = (err: Error): void => {
    this.destroy(err);
  };

  private onDrain = (): void => this.flushPending(null);

  private flushPending(err: Error | null): void {
    const cb = this.pendingWrite;
    this.pendingWrite = null;
    cb?.(err);
  }

  private maybeClose(): void {
    if (this.sentEof && this.gotEof && this.ws.readyState === WebSocket.OPEN) this.ws.close(1000);
  }

  override _read(): void {
    if (this.ws.isPaused) this.ws.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.ws.readyState !== WebSocket.OPEN) {
      cb(new Error(`websocket ${this.ws.readyState === WebSocket.CLOSING ? 'closing' : 'closed'}`));
      return;
    }
    if (chunk.length === 0) {
      cb();
      return;
    }
    this.ws.send(chunk, { binary: true });
    if (this.socket.writableNeedDrain) this.pendingWrite = cb;
    else cb();
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (this.ws.readyState === WebSocket.OPEN) {
      if (this.halfClose) {
        this.ws.send(EMPTY, { binary: true });
        this.sentEof = true;
        this.maybeClose();
      } else {
        this.ws.close(1000);
      }
    }
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.socket.off('drain', this.onDrain);
    this.pendingWrite = null;
    const state = this.ws.readyState;
    if (err) {
      if (state !== WebSocket.CLOSED) this.ws.terminate();
    } else if (state === WebSocket.OPEN) {
      // A normal close, as Go's NetConn.Close does; ws drops the socket if no reply comes.
      this.ws.close(1000);
    }
    cb(err);
  }
}

/** Whether the peer's upgrade headers agree on the empty-message EOF. */
export function wantsEof(headers: Record<string, string | string[] | undefined>): boolean {
  const v = headers[FEATURES_HEADER.toLowerCase()];
  return parseFeatureList(Array.isArray(v) ? v.join(',') : v).includes(WS_FEATURE_EOF);
}
