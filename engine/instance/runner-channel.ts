// The channel between a master and an instance it runs in isolation (a worker thread or a child
// process): the messages both ends exchange, and the child-process end of it — statistics and
// state go to the master as structured messages (no log scraping), and the child exits if the
// master goes away.

import type { RunState } from './core';
import type { TunnelInstance } from './index';
import type { StatsSnapshot } from './stats';

/** Where a master puts the instance URL for `cli.mjs --instance=<id>` (see master/runner-process.ts). */
export const INSTANCE_URL_ENV = 'NPD_INSTANCE_URL';

/**
 * Instance → master. A worker sends all three; a child process sends stats and state (its log lines
 * arrive on stdout, as from any NodePass binary).
 */
export type RunnerMessage =
  | { type: 'log'; line: string }
  | { type: 'stats'; stats: StatsSnapshot }
  | { type: 'state'; state: RunState; message: string };

/** How a test makes an instance fail from the inside (NPD_FAULT_INJECTION=1 only). */
export type FaultKind = 'throw' | 'hang' | 'exit';

/** Master → worker. (A child process is stopped and faulted by signals.) */
export type RunnerControl = { type: 'stop' } | { type: 'fault'; kind: FaultKind };

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
  const send = (m: RunnerMessage) => {
    if (process.connected) process.send!(m, undefined, { swallowErrors: true } as never, () => {});
  };
  inst.on('stats', (s) => send({ type: 'stats', stats: s }));
  inst.on('state', (e) => send({ type: 'state', state: e.state, message: e.message }));
}
