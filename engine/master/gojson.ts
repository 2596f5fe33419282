// JSON and time the way Go's encoding/json writes them, so responses match NodePass byte for byte
// where it matters to strict clients: `<`, `>`, `&`, U+2028 and U+2029 escaped inside strings, a
// trailing newline (json.Encoder), and RFC 3339 times with sub-second digits and the local offset.

const GO_ESCAPES: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/** JSON.stringify with Go's HTML-safe escaping (these characters only occur inside strings). */
export function goJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => GO_ESCAPES[c]);
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/**
 * Go's time.Time JSON (RFC3339Nano): local time, fractional seconds without trailing zeros, `Z`
 * for a zero offset. `ms` may carry a fraction (microseconds from performance.now()).
 */
export function goTime(ms: number = performance.timeOrigin + performance.now()): string {
  const whole = Math.floor(ms);
  const d = new Date(whole);
  const micros = Math.floor((ms - whole) * 1000);
  let frac = (pad(d.getMilliseconds(), 3) + pad(micros, 3)).replace(/0+$/, '');
  if (frac !== '') frac = '.' + frac;
  const off = -d.getTimezoneOffset();
  const zone = off === 0 ? 'Z' : `${off > 0 ? '+' : '-'}${pad(Math.floor(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`;
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}${frac}${zone}`
  );
}
