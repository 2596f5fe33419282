// When a master runs this instance as a child process with an IPC channel, statistics and state
// go to it as structured messages (no log scraping), and the child exits if the master goes away.

import type { TunnelInstance } from './index';

export interface ChildMessage {
  type: 'stats' | 'state';
  [k: string]: unknown;
}

export function attachParent(instance: TunnelInstance): void {
  const send = (m: ChildMessage) => {
    if (process.connected) process.send!(m, undefined, { swallowErrors: true } as never, () => {});
  };
  instance.on('stats', (s) => send({ type: 'stats', stats: s }));
  instance.on('state', (e) => send({ type: 'state', state: e.state, message: e.message }));
  // No orphans: a master that dies (even by SIGKILL) closes the channel, and we follow it.
  process.on('disconnect', () => {
    void instance.stop().finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  });
}
