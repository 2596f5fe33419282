// Child processes of the real CLI (bin/nodepass), with their output captured line by line (tests,
// the soak and the benchmark).

import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { parseCheckPoint, type StatsSnapshot } from '../../engine/instance/stats';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = path.join(ROOT, 'bin/nodepass');

/** The local time at the start of a NodePass log line, in ms since the epoch (NaN if none). */
export function logTime(line: string): number {
  const m = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)\.(\d{3})/.exec(line);
  if (!m) return NaN;
  const n = m.slice(1).map(Number);
  return new Date(n[0], n[1] - 1, n[2], n[3], n[4], n[5], n[6]).getTime();
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

export class NodePassProcess {
  readonly child: ChildProcess;
  readonly lines: string[] = [];
  readonly stderr: string[] = [];
  private waiters: Array<{ re: RegExp; from: number; resolve: (l: string) => void }> = [];
  exitCode: number | null = null;
  readonly exited: Promise<number | null>;

  constructor(readonly url: string, env: Record<string, string> = {}, args?: string[]) {
    this.child = spawn(process.execPath, [BIN, ...(args ?? [url])], {
      env: { ...process.env, NP_REPORT_INTERVAL: '1s', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let buf = '';
    this.child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).replace(ANSI, '');
        buf = buf.slice(nl + 1);
        this.lines.push(line);
        this.check();
      }
    });
    let ebuf = '';
    this.child.stderr!.on('data', (d: Buffer) => {
      ebuf += d.toString();
      let nl;
      while ((nl = ebuf.indexOf('\n')) >= 0) {
        this.stderr.push(ebuf.slice(0, nl));
        ebuf = ebuf.slice(nl + 1);
      }
    });
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code) => {
        this.exitCode = code;
        resolve(code);
      }),
    );
  }

  private check(): void {
    this.waiters = this.waiters.filter((w) => {
      for (let i = w.from; i < this.lines.length; i++) {
        if (w.re.test(this.lines[i])) {
          w.resolve(this.lines[i]);
          return false;
        }
      }
      return true;
    });
  }

  /** Waits for a line matching `re` (searching from line `from`, default: all lines so far). */
  waitFor(re: RegExp, timeoutMs = 10000, from = 0): Promise<string> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(new Error(`timeout waiting for ${re} in ${this.url}\n--- output ---\n${this.lines.join('\n')}\n${this.stderr.join('\n')}`));
      }, timeoutMs);
      const done = (l: string) => {
        clearTimeout(t);
        resolve(l);
      };
      this.waiters.push({ re, from, resolve: done });
      this.check();
    });
  }

  /**
   * The next CHECK_POINT logged from now on. Lines reach us in batches, so "the next line read"
   * may have been logged before the caller's action; the line's own timestamp decides.
   */
  async nextCheckPoint(timeoutMs = 5000): Promise<StatsSnapshot> {
    const since = Date.now();
    const deadline = since + timeoutMs;
    let from = this.lines.length;
    for (;;) {
      const line = await this.waitFor(/CHECK_POINT/, Math.max(1, deadline - Date.now()), from);
      from = this.lines.indexOf(line, from) + 1;
      if (logTime(line) >= since - 1) return parseCheckPoint(line)!;
    }
  }

  output(): string {
    return this.lines.join('\n');
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.exitCode === null) this.child.kill(signal);
    return this.exited;
  }
}

/** Starts processes and guarantees they are killed when the test ends. */
export class ProcessGroup {
  private procs: NodePassProcess[] = [];

  start(url: string, env: Record<string, string> = {}): NodePassProcess {
    const p = new NodePassProcess(url, env);
    this.procs.push(p);
    return p;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.procs.map((p) => p.stop('SIGKILL')));
    this.procs = [];
  }
}
