// Pool type → transport. Each module is imported when a tunnel of its type is first built (the
// server in prepare(), the client once the handshake names the type): loading `ws` with zlib,
// http2 and the QUIC binding costs about half of a process's start-up (bench: time to ready),
// and a process uses one type.

import type { PoolType, TransportDescriptor } from './transport';

const MODULES: Record<PoolType, () => Promise<TransportDescriptor>> = {
  0: async () => (await import('./tcp-transport')).tcpTransport,
  1: async () => (await import('./quic-transport')).quicTransport,
  2: async () => (await import('./ws-transport')).wsTransport,
  3: async () => (await import('./h2-transport')).h2Transport,
};

const loaded = new Map<PoolType, Promise<TransportDescriptor>>();

function isPoolType(type: number): type is PoolType {
  return type === 0 || type === 1 || type === 2 || type === 3;
}

/** The transport of a pool type; rejects with `unknown pool type: N` for any other number. */
export function loadTransport(type: number): Promise<TransportDescriptor> {
  if (!isPoolType(type)) return Promise.reject(new Error(`unknown pool type: ${type}`));
  let p = loaded.get(type);
  if (!p) {
    p = MODULES[type]();
    loaded.set(type, p);
  }
  return p;
}
