// Dialling targets (spec §7.10): round-robin start over several targets with failover, the DNS
// cache, and an optional source IP. Unlike NodePass, only errors caused by the source address
// itself (not a refused target) switch the dialler to automatic source selection.

import type dgram from 'node:dgram';
import type net from 'node:net';
import { connectUdp, dialTcp } from './dial';
import type { DnsCache } from './dns';
import type { HostPort } from '../url/model';
import { joinHostPort } from '../url/ip';

const SOURCE_ERRORS = new Set(['EADDRNOTAVAIL', 'EINVAL', 'EAFNOSUPPORT', 'EADDRINUSE']);

export class Targets {
  private counter = 0;
  private sourceIp: string;

  constructor(
    readonly list: readonly HostPort[],
    private readonly dns: DnsCache,
    dialIp: string,
    private readonly onSourceFallback: (err: Error) => void,
  ) {
    this.sourceIp = dialIp === 'auto' ? '' : dialIp;
  }

  /** The start index for the next dial (advances the shared counter, like NodePass). */
  nextIndex(): number {
    const i = this.counter % this.list.length;
    this.counter = (this.counter + 1) % 0x7fffffff;
    return i;
  }

  get source(): string {
    return this.sourceIp;
  }

  /** Resolves target i to an address for a UDP socket or a probe. */
  async resolve(i: number): Promise<{ address: string; family: number; port: number }> {
    const t = this.list[i];
    const r = await this.dns.resolve(t.host);
    return { address: r.address, family: r.family, port: t.port };
  }

  async dialTcp(timeoutMs: number): Promise<net.Socket> {
    const start = this.nextIndex();
    let last: Error | null = null;
    for (let k = 0; k < this.list.length; k++) {
      const t = this.list[(start + k) % this.list.length];
      try {
        const { address } = await this.dns.resolve(t.host);
        return await this.dialOne(address, t.port, timeoutMs);
      } catch (e) {
        last = e as Error;
      }
    }
    if (this.list.length === 1) throw last!;
    throw new Error(`dialWithRotation: all ${this.list.length} targets failed: ${last!.message}`);
  }

  /**
   * A connected UDP socket to the next target. UDP has no handshake, so failover only skips
   * targets that do not resolve or cannot be bound; `timeoutMs` bounds the name lookup.
   */
  async dialUdp(timeoutMs: number): Promise<dgram.Socket> {
    const start = this.nextIndex();
    let last: Error | null = null;
    for (let k = 0; k < this.list.length; k++) {
      const t = this.list[(start + k) % this.list.length];
      try {
        const r = await withTimeout(this.dns.resolve(t.host), timeoutMs, `lookup ${t.host}: i/o timeout`);
        return await this.dialUdpOne(r.address, r.family, t.port);
      } catch (e) {
        last = e as Error;
      }
    }
    if (this.list.length === 1) throw last!;
    throw new Error(`dialWithRotation: all ${this.list.length} targets failed: ${last!.message}`);
  }

  private async dialUdpOne(address: string, family: number, port: number): Promise<dgram.Socket> {
    if (this.sourceIp === '') return connectUdp({ address, family, port, localAddress: '' });
    try {
      return await connectUdp({ address, family, port, localAddress: this.sourceIp });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? '';
      if (!SOURCE_ERRORS.has(code)) throw e;
      this.sourceIp = '';
      this.onSourceFallback(e as Error);
      return connectUdp({ address, family, port, localAddress: '' });
    }
  }

  private async dialOne(host: string, port: number, timeoutMs: number): Promise<net.Socket> {
    if (this.sourceIp === '') return dialTcp({ host, port, timeoutMs, fastRead: true });
    try {
      return await dialTcp({ host, port, timeoutMs, localAddress: this.sourceIp, fastRead: true });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? '';
      if (!SOURCE_ERRORS.has(code)) throw e;
      this.sourceIp = '';
      this.onSourceFallback(e as Error);
      return dialTcp({ host, port, timeoutMs, fastRead: true });
    }
  }

  describe(): string {
    return this.list.map((t) => joinHostPort(t.host, t.port)).join(',');
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(message)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}
