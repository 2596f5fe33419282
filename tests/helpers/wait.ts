// Waiting for a condition instead of sleeping and hoping: polled every few ms, with a deadline
// that names what never happened.

/** Resolves when `check()` is true, or rejects after `timeoutMs` naming `what`. */
export async function until(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
