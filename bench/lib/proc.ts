// Child processes the benchmark drives: tunnel ends (ours or NODEPASS_BIN), helper peers, and
// external tools; plus what /proc says about them (CPU ticks, RSS).

import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = path.join(ROOT, 'bin/nodepass');

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

/** Clock ticks per second for /proc/<pid>/stat (USER_HZ is 100 on every Linux we run on). */
const CLK_TCK = 100;

/** Every child still running; killed when the harness exits, whatever the reason. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

export class Proc {
  readonly child: ChildProcess;
  readonly lines: string[] = [];
  private waiters: Array<{ re: RegExp; resolve: (l: string) => void }> = [];
  private lineListeners: Array<(l: string) => void> = [];
  exited = false;
  readonly exit: Promise<number | null>;

  constructor(
    readonly label: string,
    cmd: string,
    args: string[],
    env: Record<string, string> = {},
  ) {
    this.child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.on('error', () => {});
    live.add(this.child);
    this.child.stdin!.on('error', () => {});
    const take = (stream: NodeJS.ReadableStream) => {
      let buf = '';
      stream.on('data', (d: Buffer) => {
        buf += d.toString();
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl).replace(ANSI, '');
          buf = buf.slice(nl + 1);
          // Keep the start of the log and the recent tail; a long run logs per connection.
          if (this.lines.length > 4000) this.lines.splice(200, 2000);
          this.lines.push(line);
          for (const l of this.lineListeners) l(line);
          this.waiters = this.waiters.filter((w) => {
            if (!w.re.test(line)) return true;
            w.resolve(line);
            return false;
          });
        }
      });
    };
    take(this.child.stdout!);
    take(this.child.stderr!);
    this.exit = new Promise((resolve) =>
      this.child.on('exit', (code) => {
        this.exited = true;
        live.delete(this.child);
        resolve(code);
      }),
    );
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  onLine(fn: (l: string) => void): void {
    this.lineListeners.push(fn);
  }

  /** Waits for an output line matching `re` (also one already printed). */
  waitFor(re: RegExp, timeoutMs: number): Promise<string> {
    const seen = this.lines.find((l) => re.test(l));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(new Error(`${this.label}: no line matching ${re} within ${timeoutMs} ms; last lines:\n  ${this.tail(8).join('\n  ')}`));
      }, timeoutMs);
      const done = (l: string) => {
        clearTimeout(t);
        resolve(l);
      };
      this.waiters.push({ re, resolve: done });
      void this.exit.then(() => {
        if (!this.waiters.some((w) => w.resolve === done)) return;
        clearTimeout(t);
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(new Error(`${this.label} exited before printing ${re}; last lines:\n  ${this.tail(8).join('\n  ')}`));
      });
    });
  }

  tail(n: number): string[] {
    return this.lines.slice(-n);
  }

  send(line: string): void {
    this.child.stdin!.write(line + '\n');
  }

  /** CPU seconds (user + system) used so far, or null when the process is gone. */
  cpuSeconds(): number | null {
    return cpuSecondsOf(this.pid);
  }

  /** Resident set size in KiB, or null when the process is gone. */
  rssKiB(): number | null {
    return rssKiBOf(this.pid);
  }

  async stop(graceMs = 3000): Promise<void> {
    if (this.exited) return;
    this.child.kill('SIGTERM');
    const t = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exit;
    clearTimeout(t);
  }
}

/** utime + stime of a process (plus its reaped children's with `children`), in seconds. */
export function cpuSecondsOf(pid: number, children = false): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const own = Number(f[11]) + Number(f[12]); // utime, stime (fields 14, 15)
    return (children ? own + Number(f[13]) + Number(f[14]) : own) / CLK_TCK; // cutime, cstime
  } catch {
    return null;
  }
}

export function rssKiBOf(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** Direct children of a process (Linux /proc). */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (text) out.push(...text.split(/\s+/).map(Number));
    }
  } catch {
    // gone
  }
  return out;
}

/** A helper peer (bench/helpers/peer.ts) in its own process; it prints one JSON line per answer. */
export class Peer {
  private readonly proc: Proc;
  private pending: Array<(v: Record<string, unknown>) => void> = [];
  port = 0;

  constructor(mode: string, args: string[] = []) {
    this.proc = new Proc(`peer ${mode}`, process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/helpers/peer.ts'), mode, ...args]);
    this.proc.onLine((l) => {
      if (!l.startsWith('{')) return;
      const next = this.pending.shift();
      next?.(JSON.parse(l) as Record<string, unknown>);
    });
  }

  get pid(): number {
    return this.proc.pid;
  }

  private answer(timeoutMs = 30_000): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${this.proc.label}: no answer within ${timeoutMs} ms`)), timeoutMs);
      this.pending.push((v) => {
        clearTimeout(t);
        resolve(v);
      });
    });
  }

  async ready(): Promise<this> {
    const a = await this.answer();
    this.port = Number(a.port);
    return this;
  }

  async ask(cmd: string, timeoutMs?: number): Promise<Record<string, unknown>> {
    const p = this.answer(timeoutMs);
    this.proc.send(cmd);
    return p;
  }

  rssKiB(): number | null {
    return this.proc.rssKiB();
  }

  stop(): Promise<void> {
    return this.proc.stop(1000);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
