// Traffic history of one instance for the last hour, day or week, from the master's history
// endpoint (NodePass Desktop masters; a Go NodePass master has none and says so). Bytes per bucket
// as two curves, refreshed every minute.

import { useEffect, useRef, useState } from 'react';
import uPlot from 'uplot';
import { useT } from '../hooks/i18n';
import { formatAxisBytes, formatBytes } from '../../shared/format';
import { historySeries, RANGES, type HistoryRange, type HistorySeries } from '../lib/history';
import { useServices } from '../hooks/services';
import { keyOf } from '../store/app-state';

function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

// Tick steps in binary units, so axis labels are round numbers (as on the live chart).
const BINARY_INCRS: number[] = [];
for (let k = 0; k < 5; k++) for (const m of [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]) BINARY_INCRS.push(m * 1024 ** k);

const pad = (n: number) => String(n).padStart(2, '0');

function axisLabel(range: HistoryRange, s: number): string {
  const d = new Date(s * 1000);
  if (range === 'week') return `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}h`;
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function HistoryChart({ master, id, theme }: { master: string; id: string; theme: string }) {
  const t = useT();
  const { store } = useServices();
  const [range, setRange] = useState<HistoryRange>('hour');
  const [series, setSeries] = useState<HistorySeries | null>(null);
  const [error, setError] = useState('');
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    let alive = true;
    const load = async () => {
      const r = await store.trafficHistory(keyOf(master, id), RANGES[range].resolution);
      if (!alive) return;
      if (!r.ok) {
        setError(r.status === 404 ? t('history.unsupported') : r.error);
        setSeries(null);
        return;
      }
      setError('');
      setSeries(historySeries(r.value.points, range, Date.now()));
    };
    void load();
    const timer = setInterval(() => void load(), 30_000);
    return () => {
      alive = false;
      clearInterval(timer);
    };
  }, [store, master, id, range, t]);

  useEffect(() => {
    const el = box.current;
    if (!el || !series || !document.createElement('canvas').getContext?.('2d')) return;
    const down = cssVar('--chart-down', '#2f7de1');
    const up = cssVar('--chart-up', '#e0892f');
    const grid = cssVar('--chart-grid', '#e5e7eb');
    const axis = cssVar('--text-muted', '#6b7280');
    const axisStyle: uPlot.Axis = { stroke: axis, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, font: '11px system-ui, sans-serif' };
    const u = new uPlot(
      {
        width: Math.max(200, el.clientWidth),
        height: 200,
        pxAlign: 0,
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        scales: {
          // Half a bucket of room on both sides so the first and last bars are whole.
          x: { time: true, range: (_u, min, max) => [min - RANGES[range].stepMs / 2000, max + RANGES[range].stepMs / 2000] },
          y: { range: (_u, _min, max) => [0, Math.max(1024, max * 1.15)] },
        },
        axes: [
          { ...axisStyle, size: 30, space: 90, values: (_u, ticks) => ticks.map((s) => axisLabel(range, s)) },
          { ...axisStyle, size: 56, incrs: BINARY_INCRS, values: (_u, ticks) => ticks.map((v) => formatAxisBytes(v)) },
        ],
        series: [
          {},
          // One bar per bucket and direction, side by side (in left, out right of the bucket's start).
          { label: t('traffic.in'), stroke: down, width: 1, fill: down + 'b0', points: { show: false }, paths: uPlot.paths.bars?.({ size: [0.45, 18, 1], align: -1 }) },
          { label: t('traffic.out'), stroke: up, width: 1, fill: up + 'b0', points: { show: false }, paths: uPlot.paths.bars?.({ size: [0.45, 18, 1], align: 1 }) },
        ],
      },
      // Empty buckets draw nothing (not a hairline bar).
      [series.xs, series.rx.map((v) => v || null), series.tx.map((v) => v || null)],
      el,
    );
    const ro = new ResizeObserver(() => {
      const w = el.clientWidth;
      if (w > 0 && Math.abs(w - u.width) > 1) u.setSize({ width: w, height: 200 });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
    };
  }, [series, theme, range, t]);

  return (
    <section className="card" data-testid="history">
      <div className="card-head">
        <h2>{t('history.title')}</h2>
        <div className="segmented" role="group" aria-label={t('history.range')}>
          {(['hour', 'day', 'week'] as const).map((r) => (
            <button key={r} type="button" className={range === r ? 'on' : ''} aria-pressed={range === r} onClick={() => setRange(r)} data-testid={`history-${r}`}>
              {t(`history.${r}`)}
            </button>
          ))}
        </div>
      </div>
      {error ? (
        <p className="muted small">{error}</p>
      ) : (
        <>
          <div className="chart-legend">
            <span className="lg lg-in">
              <i />
              {t('traffic.in')} <b data-testid="history-rx">{series ? formatBytes(series.totalRx) : '—'}</b>
            </span>
            <span className="lg lg-out">
              <i />
              {t('traffic.out')} <b data-testid="history-tx">{series ? formatBytes(series.totalTx) : '—'}</b>
            </span>
            <span className="lg-time muted">{t(`history.per.${RANGES[range].resolution}`)}</span>
          </div>
          <div className="chart" ref={box} role="img" aria-label={t('history.title')} data-testid="history-chart" data-active={series?.active ?? 0} data-points={series?.xs.length ?? 0} />
        </>
      )}
    </section>
  );
}
