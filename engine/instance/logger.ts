// NodePass's log line format and levels (spec §8.1): `<local time>  <colour><LEVEL><reset>  <message>`.
// The master (ours and the Go one) reads these lines, so the format is exact; colours are on as in
// NodePass unless NO_COLOR is set. Every record also goes to listeners as an object.

import { writeSync } from 'node:fs';
import type { LogLevel } from '../url/model';

export type Level = 'debug' | 'info' | 'warn' | 'error' | 'event';

export interface LogRecord {
  time: number;
  level: Level;
  message: string;
  /** The rendered line without its trailing LF. */
  line: string;
}

const RANK: Record<LogLevel | Level, number> = { none: 0, debug: 1, info: 2, warn: 3, error: 4, event: 5 };
const COLOUR: Record<Level, string> = { debug: '34', info: '32', warn: '33', error: '31', event: '36' };

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

export function timestamp(ms: number): string {
  const d = new Date(ms);
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`
  );
}

function renderLine(time: number, level: Level, message: string, colour: boolean): string {
  const tag = level.toUpperCase();
  return `${timestamp(time)}  ${colour ? `\x1b[${COLOUR[level]}m${tag}\x1b[0m` : tag}  ${message}`;
}

export type LogSink = (record: LogRecord) => void;

export class Logger {
  private readonly min: number;
  private readonly sinks: LogSink[] = [];

  constructor(
    readonly level: LogLevel,
    private readonly colour = true,
  ) {
    this.min = RANK[level];
  }

  /** Cheap check so callers can skip building messages nobody will see. */
  enabled(level: Level): boolean {
    return this.min !== 0 && RANK[level] >= this.min;
  }

  addSink(sink: LogSink): void {
    this.sinks.push(sink);
  }

  log(level: Level, message: string): void {
    if (!this.enabled(level)) return;
    const time = Date.now();
    const record: LogRecord = { time, level, message, line: renderLine(time, level, message, this.colour) };
    for (const s of this.sinks) s(record);
  }

  debug(message: string): void {
    if (this.min === 1) this.log('debug', message);
  }
  info(message: string): void {
    this.log('info', message);
  }
  warn(message: string): void {
    this.log('warn', message);
  }
  error(message: string): void {
    this.log('error', message);
  }
  event(message: string): void {
    this.log('event', message);
  }
}

// Lines go to stdout in batches, at most LOG_FLUSH_MS after they were logged: a write to a pipe
// or terminal is a synchronous syscall in Node that also wakes the reader, and a busy tunnel logs
// two lines per connection in each process; written one by one they cost about as much CPU as
// the connection itself (bench: connection latency). Whatever is pending when the process exits
// (process.exit, a fatal error) is written first.
const LOG_FLUSH_MS = 10;
let pending = '';
let flushTimer: NodeJS.Timeout | null = null;

function flushStdout(): void {
  flushTimer = null;
  const text = pending;
  pending = '';
  if (text !== '') process.stdout.write(text);
}

let exitHooked = false;

/** Writes lines to stdout in NodePass's format, in batches (see LOG_FLUSH_MS). */
export function stdoutSink(record: LogRecord): void {
  pending += record.line + '\n';
  if (flushTimer) return;
  flushTimer = setTimeout(flushStdout, LOG_FLUSH_MS);
  flushTimer.unref();
  if (!exitHooked) {
    exitHooked = true;
    process.once('exit', () => {
      if (pending === '') return;
      try {
        writeSync(1, pending);
      } catch {
        // stdout is gone; nothing left to tell
      }
      pending = '';
    });
  }
}
