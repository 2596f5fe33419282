// Isolation by child process (like NodePass): the engine CLI runs the instance URL with an IPC
// channel, so stats and state arrive as messages (engine/instance/runner-channel.ts) and the child exits by
// itself when the master goes away, even after a SIGKILL. Any command that prints NodePass log
// lines works too (e.g. the Go binary): then stats come from CHECK_POINT lines.

import { spawn, type ChildProcess } from 'node:child_process';
import { INSTANCE_URL_ENV, type FaultKind, type RunnerMessage } from '../instance/runner-channel';
import { InstanceRunner, Lines, type RunnerSpec } from './runner';

export interface SpawnCommand {
  command: string;
  args: string[];
  env?: Record<string, string>;
}

/** How to start one instance process; injectable so another runtime (or the Go binary) can be used. */
export type SpawnCommandFor = (url: string, id: string) => SpawnCommand;

/**
 * `<this runtime> <cli.mjs> --instance=<id>` with the URL in the child's environment: a command
 * line is readable by every local user (ps, /proc/<pid>/cmdline) and the URL holds the tunnel key,
 * while the environment is readable by the same user only. (The Go NodePass puts it on the command
 * line.) The child inherits the master's environment, so whatever made this runtime run as Node
 * for the master does so for its instances too.
 */
export function nodeCliCommand(cliPath: string): SpawnCommandFor {
  return (url, id) => ({
    command: process.execPath,
    args: [cliPath, `--instance=${id}`],
    env: { [INSTANCE_URL_ENV]: url },
  });
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
    // Any program may be the child (e.g. the Go binary): a message is checked before it is used.
    this.child.on('message', (m: RunnerMessage | undefined) => {
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

  fault(kind: FaultKind): boolean {
    if (this.exited) return false;
    // A child cannot be made to throw from outside; a frozen or killed process is the real thing.
    if (kind === 'hang') return this.child.kill('SIGSTOP');
    return this.child.kill('SIGKILL');
  }
}
