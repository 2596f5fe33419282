// QUIC settings for quiche: NodePass's transport parameters, our throughput knobs, and the TLS
// material of a connection, turned into a quiche config.

import type dgram from 'node:dgram';
import { CongestionControl, quiche, type QuicheConfig } from './native';

export type CcName = 'reno' | 'cubic' | 'bbr';

/**
 * Throughput knobs, one per optimisation step; the defaults are the fastest measured here, and
 * bench/quic-driver.ts switches them one by one to measure each.
 */
export interface QuicTuning {
  /** Bytes per streamRecv (@matrixai/quic reads 4 KiB). */
  readView: number;
  /**
   * SO_RCVBUF/SO_SNDBUF asked for (0 = kernel default, ~208 KiB). 1 MiB absorbs a burst during a
   * GC pause; 4 MiB measured no faster and let loss-based congestion control queue 30–100 ms of
   * data in the socket, which every stream of the connection (the control channel too) waits behind.
   */
  socketBuffer: number;
  /** Apply large flow-control windows (false = @matrixai/quic's 10 MiB / 1 MiB, never grown). */
  bigWindows: boolean;
  /** Process all datagrams of a poll round together (false = run quiche after every datagram). */
  batch: boolean;
}

const DEFAULT_TUNING: Readonly<QuicTuning> = {
  readView: 64 * 1024,
  socketBuffer: 1024 * 1024,
  bigWindows: true,
  batch: true,
};

export function tuningOf(t?: Partial<QuicTuning>): QuicTuning {
  return { ...DEFAULT_TUNING, ...t };
}

export interface QuicSettings {
  alpn: string;
  /** Keep-alive PING period (NodePass: NP_REPORT_INTERVAL). */
  keepAliveMs: number;
  /** Max idle timeout transport parameter (NodePass: 3 × keep-alive). */
  idleTimeoutMs: number;
  /** Bidirectional streams the peer may have open at once (NodePass: pool max). */
  maxIncomingStreams: number;
  /**
   * Congestion controller. Default CUBIC, like quic-go and Linux TCP: on loopback Reno, CUBIC and
   * BBR measured the same within noise (bench/quic-driver.ts), so the usual one wins.
   */
  cc?: CcName;
  /** Largest UDP payload sent (default 1350: fits every ordinary path without PMTU discovery). */
  maxPacket?: number;
  /** Defaults to DEFAULT_TUNING. */
  tuning?: Partial<QuicTuning>;
}

/** Length of the connection IDs we issue. */
export const CID_LEN = 20;
/** Payloads above this are not expected from any QUIC peer (quic-go sends ≤ 1452). */
const MAX_RECV_PACKET = 1500;

export interface TlsMaterial {
  /** PEM certificate chain and key (server). */
  certPem?: string;
  keyPem?: string;
  /** Verify the server's chain and name (client, tls=2) against these PEM roots. */
  verify?: boolean;
  caPem?: string;
}

/** A quiche config with NodePass's transport parameters and our throughput settings. */
export function makeConfig(s: QuicSettings, t: TlsMaterial): QuicheConfig {
  const enc = (x: string) => new Uint8Array(Buffer.from(x));
  const cfg = quiche().Config.withBoringSslCtx(
    t.verify === true,
    false,
    t.verify && t.caPem ? enc(t.caPem) : null,
    t.keyPem ? [enc(t.keyPem)] : null,
    t.certPem ? [enc(t.certPem)] : null,
    null,
  );
  cfg.setApplicationProtos([s.alpn]);
  cfg.setMaxIdleTimeout(s.idleTimeoutMs);
  cfg.setMaxRecvUdpPayloadSize(MAX_RECV_PACKET);
  cfg.setMaxSendUdpPayloadSize(s.maxPacket ?? 1350);
  // Flow-control windows: start generous and let quiche grow them (the library this binary comes
  // with never applied its window settings).
  if (tuningOf(s.tuning).bigWindows) {
    cfg.setInitialMaxData(16 * 1024 * 1024);
    cfg.setInitialMaxStreamDataBidiLocal(2 * 1024 * 1024);
    cfg.setInitialMaxStreamDataBidiRemote(2 * 1024 * 1024);
    cfg.setMaxStreamWindow(16 * 1024 * 1024);
    cfg.setMaxConnectionWindow(64 * 1024 * 1024);
  } else {
    cfg.setInitialMaxData(10 * 1024 * 1024);
    cfg.setInitialMaxStreamDataBidiLocal(1024 * 1024);
    cfg.setInitialMaxStreamDataBidiRemote(1024 * 1024);
    cfg.setMaxStreamWindow(1024 * 1024);
    cfg.setMaxConnectionWindow(10 * 1024 * 1024);
  }
  cfg.setInitialMaxStreamDataUni(0);
  cfg.setInitialMaxStreamsBidi(Math.max(1, s.maxIncomingStreams));
  cfg.setInitialMaxStreamsUni(0);
  cfg.setDisableActiveMigration(true);
  cfg.setCcAlgorithm(CongestionControl[({ reno: 'Reno', cubic: 'CUBIC', bbr: 'BBR' } as const)[s.cc ?? 'cubic']]);
  return cfg;
}

/** UDP socket options that matter for throughput: room for a burst of a full congestion window. */
export function tuneSocket(sock: dgram.Socket, tuning: QuicTuning): void {
  if (tuning.socketBuffer <= 0) return;
  try {
    sock.setRecvBufferSize(tuning.socketBuffer);
    sock.setSendBufferSize(tuning.socketBuffer);
  } catch {
    /* the kernel caps these; defaults still work */
  }
}
