// The log of a peer: lines in the Go binary's format (`2006-01-02 15:04:05.000  LEVEL  message`,
// observed: two spaces either side of the level, no colours when not a terminal), kept in memory
// so a test can wait for one (bounded) and print them all when it fails. PEER_LOG=1 echoes them.

export type Level = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'EVENT';

function stamp(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return (
    `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ` +
    `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`
  );
}

export class PeerLog {
  readonly lines: string[] = [];
  private waiters: Array<{ re: RegExp; from: number; done: (line: string) => void }> = [];

  constructor(private readonly name: string) {}

  log(level: Level, msg: string): void {
    const line = `${stamp(new Date())}  ${level}  ${msg}`;
    this.lines.push(line);
    if (process.env.PEER_LOG) process.stderr.write(`[${this.name}] ${line}\n`);
    const i = this.lines.length - 1;
    this.waiters = this.waiters.filter((w) => {
      if (i < w.from || !w.re.test(line)) return true;
      w.done(line);
      return false;
    });
  }

  debug(msg: string): void {
    this.log('DEBUG', msg);
  }
  info(msg: string): void {
    this.log('INFO', msg);
  }
  warn(msg: string): void {
    this.log('WARN', msg);
  }
  error(msg: string): void {
    this.log('ERROR', msg);
  }
  event(msg: string): void {
    this.log('EVENT', msg);
  }

  /** The first line (from line `from` on) matching `re`; rejects with the whole log after `timeoutMs`. */
  waitFor(re: RegExp, timeoutMs: number, from = 0): Promise<string> {
    for (let i = from; i < this.lines.length; i++) if (re.test(this.lines[i])) return Promise.resolve(this.lines[i]);
    return new Promise((resolve, reject) => {
      const w = {
        re,
        from,
        done: (line: string) => {
          clearTimeout(timer);
          resolve(line);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        reject(new Error(`${this.name}: no line matching ${re} within ${timeoutMs}ms\n--- ${this.name} log ---\n${this.text()}`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  count(re: RegExp): number {
    return this.lines.filter((l) => re.test(l)).length;
  }

  text(): string {
    return this.lines.join('\n');
  }
}
