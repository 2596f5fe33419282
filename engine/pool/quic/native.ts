// The QUIC stack: Cloudflare's quiche, compiled as an N-API module and published on npm by
// MatrixAI as `@matrixai/quic-<platform>`. We drive that native module directly (the other files
// of this folder) rather than through @matrixai/quic's JavaScript layer, whose per-packet locks,
// abort controllers and timers cost more CPU than quiche itself (see connection.ts).
//
// Only the part of the binding we use is typed here. Loading is lazy and never throws past
// `loadQuiche()`'s caller: a platform without a published binary gets a clear error and the
// rest of the engine (types 0, 2 and 3) keeps working.

import { createRequire } from 'node:module';

export type HostPort = { host: string; port: number };
export type RecvInfo = { from: HostPort; to: HostPort };
export type SendInfo = { from: HostPort; to: HostPort; at: object };
export type ConnectionError = { isApp: boolean; errorCode: number; reason: Uint8Array };

export interface QuicheConfig {
  verifyPeer(verify: boolean): void;
  grease(grease: boolean): void;
  setApplicationProtos(protos: string[]): void;
  setMaxIdleTimeout(ms: number): void;
  setMaxRecvUdpPayloadSize(size: number): void;
  setMaxSendUdpPayloadSize(size: number): void;
  setInitialMaxData(v: number): void;
  setInitialMaxStreamDataBidiLocal(v: number): void;
  setInitialMaxStreamDataBidiRemote(v: number): void;
  setInitialMaxStreamDataUni(v: number): void;
  setInitialMaxStreamsBidi(v: number): void;
  setInitialMaxStreamsUni(v: number): void;
  setDisableActiveMigration(v: boolean): void;
  setCcAlgorithm(algo: number): void;
  enableHystart(v: boolean): void;
  enablePacing(v: boolean): void;
  setMaxStreamWindow(v: number): void;
  setMaxConnectionWindow(v: number): void;
  setAckDelayExponent(v: number): void;
  setMaxAckDelay(v: number): void;
}

export interface QuicheConnection {
  recv(data: Uint8Array, info: RecvInfo): number;
  send(out: Uint8Array): [number, SendInfo] | null;
  streamRecv(id: number, out: Uint8Array): [number, boolean] | null;
  streamSend(id: number, data: Uint8Array, fin: boolean): number | null;
  streamShutdown(id: number, direction: number, err: number): void | null;
  streamCapacity(id: number): number;
  streamFinished(id: number): boolean;
  peerStreamsLeftBidi(): number;
  readable(): Iterable<number>;
  writable(): Iterable<number>;
  timeout(): number | null;
  onTimeout(): void;
  close(app: boolean, err: number, reason: Uint8Array): void | null;
  peerCertChain(): Uint8Array[] | null;
  applicationProto(): Uint8Array;
  isEstablished(): boolean;
  isDraining(): boolean;
  isClosed(): boolean;
  isTimedOut(): boolean;
  peerError(): ConnectionError | null;
  localError(): ConnectionError | null;
  sendAckEliciting(): void;
  stats(): { recv: number; sent: number; lost: number; sentBytes: number; recvBytes: number };
  pathStats(): Iterable<{ rtt: number; cwnd: number; deliveryRate: number }>;
}

export interface QuicheHeader {
  ty: number;
  version: number;
  dcid: Uint8Array;
  scid: Uint8Array;
}

export interface Quiche {
  MAX_CONN_ID_LEN: number;
  MIN_CLIENT_INITIAL_LEN: number;
  PROTOCOL_VERSION: number;
  negotiateVersion(scid: Uint8Array, dcid: Uint8Array, out: Uint8Array): number;
  versionIsSupported(version: number): boolean;
  Config: {
    withBoringSslCtx(
      verifyPeer: boolean,
      verifyAllowFail: boolean,
      ca?: Uint8Array | null,
      key?: Uint8Array[] | null,
      cert?: Uint8Array[] | null,
      sigalgs?: string | null,
    ): QuicheConfig;
  };
  Connection: {
    connect(serverName: string | null, scid: Uint8Array, local: HostPort, remote: HostPort, config: QuicheConfig): QuicheConnection;
    accept(scid: Uint8Array, odcid: Uint8Array | null, local: HostPort, remote: HostPort, config: QuicheConfig): QuicheConnection;
  };
  Header: { fromSlice(data: Uint8Array, dcidLen: number): QuicheHeader };
}

/** quiche's enums, as the binding numbers them. */
export const Shutdown = { Read: 0, Write: 1 } as const;
export const CongestionControl = { Reno: 0, CUBIC: 1, BBR: 2 } as const;
export const PacketType = { Initial: 0, Retry: 1, Handshake: 2, ZeroRTT: 3, VersionNegotiation: 4, Short: 5 } as const;

/**
 * Platforms with a published binary. The registry has 2.0.9 for linux-x64 only; Windows and macOS
 * stop at 1.2.12, whose binding exposes the same API (the whole QUIC test suite passes on the
 * linux-x64 1.2.12 build), so package.json pins each platform's newest.
 */
const BINARIES: Record<string, string> = {
  'linux-x64': '@matrixai/quic-linux-x64',
  'win32-x64': '@matrixai/quic-win32-x64',
  'darwin-x64': '@matrixai/quic-darwin-x64',
  'darwin-arm64': '@matrixai/quic-darwin-arm64',
};

export class QuicUnavailableError extends Error {}

let loaded: { ok: true; quiche: Quiche } | { ok: false; error: QuicUnavailableError } | null = null;

/** Why QUIC cannot run on this platform, as shown to users. */
function unavailableMessage(platform: string, arch: string, detail: string): string {
  const tag = `${platform}-${arch}`;
  const have = Object.keys(BINARIES).join(', ');
  return (
    `QUIC pool (type=1) is not available on ${tag}: ` +
    (BINARIES[tag] ? `its native module failed to load (${detail})` : `no QUIC native module is published for this platform (available: ${have})`) +
    '; use type=0 (TCP/TLS), type=2 (WebSocket) or type=3 (HTTP/2)'
  );
}

function requireFrom(): NodeRequire {
  // Works from the ESM CLI bundle, from tsx, and from a CommonJS bundle (Electron main).
  const base = typeof __filename === 'string' ? __filename : import.meta.url;
  return createRequire(base);
}

/** The quiche binding for this platform, or a QuicUnavailableError saying why not. */
export function loadQuiche(platform = process.platform, arch = process.arch): Quiche {
  if (platform === process.platform && arch === process.arch && loaded) {
    if (loaded.ok) return loaded.quiche;
    throw loaded.error;
  }
  const name = BINARIES[`${platform}-${arch}`];
  let result: typeof loaded;
  if (!name) {
    result = { ok: false, error: new QuicUnavailableError(unavailableMessage(platform, arch, 'no binary')) };
  } else {
    try {
      result = { ok: true, quiche: requireFrom()(name) as Quiche };
    } catch (e) {
      result = { ok: false, error: new QuicUnavailableError(unavailableMessage(platform, arch, (e as Error).message.split('\n')[0])) };
    }
  }
  if (platform === process.platform && arch === process.arch) loaded = result;
  if (result.ok) return result.quiche;
  throw result.error;
}

/** The binding for this platform (loaded once); throws QuicUnavailableError where there is none. */
export function quiche(): Quiche {
  return loadQuiche();
}

/** Null when QUIC works here, else the message users see. */
export function quicUnavailable(): string | null {
  try {
    loadQuiche();
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}
