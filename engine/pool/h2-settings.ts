// HTTP/2 settings both ends of the type-3 pool use: flow-control windows sized for bulk transfer
// rather than HTTP/2's 64 KiB default, and stream limits that leave busy streams to `slot`.

import http2 from 'node:http2';

/** Per-stream receive window: a bulk stream never waits on WINDOW_UPDATE round trips. */
const STREAM_WINDOW = 4 * 1024 * 1024;
/** Connection receive window, shared by all streams of the pool. */
const CONNECTION_WINDOW = 32 * 1024 * 1024;
/** Largest DATA frame we accept (the peer may send up to this; fewer frames per byte). */
const MAX_FRAME = 256 * 1024;
/** nghttp2's memory cap for one connection, in MB (windows above must fit with room to spare). */
export const SESSION_MEMORY_MB = 128;
/**
 * Streams allowed at once on one connection. NodePass advertises `max`, which also caps streams
 * busy relaying; here idle streams are capped by the pool (404 when full) and busy ones by `slot`,
 * so the connection itself allows `max` plus the default slot limit.
 */
export function streamLimit(max: number): number {
  return Math.min(2 ** 31 - 1, Math.max(1, max) + 65536);
}

export function localSettings(maxStreams: number): http2.Settings {
  return {
    enablePush: false,
    initialWindowSize: STREAM_WINDOW,
    maxFrameSize: MAX_FRAME,
    maxConcurrentStreams: streamLimit(maxStreams),
  };
}

export function widenWindow(session: http2.Http2Session): void {
  try {
    session.setLocalWindowSize(CONNECTION_WINDOW);
  } catch {
    // The session is already closing; nothing to widen.
  }
}

/**
 * Destroying an HTTP/2 stream sends its RST_STREAM at once, even from inside the session's read of
 * the peer's frames. When a peer resets many streams together (a client shutting down) and one of
 * those resets makes us destroy the others (the session ends, the pool closes), nghttp2 goes on to
 * process a reset for a stream already freed: Node 20 then aborts, or loops forever allocating
 * memory (nodejs/node#52952, #64113). A reset with CANCEL is queued by Node until the read is over,
 * so every pooled stream is reset with CANCEL before it is destroyed.
 */
export function cancelBeforeDestroy<T extends http2.Http2Stream>(stream: T): T {
  const destroy = stream.destroy.bind(stream);
  stream.destroy = (err?: Error) => {
    if (!stream.closed && !stream.destroyed) stream.close(http2.constants.NGHTTP2_CANCEL);
    return destroy(err);
  };
  return stream;
}
