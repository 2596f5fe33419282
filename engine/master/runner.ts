// One running instance, whichever way it is isolated (a worker thread or a child process). The
// supervisor only sees these events and two ways to end it.

import { EventEmitter } from 'node:events';
import type { RunState } from '../instance/core';
import type { FaultKind } from '../instance/runner-channel';
import type { StatsSnapshot } from '../instance/stats';

export interface RunnerExit {
  /** Why it ended, in words (exit code, signal, uncaught exception). */
  reason: string;
  /** True for a clean exit (code 0 without being asked to stop would still be unexpected). */
  clean: boolean;
}

export interface RunnerEvents {
  /** A raw log line (ANSI colours kept). */
  log: [line: string];
  /** Structured statistics (cumulative counters since this runner started). */
  stats: [stats: StatsSnapshot];
  state: [state: { state: RunState; message: string }];
  exit: [exit: RunnerExit];
}

export type Isolation = 'worker' | 'process';

export abstract class InstanceRunner extends EventEmitter<RunnerEvents> {
  abstract readonly isolation: Isolation;
  /** OS process ID of a child process; undefined for a worker. */
  abstract readonly pid: number | undefined;
  /** Whether stats arrive as messages (so silence means the instance hangs). */
  abstract readonly structured: boolean;
  exited = false;

  /** Asks it to stop; after `graceMs` it is killed. Resolves once it is gone. */
  abstract stop(graceMs: number): Promise<void>;
  /** Ends it at once (hung or runaway). */
  abstract kill(): void;
  /** Test hook (NPD_FAULT_INJECTION=1 only): make the instance fail from the inside. */
  abstract fault(kind: FaultKind): boolean;

  protected finish(exit: RunnerExit): void {
    if (this.exited) return;
    this.exited = true;
    this.emit('exit', exit);
  }
}

export interface RunnerSpec {
  id: string;
  url: string;
  statsIntervalMs: number;
  env: Record<string, string | undefined>;
}

export type RunnerFactory = (spec: RunnerSpec) => InstanceRunner;

/** Splits a byte stream into lines (a line split across reads stays one line, unlike NodePass). */
export class Lines {
  private buf = '';
  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: Buffer | string): void {
    this.buf += chunk.toString();
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl).replace(/\r$/, '');
      this.buf = this.buf.slice(nl + 1);
      if (line !== '') this.onLine(line);
    }
    if (this.buf.length > 1 << 20) {
      // A runaway line without LF: flush it rather than grow without bound.
      this.onLine(this.buf);
      this.buf = '';
    }
  }

  end(): void {
    if (this.buf !== '') this.onLine(this.buf);
    this.buf = '';
  }
}
