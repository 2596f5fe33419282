// Go's time.Duration text format, because NodePass URLs and env vars are written in it
// (`5m`, `1h30m`, `500ms`) and its logs and the master's `config` field print it (`5m0s`, `0s`).

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3,
  'μs': 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Parses a Go duration into milliseconds; returns null when the text is not one. */
export function parseGoDuration(text: string): number | null {
  let s = text.trim();
  if (s === '') return null;
  let sign = 1;
  if (s[0] === '+' || s[0] === '-') {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') return null;
  let total = 0;
  const re = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;
  while (s.length > 0) {
    const m = re.exec(s);
    if (!m) return null;
    total += Number(m[1]) * UNIT_MS[m[2]];
    s = s.slice(m[0].length);
  }
  return sign * total;
}

function trimFraction(n: number, digits: number): string {
  return n.toFixed(digits).replace(/\.?0+$/, '');
}

/** Formats milliseconds the way Go's Duration.String() does (`5m0s`, `1h0m0s`, `500ms`, `0s`). */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s';
  const neg = ms < 0;
  let v = Math.abs(ms);
  let out: string;
  if (v < 1000) {
    if (v >= 1) out = trimFraction(v, 6) + 'ms';
    else if (v >= 1e-3) out = trimFraction(v * 1e3, 3) + 'µs';
    else out = Math.round(v * 1e6) + 'ns';
  } else {
    const h = Math.floor(v / 3_600_000);
    v -= h * 3_600_000;
    const m = Math.floor(v / 60_000);
    v -= m * 60_000;
    const s = trimFraction(v / 1000, 9) + 's';
    if (h > 0) out = `${h}h${m}m${s}`;
    else if (m > 0) out = `${m}m${s}`;
    else out = s;
  }
  return neg ? '-' + out : out;
}
