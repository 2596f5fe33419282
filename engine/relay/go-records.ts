// Raw datagrams from a Go NodePass over a TLS pooled stream (type 0): each Go Write becomes one
// datagram write, and the Go reader takes each TLS record as one datagram. But Go's crypto/tls
// cuts the writes of a young connection into small records (dynamic record sizing): record k of a
// connection carries at most min(1186 × (k + 1), 16384) bytes. So a datagram over 1186 bytes that
// is the first thing the v1.14 client writes on a pooled stream reaches us as two records (1186 +
// the rest), and one over 2372 bytes that is the v1.14 server's first datagram (its record 0 was
// the 4-byte ID) as well; between two Go peers the receiver forwards both pieces as two datagrams
// (observed with the v1.14 binary: a 1400-byte reply came back as 1186 + 214).
//
// A record exactly as long as its limit is therefore held for a moment: when the next record
// follows at once, it is the rest of the same Write and the two are joined. A datagram whose last
// record happens to fill its limit exactly is delivered after the wait instead; if another
// datagram follows within the wait, that is the one case this cannot tell apart (Go's records
// carry no marker), and the two are joined.

/** Plaintext bytes of a small record: 1208 (Go's MSS estimate) − 5 header − 16 tag − 1 type. */
export const GO_SMALL_RECORD = 1186;
export const TLS_MAX_PLAINTEXT = 16384;
/** How long a full-sized record waits for the rest of its Write. */
export const GO_RECORD_JOIN_MS = 50;

/** Largest plaintext of the Go sender's app-data record number `k` (0-based) on one connection. */
export function goRecordLimit(k: number): number {
  return Math.min(GO_SMALL_RECORD * (k + 1), TLS_MAX_PLAINTEXT);
}

export class GoRecordJoiner {
  private index: number;
  private held: Buffer[] = [];
  private heldBytes = 0;
  private timer: NodeJS.Timeout | null = null;

  /**
   * @param recordsBefore app-data records the Go side wrote on this connection before the first
   *   one given here (1 when it is the server: the ID).
   * @param maxDatagram stop joining beyond this many bytes.
   */
  constructor(
    recordsBefore: number,
    private readonly maxDatagram: number,
    private readonly emit: (datagram: Buffer) => void,
    private readonly waitMs = GO_RECORD_JOIN_MS,
  ) {
    this.index = recordsBefore;
  }

  /** One TLS record's plaintext, in order. */
  push(record: Buffer): void {
    const limit = goRecordLimit(this.index++);
    const full = record.length === limit && limit < TLS_MAX_PLAINTEXT;
    if (this.held.length === 0 && !full) {
      this.emit(record);
      return;
    }
    this.held.push(record);
    this.heldBytes += record.length;
    if (full && this.heldBytes < this.maxDatagram) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => this.flush(), this.waitMs);
      this.timer.unref?.();
      return;
    }
    this.flush();
  }

  /** Delivers what is held (the wait ran out, or the stream ends). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.held.length === 0) return;
    const d = this.held.length === 1 ? this.held[0] : Buffer.concat(this.held, this.heldBytes);
    this.held = [];
    this.heldBytes = 0;
    this.emit(d);
  }

  /** Drops what is held without delivering it. */
  discard(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.held = [];
    this.heldBytes = 0;
  }
}
