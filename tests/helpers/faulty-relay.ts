// A TCP relay the test controls, placed between a tunnel client and server: it can pass traffic,
// black-hole it (stop forwarding, keep sockets open), drop it (reset everything), or act as a TLS
// man in the middle with its own self-signed certificate.

import net from 'node:net';
import tls from 'node:tls';
import { generateSelfSigned } from '../../engine/tls/selfsigned';

export type RelayMode = 'pass' | 'blackhole' | 'drop';

export class FaultyRelay {
  mode: RelayMode = 'pass';
  port = 0;
  private server: net.Server;
  private readonly pairs = new Set<[net.Socket, net.Socket]>();
  private mitm: { cert: string; key: string } | null = null;
  accepted = 0;
  /** Per relayed connection, in order: the first 256 bytes the target (server) sent back through it. */
  readonly downstream: Buffer[] = [];
  /** Source address for the relay's own connections (e.g. 127.0.0.2: a peer on another IP). */
  private localAddress: string | undefined;

  private constructor(private readonly targetPort: number) {
    this.server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (s) => this.onConn(s));
  }

  static async start(targetPort: number, opts: { mitm?: boolean; localAddress?: string } = {}): Promise<FaultyRelay> {
    const r = new FaultyRelay(targetPort);
    r.localAddress = opts.localAddress;
    if (opts.mitm) {
      const pair = await generateSelfSigned('mitm');
      r.mitm = { cert: pair.certPem, key: pair.keyPem };
    }
    await new Promise<void>((res) => r.server.listen(0, '127.0.0.1', () => res()));
    r.port = (r.server.address() as net.AddressInfo).port;
    return r;
  }

  private onConn(client: net.Socket): void {
    this.accepted++;
    client.on('error', () => {});
    if (this.mode === 'drop') {
      client.resetAndDestroy();
      return;
    }
    if (this.mitm) {
      client.once('data', (first: Buffer) => {
        client.pause();
        client.unshift(first);
        if (first[0] === 0x16) this.intercept(client);
        else this.pipe(client, net.connect(this.targetPort, '127.0.0.1'));
      });
      client.resume();
      return;
    }
    this.pipe(client, net.connect({ port: this.targetPort, host: '127.0.0.1', allowHalfOpen: true, localAddress: this.localAddress }));
  }

  /** Terminates the client's TLS with our certificate and opens our own TLS to the server. */
  private intercept(client: net.Socket): void {
    const fake = new tls.TLSSocket(client, { isServer: true, cert: this.mitm!.cert, key: this.mitm!.key, minVersion: 'TLSv1.3' });
    fake.on('error', () => {});
    const upstream = tls.connect({ port: this.targetPort, host: '127.0.0.1', rejectUnauthorized: false });
    upstream.on('error', () => fake.destroy());
    fake.pipe(upstream);
    upstream.pipe(fake);
    fake.on('close', () => upstream.destroy());
    upstream.on('close', () => fake.destroy());
  }

  private pipe(a: net.Socket, b: net.Socket): void {
    const pair: [net.Socket, net.Socket] = [a, b];
    this.pairs.add(pair);
    const n = this.downstream.push(Buffer.alloc(0)) - 1;
    b.on('data', (c: Buffer) => {
      // The first bytes are what tests look at; keep memory flat on long transfers.
      if (this.downstream[n].length < 256) this.downstream[n] = Buffer.concat([this.downstream[n], c]).subarray(0, 256);
    });
    b.on('error', () => a.destroy());
    a.on('error', () => b.destroy());
    const fwd = (from: net.Socket, to: net.Socket) => {
      from.on('data', (c: Buffer) => {
        // Black hole: swallow bytes silently, never close.
        if (this.mode === 'pass') to.write(c);
      });
      from.on('end', () => {
        if (this.mode === 'pass') to.end();
      });
    };
    fwd(a, b);
    fwd(b, a);
    const gone = () => {
      this.pairs.delete(pair);
      a.destroy();
      b.destroy();
    };
    a.on('close', gone);
    b.on('close', gone);
    a.resume();
  }

  setMode(mode: RelayMode): void {
    this.mode = mode;
    if (mode === 'drop') {
      for (const [a, b] of this.pairs) {
        a.resetAndDestroy();
        b.resetAndDestroy();
      }
      this.pairs.clear();
    }
  }

  get open(): number {
    return this.pairs.size;
  }

  close(): Promise<void> {
    for (const [a, b] of this.pairs) {
      a.destroy();
      b.destroy();
    }
    return new Promise((r) => this.server.close(() => r()));
  }
}

/** Open file descriptors of a process (Linux). */
export async function fdCount(pid: number): Promise<number> {
  const { readdirSync } = await import('node:fs');
  return readdirSync(`/proc/${pid}/fd`).length;
}
