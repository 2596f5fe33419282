// Runs instances and keeps them running (spec §9.8, §9.10). Stats arrive as structured messages
// (or CHECK_POINT lines from runners without a message channel); status follows the engine's own
// state reports. Better than NodePass (which restarts `error` instances once an hour):
//   - an instance that dies is restarted with capped exponential back-off;
//   - one that stays in `error` for `errorRestartMs` is restarted, with the wait doubling each time;
//   - one that stops reporting (a runaway loop, a frozen process) is killed and restarted;
//   - status `error` carries the line that explains it (`error` field).

import { Backoff } from '../instance/backoff';
import type { Logger } from '../instance/logger';
import { parseCheckPoint, type StatsSnapshot } from '../instance/stats';
import type { RunState } from '../instance/core';
import { applyProcessValues, delta, onProcessStart, zeroTraffic, type Counters, type Traffic } from './counters';
import type { TrafficHistory } from './history';
import { loggedUrl } from './normalise';
import type { InstanceRunner, RunnerExit, RunnerFactory } from './runner';

/** The part of an instance record the supervisor owns. */
export interface SupervisedRecord {
  id: string;
  url: string;
  status: 'running' | 'stopped' | 'error';
  error: string;
  mode: number;
  ping: number;
  pool: number;
  tcps: number;
  udps: number;
  counters: Counters;
  history: TrafficHistory;
}

export interface SupervisorOptions {
  factory: RunnerFactory;
  env: Record<string, string | undefined>;
  logger: Logger;
  /** How often instances send stats (ms). */
  statsIntervalMs: number;
  /** An unchanged instance still gets an `update` this often (NodePass: every CHECK_POINT). */
  reportIntervalMs: number;
  /** Grace period before a stopping instance is killed. */
  stopGraceMs: number;
  restartMinMs: number;
  restartMaxMs: number;
  /** Continuous `error` for this long restarts the instance (doubling up to restartMaxMs × 12). */
  errorRestartMs: number;
  /** No stats for this long from an instance that reports them: it is hung. */
  hangTimeoutMs: number;
  /** Echo of an instance's line on the master's stdout (`<line> [<id>]`). */
  echo: (line: string, id: string) => void;
  onUpdate: (rec: SupervisedRecord) => void;
  onLog: (rec: SupervisedRecord, line: string) => void;
  /** Counters or history changed (to be saved eventually). */
  onTraffic: (rec: SupervisedRecord) => void;
}

class Slot {
  runner: InstanceRunner | null = null;
  wanted = false;
  restartTimer: NodeJS.Timeout | null = null;
  readonly backoff: Backoff;
  errorSince = 0;
  errorRestarts = 0;
  healthySince = 0;
  lastStatsAt = 0;
  lastCheckPointAt = 0;
  lastProc: Traffic = zeroTraffic();
  lastEmitAt = 0;
  lastEmitted = '';
  lastErrorLine = '';
  killReason = '';
  restarts = 0;
  cycling = false;

  constructor(min: number, max: number) {
    this.backoff = new Backoff(min, max);
  }
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;
const LINE = /^\S+ \S+\s+(DEBUG|INFO|WARN|ERROR|EVENT)\s+(.*)$/;

/** `(level, message)` of a NodePass log line, or null for other output. */
function splitLogLine(line: string): { level: string; message: string } | null {
  const m = LINE.exec(line.replace(ANSI, ''));
  return m ? { level: m[1], message: m[2] } : null;
}

export class Supervisor {
  private readonly slots = new Map<string, Slot>();
  /** Records of started instances, for the periodic checks. */
  private readonly recs = new Map<string, SupervisedRecord>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly o: SupervisorOptions) {
    this.timer = setInterval(() => this.tick(), 1000);
    this.timer.unref();
  }

  private slot(id: string): Slot {
    let s = this.slots.get(id);
    if (!s) {
      s = new Slot(this.o.restartMinMs, this.o.restartMaxMs);
      this.slots.set(id, s);
    }
    return s;
  }

  isWanted(id: string): boolean {
    return this.slots.get(id)?.wanted ?? false;
  }

  restartsOf(id: string): number {
    return this.slots.get(id)?.restarts ?? 0;
  }

  runnerOf(id: string): InstanceRunner | null {
    return this.slots.get(id)?.runner ?? null;
  }

  /** Starts the instance if it is not running (a no-op otherwise). */
  start(rec: SupervisedRecord): void {
    this.recs.set(rec.id, rec);
    const s = this.slot(rec.id);
    s.wanted = true;
    this.clearTimer(s);
    if (s.runner && !s.runner.exited) return;
    s.errorRestarts = 0;
    s.backoff.reset();
    this.spawn(rec, s);
  }

  /** Stops the instance (waits until it is gone); status becomes `stopped`. */
  async stop(rec: SupervisedRecord): Promise<void> {
    const s = this.slot(rec.id);
    s.wanted = false;
    this.clearTimer(s);
    const r = s.runner;
    if (rec.status === 'stopped' && !r) return;
    if (r && !r.exited) {
      await r.stop(this.o.stopGraceMs);
      this.o.logger.info(`Instance stopped [${rec.id}]`);
    }
    if (s.runner === r) s.runner = null;
    if (s.wanted) return; // started again meanwhile
    rec.status = 'stopped';
    rec.error = '';
    this.zeroGauges(rec);
    this.emit(rec, s, true);
  }

  async restart(rec: SupervisedRecord): Promise<void> {
    await this.stop(rec);
    await new Promise((r) => setTimeout(r, 100));
    this.start(rec);
  }

  /** Stops and forgets an instance that is being deleted. */
  async remove(rec: SupervisedRecord): Promise<void> {
    await this.stop(rec);
    const s = this.slots.get(rec.id);
    if (s) this.clearTimer(s);
    this.slots.delete(rec.id);
    this.recs.delete(rec.id);
  }

  async stopAll(recs: SupervisedRecord[]): Promise<void> {
    await Promise.all(recs.map((r) => this.stop(r)));
  }

  close(): void {
    clearInterval(this.timer);
    for (const s of this.slots.values()) this.clearTimer(s);
  }

  /** Test hook behind NPD_FAULT_INJECTION. */
  fault(id: string, kind: 'throw' | 'hang' | 'exit'): boolean {
    const r = this.slots.get(id)?.runner;
    return r ? r.fault(kind) : false;
  }

  private clearTimer(s: Slot): void {
    if (s.restartTimer) clearTimeout(s.restartTimer);
    s.restartTimer = null;
  }

  private zeroGauges(rec: SupervisedRecord): void {
    rec.ping = 0;
    rec.pool = 0;
    rec.tcps = 0;
    rec.udps = 0;
  }

  private spawn(rec: SupervisedRecord, s: Slot): void {
    const now = Date.now();
    rec.counters = onProcessStart(rec.counters);
    s.lastProc = zeroTraffic();
    s.lastStatsAt = now;
    s.lastCheckPointAt = 0;
    s.lastErrorLine = '';
    s.killReason = '';
    this.o.logger.info(`Instance starting: ${loggedUrl(rec.url, this.o.logger)} [${rec.id}]`);
    let runner: InstanceRunner;
    try {
      runner = this.o.factory({ id: rec.id, url: rec.url, statsIntervalMs: this.o.statsIntervalMs, env: this.o.env });
    } catch (e) {
      this.o.logger.error(`startInstance: instance error: ${(e as Error).message} [${rec.id}]`);
      this.setError(rec, s, `start failed: ${(e as Error).message}`);
      this.scheduleRestart(rec, s);
      return;
    }
    s.runner = runner;
    rec.status = 'running';
    rec.error = '';
    s.errorSince = 0;
    s.healthySince = now;
    this.emit(rec, s, true);
    runner.on('log', (line) => s.runner === runner && this.onLine(rec, s, runner, line));
    runner.on('stats', (st) => s.runner === runner && this.onStats(rec, s, st));
    runner.on('state', (st) => s.runner === runner && this.onState(rec, s, st.state, st.message));
    runner.on('exit', (ex) => this.onExit(rec, s, runner, ex));
  }

  private onLine(rec: SupervisedRecord, s: Slot, runner: InstanceRunner, line: string): void {
    const cp = parseCheckPoint(line);
    if (cp) {
      // Filtered like NodePass; only runners without structured stats get their numbers from it.
      if (!runner.structured) {
        s.lastCheckPointAt = Date.now();
        if (rec.status === 'error') this.setHealthy(rec, s);
        this.onStats(rec, s, cp);
      }
      return;
    }
    const parts = splitLogLine(line);
    if (parts?.level === 'ERROR') s.lastErrorLine = parts.message;
    else if (!parts && line.startsWith('Error: ')) s.lastErrorLine = line.replace(ANSI, '').replace(/ \[\d+\]$/, '');
    if (!runner.structured && parts && /(Server|Client) error:/.test(parts.message)) this.setError(rec, s, parts.message);
    this.o.echo(line, rec.id);
    this.o.onLog(rec, line);
  }

  private onStats(rec: SupervisedRecord, s: Slot, st: StatsSnapshot): void {
    const now = Date.now();
    s.lastStatsAt = now;
    const proc: Traffic = { tcprx: st.tcprx, tcptx: st.tcptx, udprx: st.udprx, udptx: st.udptx };
    const moved = delta(s.lastProc, proc);
    s.lastProc = proc;
    rec.history.add(now, moved);
    const before = rec.counters.value;
    rec.counters = applyProcessValues(rec.counters, proc);
    rec.mode = st.mode;
    rec.ping = rec.status === 'error' ? 0 : st.ping;
    rec.pool = st.pool;
    rec.tcps = st.tcps;
    rec.udps = st.udps;
    if (before.tcprx !== rec.counters.value.tcprx || before.tcptx !== rec.counters.value.tcptx || before.udprx !== rec.counters.value.udprx || before.udptx !== rec.counters.value.udptx) {
      this.o.onTraffic(rec);
    }
    this.emit(rec, s, false);
  }

  private onState(rec: SupervisedRecord, s: Slot, state: RunState, message: string): void {
    if (state === 'error') this.setError(rec, s, message || s.lastErrorLine || 'error');
    else if ((state === 'running' || state === 'waiting') && rec.status === 'error') this.setHealthy(rec, s);
  }

  private setHealthy(rec: SupervisedRecord, s: Slot): void {
    rec.status = 'running';
    rec.error = '';
    s.errorSince = 0;
    s.healthySince = Date.now();
    this.emit(rec, s, true);
  }

  private setError(rec: SupervisedRecord, s: Slot, message: string): void {
    if (rec.status === 'error' && rec.error === message) return;
    if (rec.status !== 'error') s.errorSince = Date.now();
    rec.status = 'error';
    rec.error = message;
    this.zeroGauges(rec);
    this.emit(rec, s, true);
  }

  private onExit(rec: SupervisedRecord, s: Slot, runner: InstanceRunner, ex: RunnerExit): void {
    if (s.runner !== runner) return;
    s.runner = null;
    if (!s.wanted || s.cycling) return;
    const why = s.killReason || (ex.clean ? 'exited unexpectedly' : ex.reason);
    const detail = s.lastErrorLine && !s.killReason ? `${why}: ${s.lastErrorLine}` : why;
    this.o.logger.error(`Instance failed: ${detail} [${rec.id}]`);
    this.setError(rec, s, `instance ${detail}`);
    this.scheduleRestart(rec, s);
  }

  private scheduleRestart(rec: SupervisedRecord, s: Slot): void {
    this.clearTimer(s);
    const wait = s.backoff.next();
    this.o.logger.info(`Instance restart in ${wait}ms [${rec.id}]`);
    s.restartTimer = setTimeout(() => {
      s.restartTimer = null;
      if (!s.wanted || (s.runner && !s.runner.exited)) return;
      s.restarts++;
      this.spawn(rec, s);
    }, wait);
    s.restartTimer.unref();
  }

  /** Replaces a live runner (stuck in error): stop it, start a fresh one. */
  private async cycle(rec: SupervisedRecord, s: Slot): Promise<void> {
    const r = s.runner;
    if (!r || s.cycling) return;
    s.cycling = true;
    try {
      await r.stop(this.o.stopGraceMs);
    } finally {
      s.cycling = false;
    }
    if (s.runner === r) s.runner = null;
    if (!s.wanted || s.runner) return;
    s.restarts++;
    const wasError = rec.error;
    this.spawn(rec, s);
    // Keep showing why until the fresh instance says it is fine.
    if (wasError) this.setError(rec, s, wasError);
  }

  private emit(rec: SupervisedRecord, s: Slot, force: boolean): void {
    const now = Date.now();
    const sig = `${rec.status}|${rec.error}|${rec.mode}|${rec.ping}|${rec.pool}|${rec.tcps}|${rec.udps}|${rec.counters.value.tcprx}|${rec.counters.value.tcptx}|${rec.counters.value.udprx}|${rec.counters.value.udptx}`;
    if (!force && sig === s.lastEmitted && now - s.lastEmitAt < this.o.reportIntervalMs) return;
    s.lastEmitted = sig;
    s.lastEmitAt = now;
    this.o.onUpdate(rec);
  }

  private tick(): void {
    const now = Date.now();
    for (const [id, s] of this.slots) {
      const rec = this.recs.get(id);
      const r = s.runner;
      if (!rec || !s.wanted || !r || r.exited || s.cycling) continue;
      if (r.structured && now - s.lastStatsAt > this.o.hangTimeoutMs) {
        const secs = Math.round((now - s.lastStatsAt) / 1000);
        s.killReason = `stopped responding (no statistics for ${secs}s)`;
        this.o.logger.warn(`Instance ${s.killReason}: killing it [${id}]`);
        r.kill();
        continue;
      }
      if (!r.structured && s.lastCheckPointAt > 0 && now - s.lastCheckPointAt > 3 * this.o.reportIntervalMs && rec.status !== 'error') {
        this.setError(rec, s, `no CHECK_POINT for ${Math.round((now - s.lastCheckPointAt) / 1000)}s`);
      }
      if (rec.status === 'error' && s.errorSince > 0) {
        const limit = Math.min(this.o.errorRestartMs * 2 ** s.errorRestarts, this.o.restartMaxMs * 12);
        if (now - s.errorSince > limit) {
          s.errorRestarts++;
          s.errorSince = now;
          this.o.logger.warn(`Instance in error for ${Math.round(limit / 1000)}s: restarting it [${id}]`);
          void this.cycle(rec, s);
        }
      } else if (rec.status === 'running' && s.healthySince > 0 && now - s.healthySince > 60_000) {
        s.backoff.reset();
        s.errorRestarts = 0;
      }
    }
  }
}
