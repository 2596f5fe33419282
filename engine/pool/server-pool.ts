// The server side of the pool: accepts pooled streams from its transport, assigns IDs (the first
// one is the control stream's) and writes them.

import { randomBytes } from 'node:crypto';
import { BasePool, CONTROL_ID } from './pool';
import { PoolConn } from './pool-conn';
import type { PooledStream } from './transport';

export interface ServerPoolOptions {
  max: number;
  /** Only streams from this IP are accepted ('' = any; spec §5: types 0/1/3 pin, WS does not). */
  clientIp: string;
}

/** Server side: accepts pooled streams, assigns IDs (the first one is 00000000) and writes them. */
export class ServerPool extends BasePool {
  private first = true;
  /** IDs written but not yet on the wire (not idle yet, but taken). */
  private readonly pendingIds = new Set<string>();
  readonly max: number;

  constructor(private readonly opts: ServerPoolOptions) {
    super();
    this.max = Math.max(1, opts.max);
  }

  /** The IP every pooled stream must come from ('' = any), for transports that answer refusals. */
  get clientIp(): string {
    return this.opts.clientIp;
  }

  /** True when another stream would be refused as `pool full`. */
  get full(): boolean {
    return this.idle.size >= this.max;
  }

  /** Returns the reason a stream was refused, or null when it was filed. */
  offer(s: PooledStream): string | null {
    if (this.closed) {
      s.stream.destroy();
      return 'pool closed';
    }
    if (this.opts.clientIp !== '' && s.remoteIp !== this.opts.clientIp) {
      s.stream.destroy();
      return `unauthorized IP ${s.remoteIp}`;
    }
    if (this.idle.size + this.pendingIds.size >= this.max) {
      s.stream.destroy();
      return 'pool full';
    }
    let id: string;
    if (this.first) {
      this.first = false;
      id = CONTROL_ID;
    } else {
      do id = randomBytes(4).toString('hex');
      while (id === CONTROL_ID || this.idle.has(id) || this.pendingIds.has(id));
    }
    // As NodePass does, a stream becomes available only once its ID has left: at TLS the write
    // may still be queued, and a stream handed out (a `verify` probe) before then would name an
    // ID its peer never receives.
    this.pendingIds.add(id);
    s.stream.write(Buffer.from(id, 'hex'), (err) => {
      this.pendingIds.delete(id);
      if (err || s.stream.destroyed) {
        s.stream.destroy();
        return;
      }
      this.file(new PoolConn(id, s.stream, s.remoteIp, s.remoteAddr, s.peerCert));
    });
    return null;
  }
}
