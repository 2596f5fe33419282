// Closing a stream the peer may still be reading from (a refused user, a `verify` probe, a pooled
// stream returned unused): whatever was written still arrives, then FIN (TLS: close_notify), and
// bytes the peer sends meanwhile are read and dropped, so the kernel never answers with a reset
// that would discard data the peer has not read yet. Destroyed when the peer closes, or after
// `graceMs`.

import type { Duplex } from 'node:stream';

export function closeGracefully(stream: Duplex, graceMs: number): void {
  if (stream.destroyed) return;
  const timer = setTimeout(() => stream.destroy(), graceMs);
  timer.unref?.();
  const done = () => {
    clearTimeout(timer);
    stream.destroy();
  };
  stream.once('end', done);
  stream.once('close', () => clearTimeout(timer));
  stream.on('error', done);
  stream.on('data', () => {});
  stream.resume();
  stream.end();
}
