// Live events (spec §9.7): every subscriber gets `retry: 3000`, one `initial` event per record, then
// each event as `event: instance` + `data: <InstanceEvent JSON>`.
//
// Better than NodePass: a comment line every heartbeat interval keeps proxies from closing an idle
// stream, and a subscriber that cannot keep up is never dropped from silently — when more than
// `maxBufferedBytes` wait in its socket buffer it gets `event: resync` and the stream is closed, so
// its client reconnects and receives a fresh `initial` burst. In-process listeners (the Electron
// bridge) get the same events as objects.

import type { InstanceEvent } from '../api/types';
import { goJson } from './gojson';

const SSE_RETRY_MS = 3000;

/** The part of an HTTP response the hub needs (ServerResponse fits). */
export interface SseSink {
  write(chunk: string): boolean;
  end(): void;
  readonly writableLength: number;
  readonly writableEnded: boolean;
  once(event: 'close', listener: () => void): unknown;
}

export interface EventHubOptions {
  maxBufferedBytes: number;
  heartbeatMs: number;
  onOverflow?: (bufferedBytes: number) => void;
}

function sseFrame(e: InstanceEvent): string {
  return `event: instance\ndata: ${goJson(e)}\n\n`;
}

export class EventHub {
  private readonly sinks = new Set<SseSink>();
  private readonly listeners = new Set<(e: InstanceEvent) => void>();
  private readonly heartbeat: NodeJS.Timeout | null;
  overflows = 0;

  constructor(private readonly o: EventHubOptions) {
    this.heartbeat = o.heartbeatMs > 0 ? setInterval(() => this.beat(), o.heartbeatMs) : null;
    this.heartbeat?.unref();
  }

  get subscribers(): number {
    return this.sinks.size;
  }

  /** Starts a stream: retry hint, the initial burst, then live events until the client leaves. */
  attach(sink: SseSink, initial: InstanceEvent[]): void {
    this.sinks.add(sink);
    sink.once('close', () => this.sinks.delete(sink));
    this.send(sink, `retry: ${SSE_RETRY_MS}\n\n`);
    for (const e of initial) this.send(sink, sseFrame(e));
  }

  /** In-process subscription; returns the unsubscribe function. */
  listen(fn: (e: InstanceEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  publish(e: InstanceEvent): void {
    if (this.sinks.size > 0) {
      const frame = sseFrame(e);
      for (const s of this.sinks) this.send(s, frame);
    }
    for (const fn of this.listeners) {
      try {
        fn(e);
      } catch {
        // a listener's bug must not stop delivery to the others
      }
    }
  }

  /** Sends `shutdown` to every HTTP subscriber and ends their streams (master stopping, key changed). */
  closeAll(shutdown: InstanceEvent): void {
    const frame = sseFrame(shutdown);
    for (const s of [...this.sinks]) {
      this.sinks.delete(s);
      if (s.writableEnded) continue;
      s.write(frame);
      s.end();
    }
  }

  stop(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
  }

  private beat(): void {
    for (const s of this.sinks) this.send(s, `: heartbeat\n\n`);
  }

  private send(s: SseSink, chunk: string): void {
    if (s.writableEnded) {
      this.sinks.delete(s);
      return;
    }
    s.write(chunk);
    if (s.writableLength > this.o.maxBufferedBytes) {
      // Too far behind: say so and close, rather than dropping events it would never know about.
      const buffered = s.writableLength;
      this.sinks.delete(s);
      this.overflows++;
      s.write(`event: resync\ndata: ${goJson({ type: 'resync', reason: 'slow consumer', buffered })}\n\n`);
      s.end();
      this.o.onOverflow?.(buffered);
    }
  }
}
