// DNS cache with a TTL (spec §7.9): names are looked up once per TTL; IP literals bypass it. If a
// re-resolution fails, the last good answer is used, as NodePass does with its start-up result.

import { lookup } from 'node:dns/promises';
import { isIP } from '../url/ip';

interface Entry {
  address: string;
  family: number;
  expires: number;
}

export class DnsCache {
  private readonly entries = new Map<string, Entry>();
  private readonly lastGood = new Map<string, Entry>();

  constructor(
    private ttlMs: number,
    /** The system resolver; replaceable so the cache's own behaviour can be observed. */
    private readonly lookupFn: (host: string) => Promise<{ address: string; family: number }> = (h) => lookup(h),
  ) {}

  async resolve(host: string): Promise<{ address: string; family: number }> {
    if (host === '') return { address: '', family: 0 };
    const fam = isIP(host);
    if (fam !== 0) return { address: host, family: fam };
    const now = Date.now();
    const hit = this.entries.get(host);
    if (hit && hit.expires > now) return hit;
    if (hit) this.entries.delete(host);
    try {
      const r = await this.lookupFn(host);
      const e: Entry = { address: r.address, family: r.family, expires: now + this.ttlMs };
      if (this.ttlMs > 0) this.entries.set(host, e);
      this.lastGood.set(host, e);
      return e;
    } catch (err) {
      const fallback = this.lastGood.get(host);
      if (fallback) return fallback;
      throw new Error(`lookup ${host}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }

  clear(): void {
    this.entries.clear();
  }
}
