// Capped exponential back-off with jitter for reconnects (NodePass waits a fixed 3 s). The first
// retry is fast so a peer that restarts quickly is back within a fraction of a second.

export class Backoff {
  private attempt = 0;

  constructor(
    private readonly firstMs = 100,
    private readonly capMs = 5000,
    /** Growth per attempt; 1.6 keeps the gaps short while a restarting peer comes up. */
    private readonly factor = 1.6,
  ) {}

  /** The delay before the next attempt: first ≈ firstMs, ×factor each time, at most capMs, ±25 % jitter. */
  next(): number {
    const base = Math.min(this.capMs, this.firstMs * this.factor ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    const jitter = base * 0.25 * (Math.random() * 2 - 1);
    return Math.max(10, Math.round(base + jitter));
  }

  reset(): void {
    this.attempt = 0;
  }
}

/** Resolves after ms, or at once when `signal` fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
