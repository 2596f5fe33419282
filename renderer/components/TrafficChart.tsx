// Live traffic chart (uPlot on canvas): the last five minutes of one series from the TrafficBook,
// redrawn once a second by the shared ticker. One setData per chart per second, whatever the number
// of instances, so the main thread stays free. The legend shows the latest rates, or the rates
// under the cursor while hovering; it is written directly, not through React.

import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useServices } from '../hooks/services';
import { clockTime, formatAxisBytes, formatRate } from '../../shared/format';
import { useT } from '../hooks/i18n';

const WINDOW_S = 300;

// Tick steps in binary units (1 KiB, 2 KiB, 4 KiB … 512 GiB), so axis labels are round numbers.
const BINARY_INCRS: number[] = [];
for (let k = 0; k < 5; k++) for (const m of [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]) BINARY_INCRS.push(m * 1024 ** k);

function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

function withAlpha(colour: string, alpha: number): string {
  const m = /^#([0-9a-f]{6})$/i.exec(colour);
  if (!m) return colour;
  const n = parseInt(m[1], 16);
  return `rgba(${n >> 16}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

export function TrafficChart({ seriesKey, height = 180, theme, label }: { seriesKey: string; height?: number; theme: string; label?: string }) {
  const t = useT();
  const box = useRef<HTMLDivElement>(null);
  const legendIn = useRef<HTMLElement>(null);
  const legendOut = useRef<HTMLElement>(null);
  const legendTime = useRef<HTMLElement>(null);
  const { store } = useServices();

  useEffect(() => {
    const el = box.current;
    // No 2D canvas (a DOM without graphics, e.g. tests): the legend still shows the numbers.
    if (!el || !document.createElement('canvas').getContext?.('2d')) return;
    const down = cssVar('--chart-down', '#2f7de1');
    const up = cssVar('--chart-up', '#e0892f');
    const grid = cssVar('--chart-grid', '#e5e7eb');
    const axis = cssVar('--text-muted', '#6b7280');
    let now = Date.now() / 1000;
    let data = store.traffic.ring(seriesKey).toArrays();

    const showLegend = (idx: number | null) => {
      const n = data[0].length;
      const i = idx ?? n - 1;
      const has = i >= 0 && i < n;
      if (legendIn.current) legendIn.current.textContent = has ? formatRate(data[1][i]) : '—';
      if (legendOut.current) legendOut.current.textContent = has ? formatRate(data[2][i]) : '—';
      if (legendTime.current) legendTime.current.textContent = idx === null || !has ? t('traffic.now') : clockTime(data[0][i] * 1000);
    };

    const axisStyle: uPlot.Axis = {
      stroke: axis,
      grid: { stroke: grid, width: 1 },
      ticks: { stroke: grid, width: 1 },
      font: '11px system-ui, sans-serif',
    };
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      pxAlign: 0,
      cursor: { points: { size: 6 }, drag: { x: false, y: false } },
      legend: { show: false },
      scales: {
        x: { time: true, range: () => [now - WINDOW_S, now] },
        y: { range: (_u, _min, max) => [0, Math.max(1024, max * 1.15)] },
      },
      axes: [
        { ...axisStyle, size: 30, values: (_u, ticks) => ticks.map((s) => clockTime(s * 1000)), space: 80 },
        { ...axisStyle, size: 60, incrs: BINARY_INCRS, values: (_u, ticks) => ticks.map((v) => `${formatAxisBytes(v)}/s`) },
      ],
      series: [
        {},
        { label: t('traffic.in'), stroke: down, width: 1.5, fill: withAlpha(down, 0.14), points: { show: false } },
        // Out is a dashed line without fill: when both curves coincide (echo-like traffic) the
        // blue one still shows through the gaps.
        { label: t('traffic.out'), stroke: up, width: 1.5, dash: [6, 4], points: { show: false } },
      ],
      hooks: { setCursor: [(u) => showLegend(u.cursor.idx ?? null)] },
    };
    const u = new uPlot(opts, data, el);
    const redraw = () => {
      now = Date.now() / 1000;
      data = store.traffic.ring(seriesKey).toArrays();
      u.setData(data);
      if (u.cursor.idx == null) showLegend(null);
      // What is plotted, in numbers: lets tests and assistive tools read the chart.
      let peak = 0;
      for (let k = 0; k < data[1].length; k++) peak = Math.max(peak, data[1][k], data[2][k]);
      el.dataset.points = String(data[0].length);
      el.dataset.peak = String(Math.round(peak));
    };
    redraw();
    const off = store.onTick(redraw);
    const ro = new ResizeObserver(() => {
      const w = el.clientWidth;
      if (w > 0 && Math.abs(w - u.width) > 1) u.setSize({ width: w, height });
    });
    ro.observe(el);
    return () => {
      off();
      ro.disconnect();
      u.destroy();
    };
  }, [store, seriesKey, height, theme, t]);

  return (
    <div className="chart-wrap">
      <div className="chart-legend" aria-live="off">
        <span className="lg lg-in">
          <i />
          {t('traffic.in')} <b ref={legendIn}>—</b>
        </span>
        <span className="lg lg-out">
          <i />
          {t('traffic.out')} <b ref={legendOut}>—</b>
        </span>
        <span className="lg-time muted" ref={legendTime} />
      </div>
      <div className="chart" ref={box} data-series={seriesKey} aria-label={label ?? t('traffic.chart')} role="img" />
    </div>
  );
}
