// Test peers that behave on the wire as the Go NodePass v1.14.0 binary does (pool type 0, TCP or
// TLS, both roles; type 3, HTTP/2, the client role), so `npm test` checks interoperability
// without the Go binary. Each file notes what was observed of the binary (`observed:`): its logs
// at log=debug, strace of its sockets, and runs against it. check-against-binary.ts runs these
// peers against the real binary (NODEPASS_BIN).
//
// The peer follows v1.14's structure: client.ts / server.ts (start, restart after 3 s),
// handshake.ts (HTTP), store.ts (idle store, Incoming/OutgoingGet, refill rounds), pool.ts
// (type 0 connections and IDs), h2.ts (type 3 client streams), control.ts (signals, ping,
// verify), tcp.ts / udp.ts (relays), conn.ts (Go read/write semantics, TLS record sizes),
// tls.ts, wire.ts (formats), go.ts (channel, context, ticker), log.ts.

export { startV114Client, V114Client, type V114ClientOptions } from './client';
export { startV114Server, V114Server, type V114ServerOptions } from './server';
export { ramCert, fileCert, type ServerCert } from './tls';
export { defaultKey } from './wire';
export type { GoEnv } from './common';
