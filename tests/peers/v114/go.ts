// The few Go primitives the peer's code is written with: a buffered channel, a cancellable
// context, sleeping on one, and a ticker whose ticks go to one waiter each (in the order they
// started waiting), as a Go ticker shared by two goroutines does.

export class Context {
  private readonly ac = new AbortController();
  private readonly children = new Set<Context>();

  constructor(private readonly parent: Context | null = null) {
    parent?.children.add(this);
  }

  get err(): boolean {
    return this.ac.signal.aborted || (this.parent?.err ?? false);
  }

  get signal(): AbortSignal {
    return this.ac.signal;
  }

  cancel(): void {
    if (this.ac.signal.aborted) return;
    this.ac.abort();
    for (const c of this.children) c.cancel();
    this.parent?.children.delete(this);
  }

  /** Resolves when cancelled (at once if it already is). */
  done(): Promise<void> {
    if (this.err) return Promise.resolve();
    return new Promise((r) => this.ac.signal.addEventListener('abort', () => r(), { once: true }));
  }
}

/** `select { case <-ctx.Done(): case <-time.After(ms): }`: true when the time passed, false when cancelled. */
export function sleep(ms: number, ctx?: Context): Promise<boolean> {
  if (ctx?.err) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(t);
      resolve(false);
    };
    const t = setTimeout(() => {
      ctx?.signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    ctx?.signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** A buffered channel of capacity `cap`. */
export class Chan<T> {
  private readonly items: T[] = [];
  private readonly waiters: Array<(v: T) => void> = [];

  constructor(readonly cap: number) {}

  get length(): number {
    return this.items.length;
  }

  /** `select { case ch <- v: return true; default: return false }` */
  trySend(v: T): boolean {
    const w = this.waiters.shift();
    if (w) {
      w(v);
      return true;
    }
    if (this.items.length >= this.cap) return false;
    this.items.push(v);
    return true;
  }

  /** `<-ch` until the context is done or `timeoutMs` passes (null then). */
  recv(ctx: Context, timeoutMs = 0): Promise<T | null> {
    if (this.items.length > 0) return Promise.resolve(this.items.shift()!);
    if (ctx.err) return Promise.resolve(null);
    return new Promise((resolve) => {
      const finish = (v: T | null) => {
        if (t) clearTimeout(t);
        ctx.signal.removeEventListener('abort', onAbort);
        const i = this.waiters.indexOf(take);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve(v);
      };
      const take = (v: T) => finish(v);
      const onAbort = () => finish(null);
      const t = timeoutMs > 0 ? setTimeout(() => finish(null), timeoutMs) : null;
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(take);
    });
  }

  /** A receive that does not wait (`select { case v := <-ch: … default: }`). */
  tryRecv(): T | undefined {
    return this.items.shift();
  }
}

/** time.NewTicker shared by several goroutines: each tick wakes the longest-waiting one. */
export class Ticker {
  private readonly waiters: Array<() => void> = [];
  private readonly timer: NodeJS.Timeout;

  constructor(periodMs: number) {
    this.timer = setInterval(() => this.waiters.shift()?.(), periodMs);
  }

  /** `<-ticker.C` or the context's end; true on a tick. */
  next(ctx: Context): Promise<boolean> {
    if (ctx.err) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onTick = () => {
        ctx.signal.removeEventListener('abort', onAbort);
        resolve(true);
      };
      const onAbort = () => {
        const i = this.waiters.indexOf(onTick);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve(false);
      };
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(onTick);
    });
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
