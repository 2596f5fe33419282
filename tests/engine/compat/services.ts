// What the compat suites put behind a tunnel: one port with a two-way TCP target and a UDP echo,
// and the cleanup every suite needs (processes, peers, services).

import { after } from 'node:test';
import { freePort, udpEchoServer, type UdpEchoServer } from '../../helpers/net';
import { twoWayTarget, type TwoWayTarget } from '../../helpers/interop-traffic';
import { ProcessGroup } from '../../helpers/proc';

export interface Services {
  port: number;
  tcp: TwoWayTarget;
  udp: UdpEchoServer;
}

/** The test's NP_REPORT_INTERVAL, for our processes (helpers/proc.ts) and the peers alike. */
export const REPORT_MS = 1000;

export interface Suite {
  group: ProcessGroup;
  services(): Promise<Services>;
  /** Stops `p` when the file's tests are done. */
  own<T extends { stop(): Promise<void> }>(p: T): T;
}

export function suite(): Suite {
  const group = new ProcessGroup();
  const owned: Array<{ stop(): Promise<void> }> = [];
  const closers: Array<() => Promise<void>> = [];
  after(async () => {
    for (const p of owned) await p.stop();
    await group.stopAll();
    for (const c of closers) await c();
  });
  return {
    group,
    own: (p) => {
      owned.push(p);
      return p;
    },
    async services() {
      for (let attempt = 0; ; attempt++) {
        const port = await freePort();
        const tcp = await twoWayTarget(port);
        try {
          const udp = await udpEchoServer(port);
          closers.push(() => tcp.close(), () => udp.close());
          return { port, tcp, udp };
        } catch (e) {
          await tcp.close();
          if (attempt > 5) throw e;
        }
      }
    },
  };
}
