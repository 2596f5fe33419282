// Result model, statistics and the printed table. Every section reports rows of figures; each
// figure may carry its ratio to the section's baseline row from the same run.

export type Status = 'ok' | 'skipped' | 'failed';

export interface Column {
  key: string;
  label: string;
  /** Decimal places when printed. */
  digits: number;
}

export interface Row {
  label: string;
  status: Status;
  values: Record<string, number | null>;
  /** value / baseline value, per column (null where there is no baseline figure). */
  ratios: Record<string, number | null>;
  note?: string;
  /** Whatever else a section wants in the JSON (raw samples, per-process figures). */
  detail?: Record<string, unknown>;
}

export interface Section {
  title: string;
  /** The row (label) ratios refer to. */
  baseline: string;
  columns: Column[];
  rows: Row[];
  notes: string[];
}

export function row(label: string, values: Record<string, number | null>, extra: Partial<Row> = {}): Row {
  return { label, status: 'ok', values, ratios: {}, ...extra };
}

export function skipped(label: string, note: string, status: Status = 'skipped'): Row {
  return { label, status, values: {}, ratios: {}, note };
}

/** Fills every row's ratios against the row labelled `baseline` (when it has a figure). */
export function applyRatios(s: Section): void {
  const base = s.rows.find((r) => r.label === s.baseline && r.status === 'ok');
  for (const r of s.rows) {
    r.ratios = {};
    for (const c of s.columns) {
      const v = r.values[c.key];
      const b = base?.values[c.key];
      r.ratios[c.key] = r !== base && v != null && b != null && b !== 0 && Number.isFinite(v / b) ? round(v / b, 3) : null;
    }
  }
}

export function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function fmt(v: number | null | undefined, digits: number): string {
  if (v == null || !Number.isFinite(v)) return '—';
  return v.toFixed(digits);
}

/** Renders a section as a fixed-width text table. */
export function renderSection(s: Section): string {
  const head = ['', ...s.columns.map((c) => c.label)];
  const body = s.rows.map((r) => {
    if (r.status !== 'ok') return [r.label, `${r.status}: ${r.note ?? ''}`];
    return [
      r.label + (r.note ? ' *' : ''),
      ...s.columns.map((c) => {
        const v = fmt(r.values[c.key], c.digits);
        const ratio = r.ratios[c.key];
        return ratio == null ? v : `${v} (${ratio.toFixed(2)}×)`;
      }),
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.filter((b) => b.length === head.length).map((b) => (b[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.length === head.length
      ? cells.map((c, i) => (i === 0 ? c.padEnd(widths[0]) : c.padStart(widths[i]))).join('  ')
      : `${cells[0].padEnd(widths[0])}  ${cells[1]}`;
  const out = [`## ${s.title}   (ratios: to ${s.baseline})`, line(head), ...body.map(line)];
  for (const r of s.rows) if (r.status === 'ok' && r.note) out.push(`  * ${r.label}: ${r.note}`);
  for (const n of s.notes) out.push(`  ${n}`);
  return out.join('\n');
}

/** Progress on stderr, so stdout stays the table. */
export function progress(msg: string): void {
  const t = ((Date.now() - startedAt) / 1000).toFixed(0).padStart(4);
  process.stderr.write(`[${t}s] ${msg}\n`);
}
const startedAt = Date.now();
