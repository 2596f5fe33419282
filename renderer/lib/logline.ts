// Reads NodePass log lines (spec §8.1) as the master forwards them in SSE `log` events:
// `2026-01-02 16:37:25.004  \e[32mINFO\e[0m  message`. Anything that does not match is kept whole,
// so foreign masters' output still shows.

export type LogLevelName = 'debug' | 'info' | 'warn' | 'error' | 'event';

export interface LogEntry {
  /** Monotonic per store, for React keys and "new since". */
  seq: number;
  /** The line's own timestamp text, or '' when it has none. */
  stamp: string;
  level: LogLevelName;
  text: string;
}

const ANSI = /\x1b\[[0-9;]*m/g;
const LINE = /^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)?)\s+(DEBUG|INFO|WARN|ERROR|EVENT)\s+(.*)$/s;

function stripAnsi(s: string): string {
  return s.replace(ANSI, '');
}

export function parseLogLine(raw: string, seq: number): LogEntry {
  const clean = stripAnsi(raw).replace(/\r?\n$/, '');
  const m = LINE.exec(clean);
  if (!m) return { seq, stamp: '', level: /error/i.test(clean) ? 'error' : 'info', text: clean };
  return { seq, stamp: m[1], level: m[2].toLowerCase() as LogLevelName, text: m[3] };
}

export const LOG_LEVELS: readonly LogLevelName[] = ['debug', 'info', 'warn', 'error', 'event'];
