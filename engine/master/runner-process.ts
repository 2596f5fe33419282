// Isolation by child process (like NodePass): the engine CLI runs the instance URL with an IPC
// channel, so stats and state arrive as messages (engine/instance/ipc.ts) and the child exits by
// itself when the master goes away, even after a SIGKILL. Any command that prints NodePass log
// lines works too (e.g. the Go binary): then stats come from CHECK_POINT lines.

import { spawn, type ChildProcess } from 'node:child_process';
import type { StatsSnapshot } from '../instance/stats';
import type { RunState } from '../instance/core';
import { INSTANCE_URL_ENV } from '../instance/ipc';
import { InstanceRunner, Lines, type RunnerSpec } from './runner';

export interface SpawnCommand {
  command: string;
  args: string[];
  env?: Record<string, string>;
}

/** How to start one instance process; injectable so Electron (or the Go binary) can be used. */
export type SpawnCommandFor = (url: string, id: string) => SpawnCommand;

/**
 * `node <cli.mjs> --instance=<id>` with the URL in the child's environment: a command line is
 * readable by every local user (ps, /proc/<pid>/cmdline) and the URL holds the tunnel key, while
 * the environment is readable by the same user only. (The Go NodePass puts it on the command
 * line.) Inside Electron its binary runs as plain Node (ELECTRON_RUN_AS_NODE).
 */
export function nodeCliCommand(cliPath: string): SpawnCommandFor {
  const electron = Boolean(process.versions.electron);
  return (url, id) => ({
    command: process.execPath,
    args: [cliPath, `--instance=${id}`],
    env: { [INSTANCE_URL_ENV]: url, ...(electron ? { ELECTRON_RUN_AS_NODE: '1' } : {}) },
  });
}

interface ChildMessage {
  type?: string;
  stats?: StatsSnapshot;
  state?: RunState;
  message?: string;
}

export class ProcessRunner extends InstanceRunner {
  readonly isolation = 'process' as const;
  structured = false;
  private readonly child: ChildProcess;
  private readonly done: Promise<void>;

  constructor(spec: RunnerSpec, command: SpawnCommandFor) {
    super();
    const cmd = command(spec.url, spec.id);
    this.child = spawn(cmd.command, cmd.args, {
      env: { ...spec.env, ...cmd.env, NPD_STATS_INTERVAL: String(spec.statsIntervalMs) },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      windowsHide: true,
    });
    const out = new Lines((l) => this.emit('log', l));
    const err = new Lines((l) => this.emit('log', l));
    this.child.stdout!.on('data', (d: Buffer) => out.push(d));
    this.child.stderr!.on('data', (d: Buffer) => err.push(d));
    this.child.on('message', (m: ChildMessage) => {
      if (m?.type === 'stats' && m.stats) {
        this.structured = true;
        this.emit('stats', m.stats);
      } else if (m?.type === 'state' && m.state) {
        this.emit('state', { state: m.state, message: m.message ?? '' });
      }
    });
    this.done = new Promise((resolve) => {
      this.child.once('error', (e) => {
        this.finish({ reason: `start failed: ${e.message}`, clean: false });
        resolve();
      });
      this.child.once('close', (code, signal) => {
        out.end();
        err.end();
        this.finish({ reason: signal ? `killed by ${signal}` : `exited with code ${code}`, clean: code === 0 });
        resolve();
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  async stop(graceMs: number): Promise<void> {
    if (this.exited) return;
    this.child.kill('SIGTERM');
    const t = setTimeout(() => this.kill(), graceMs);
    await this.done;
    clearTimeout(t);
  }

  kill(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }

  fault(kind: 'throw' | 'hang' | 'exit'): boolean {
    if (this.exited) return false;
    // A child cannot be made to throw from outside; a frozen or killed process is the real thing.
    if (kind === 'hang') return this.child.kill('SIGSTOP');
    return this.child.kill('SIGKILL');
  }
}
