// When a master runs this instance as a child process with an IPC channel, statistics and state
// go to it as structured messages (no log scraping), and the child exits if the master goes away.

import type { TunnelInstance } from './index';

/** Where a master puts the instance URL for `cli.mjs --instance=<id>` (see runner-process.ts). */
export const INSTANCE_URL_ENV = 'NPD_INSTANCE_URL';

export interface ChildMessage {
  type: 'stats' | 'state';
  [k: string]: unknown;
}

let instance: TunnelInstance | null = null;

function leave(): void {
  setTimeout(() => process.exit(0), 2000).unref();
  if (instance) void instance.stop().finally(() => process.exit(0));
  else process.exit(0);
}

/**
 * Called first thing in a child: a master that dies (even by SIGKILL) closes the channel, and we
 * follow it — also while we are still starting up, before there is an instance to stop.
 */
export function watchParent(): void {
  if (!process.send) return;
  if (!process.connected) leave();
  process.on('disconnect', leave);
}

export function attachParent(inst: TunnelInstance): void {
  instance = inst;
  if (!process.connected) {
    leave();
    return;
  }
  const send = (m: ChildMessage) => {
    if (process.connected) process.send!(m, undefined, { swallowErrors: true } as never, () => {});
  };
  inst.on('stats', (s) => send({ type: 'stats', stats: s }));
  inst.on('state', (e) => send({ type: 'state', state: e.state, message: e.message }));
}
