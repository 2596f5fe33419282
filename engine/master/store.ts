// The master's state on disk: one human-readable JSON file (format in README), written atomically
// (temp file, fsync, rename, directory fsync) with the previous version kept as `<file>.backup`.
// Writes are group-committed: every caller waits for a write that started after its change, so a
// burst of changes costs a few writes, and nothing acknowledged is lost if the master is killed.
// A corrupt main file is moved aside and the backup is loaded, with a log line saying so.

import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { copyFile, link, mkdir, open, rename } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { TRAFFIC_KEYS, type Traffic } from './counters';
import type { HistoryData } from './history';

const STATE_FORMAT = 'nodepass-desktop-master';
const HISTORY_FORMAT = 'nodepass-desktop-traffic';

const TrafficSchema = z.object(Object.fromEntries(TRAFFIC_KEYS.map((k) => [k, z.number().int().min(0).default(0)])) as Record<keyof Traffic, z.ZodDefault<z.ZodNumber>>);

const StoredInstanceSchema = z.object({
  id: z.string().regex(/^[0-9a-f]{8}$/),
  alias: z.string().default(''),
  type: z.enum(['server', 'client']),
  url: z.string().min(1),
  config: z.string().default(''),
  restart: z.boolean().default(false),
  meta: z
    .object({
      peer: z.object({ sid: z.string().default(''), type: z.string().default(''), alias: z.string().default('') }).default({ sid: '', type: '', alias: '' }),
      tags: z.record(z.string(), z.string()).default({}),
    })
    .default({ peer: { sid: '', type: '', alias: '' }, tags: {} }),
  traffic: TrafficSchema.default({ tcprx: 0, tcptx: 0, udprx: 0, udptx: 0 }),
});

const StoredStateSchema = z.object({
  format: z.literal(STATE_FORMAT),
  version: z.literal(1),
  savedAt: z.string().optional(),
  master: z.object({
    apiKey: z.string().regex(/^[0-9a-f]{32}$/),
    masterId: z.string().regex(/^[0-9a-f]{16}$/),
    alias: z.string().default(''),
  }),
  instances: z.array(StoredInstanceSchema),
});

export type StoredInstance = z.infer<typeof StoredInstanceSchema>;
export type StoredState = z.infer<typeof StoredStateSchema>;

export type StoreLog = (level: 'info' | 'warn' | 'error', message: string) => void;

export interface LoadResult {
  state: StoredState | null;
  from: 'main' | 'backup' | 'none';
}

function describe(e: unknown): string {
  if (e instanceof z.ZodError) {
    const i = e.issues[0];
    return `${i.path.join('.') || 'file'}: ${i.message}`;
  }
  return (e as Error).message;
}

function parseState(text: string): StoredState {
  const state = StoredStateSchema.parse(JSON.parse(text));
  const seen = new Set<string>();
  for (const i of state.instances) {
    if (seen.has(i.id)) throw new Error(`instances: duplicate id ${i.id}`);
    seen.add(i.id);
  }
  return state;
}

function isMissing(e: unknown): boolean {
  return (e as NodeJS.ErrnoException).code === 'ENOENT';
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function fsyncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * temp file + fsync + (optional) current → backup + rename over the current file + directory
 * fsync. The current file is never absent: the backup is a second name for it (a hard link, or a
 * copy where links are not supported) put in place by rename, and the new version replaces it by
 * rename too, so a kill at any moment leaves a whole main file.
 */
async function atomicWrite(file: string, text: string, backup?: string): Promise<void> {
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true });
  const stem = path.join(dir, `.${path.basename(file)}.${randomBytes(4).toString('hex')}`);
  const tmp = `${stem}.tmp`;
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  if (backup) {
    const btmp = `${stem}.backup.tmp`;
    try {
      await link(file, btmp).catch(async (e: NodeJS.ErrnoException) => {
        if (isMissing(e)) throw e;
        await copyFile(file, btmp);
      });
      await rename(btmp, backup);
    } catch (e) {
      if (!isMissing(e)) throw e;
    }
  }
  await rename(tmp, file);
  await fsyncDir(dir);
}

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  reject(e: Error): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export class StateStore {
  readonly backupPath: string;
  readonly historyPath: string;
  readonly lockPath: string;
  private snapshot: () => StoredState = () => {
    throw new Error('StateStore: no snapshot source');
  };
  private writing = false;
  private next: Deferred | null = null;
  private locked = false;

  constructor(
    readonly file: string,
    private readonly log: StoreLog,
  ) {
    this.backupPath = `${file}.backup`;
    this.historyPath = file.endsWith('.json') ? `${file.slice(0, -5)}.traffic.json` : `${file}.traffic.json`;
    this.lockPath = `${file}.lock`;
  }

  /** One master per state file: a second one would overwrite the first one's changes. */
  lock(): void {
    mkdirSync(path.dirname(this.file), { recursive: true });
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(this.lockPath, 'wx', 0o600);
        writeFileSync(fd, `${process.pid}\n`);
        closeSync(fd);
        this.locked = true;
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new Error(`state lock ${this.lockPath}: ${(e as Error).message}`);
        const pid = Number(readFileSync(this.lockPath, 'utf8').trim());
        if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && pidAlive(pid)) {
          throw new Error(
            `state file ${this.file} is in use by another master (pid ${pid}); stop it or set NP_MASTER_STATE to another file`,
          );
        }
        unlinkSync(this.lockPath); // stale: its master is gone
      }
    }
    throw new Error(`state lock ${this.lockPath}: could not be taken`);
  }

  unlock(): void {
    if (!this.locked) return;
    this.locked = false;
    try {
      unlinkSync(this.lockPath);
    } catch {
      // already gone
    }
  }

  private removeStrayTemps(): void {
    const dir = path.dirname(this.file);
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const base of [path.basename(this.file), path.basename(this.historyPath)]) {
      for (const n of names) {
        if (n.startsWith(`.${base}.`) && n.endsWith('.tmp')) {
          try {
            unlinkSync(path.join(dir, n));
          } catch {
            // not ours to worry about
          }
        }
      }
    }
  }

  private moveAside(file: string): string {
    const aside = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    try {
      renameSync(file, aside);
    } catch {
      return file;
    }
    return aside;
  }

  load(): LoadResult {
    this.removeStrayTemps();
    let mainProblem = '';
    try {
      return { state: parseState(readFileSync(this.file, 'utf8')), from: 'main' };
    } catch (e) {
      if (isMissing(e)) mainProblem = 'missing';
      else {
        const aside = this.moveAside(this.file);
        mainProblem = `corrupt (${describe(e)}); kept it as ${aside}`;
      }
    }
    try {
      const state = parseState(readFileSync(this.backupPath, 'utf8'));
      this.log(mainProblem === 'missing' ? 'warn' : 'error', `State file ${this.file} is ${mainProblem}: loaded the backup ${this.backupPath}`);
      return { state, from: 'backup' };
    } catch (e) {
      if (isMissing(e)) {
        if (mainProblem !== 'missing') this.log('error', `State file ${this.file} is ${mainProblem}, and there is no backup: starting empty`);
        return { state: null, from: 'none' };
      }
      const aside = this.moveAside(this.backupPath);
      this.log('error', `State file ${this.file} is ${mainProblem}, and the backup is corrupt too (${describe(e)}; kept it as ${aside}): starting empty`);
      return { state: null, from: 'none' };
    }
  }

  /** Where commit() reads the state to write (taken when each write starts). */
  setSource(snapshot: () => StoredState): void {
    this.snapshot = snapshot;
  }

  /** Resolves once a write that began after this call is on disk. */
  commit(): Promise<void> {
    const batch = (this.next ??= deferred());
    if (!this.writing) void this.drain();
    return batch.promise;
  }

  private async drain(): Promise<void> {
    this.writing = true;
    while (this.next) {
      const batch = this.next;
      this.next = null;
      try {
        const s = this.snapshot();
        const doc = { format: s.format, version: s.version, savedAt: new Date().toISOString(), master: s.master, instances: s.instances };
        await atomicWrite(this.file, JSON.stringify(doc, null, 2) + '\n', this.backupPath);
        batch.resolve();
      } catch (e) {
        this.log('error', `Instances save failed: ${(e as Error).message}`);
        batch.reject(e as Error);
      }
    }
    this.writing = false;
  }

  loadHistory(): Record<string, unknown> {
    try {
      const o = JSON.parse(readFileSync(this.historyPath, 'utf8')) as { format?: string; instances?: Record<string, unknown> };
      if (o.format !== HISTORY_FORMAT || typeof o.instances !== 'object' || o.instances === null) throw new Error('not a traffic history file');
      return o.instances;
    } catch (e) {
      if (!isMissing(e)) this.log('warn', `Traffic history ${this.historyPath} unreadable (${describe(e)}): starting a new one`);
      return {};
    }
  }

  async saveHistory(instances: Record<string, HistoryData>): Promise<void> {
    await atomicWrite(this.historyPath, JSON.stringify({ format: HISTORY_FORMAT, version: 1, instances }) + '\n');
  }
}
