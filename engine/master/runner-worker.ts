// Isolation by worker thread: one V8 isolate and event loop per instance inside the master's
// process — an exception, an exit() or a runaway loop ends only that worker (terminate() stops
// even a busy loop), heap exhaustion is capped per worker, and busy instances use several cores.
// What a worker cannot survive is a native crash of the whole process; use NP_ISOLATION=process
// for that.

import { Worker } from 'node:worker_threads';
import type { FaultKind, RunnerControl, RunnerMessage } from '../instance/runner-channel';
import { InstanceRunner, type RunnerSpec } from './runner';

export interface WorkerOptions {
  /** The built worker entry (dist/engine/instance-worker.mjs, from instance-worker.ts). */
  script: URL | string;
  /** Old-generation heap cap per instance, MB. */
  heapMb: number;
  faults: boolean;
}

export interface WorkerData {
  url: string;
  statsIntervalMs: number;
  faults: boolean;
}

export class WorkerRunner extends InstanceRunner {
  readonly isolation = 'worker' as const;
  readonly structured = true;
  readonly pid = undefined;
  private readonly worker: Worker;
  private readonly done: Promise<void>;
  private crash = '';

  constructor(spec: RunnerSpec, o: WorkerOptions) {
    super();
    const data: WorkerData = { url: spec.url, statsIntervalMs: spec.statsIntervalMs, faults: o.faults };
    this.worker = new Worker(o.script, {
      workerData: data,
      env: spec.env,
      name: `nodepass-${spec.id}`,
      resourceLimits: { maxOldGenerationSizeMb: o.heapMb },
    });
    this.worker.on('message', (m: RunnerMessage) => {
      if (m.type === 'log') this.emit('log', m.line);
      else if (m.type === 'stats') this.emit('stats', m.stats);
      else if (m.type === 'state') this.emit('state', { state: m.state, message: m.message });
    });
    this.worker.on('error', (e: Error) => {
      this.crash = `${(e as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'out of memory' : 'uncaught exception'}: ${e.message}`;
    });
    this.done = new Promise((resolve) => {
      this.worker.once('exit', (code) => {
        this.finish({ reason: this.crash || `exited with code ${code}`, clean: code === 0 && !this.crash });
        resolve();
      });
    });
  }

  async stop(graceMs: number): Promise<void> {
    if (this.exited) return;
    this.post({ type: 'stop' });
    const t = setTimeout(() => this.kill(), graceMs);
    await this.done;
    clearTimeout(t);
  }

  kill(): void {
    if (!this.exited) void this.worker.terminate();
  }

  fault(kind: FaultKind): boolean {
    if (this.exited) return false;
    this.post({ type: 'fault', kind });
    return true;
  }

  private post(m: RunnerControl): void {
    this.worker.postMessage(m);
  }
}
