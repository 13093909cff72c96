// A time-series chart: one small React wrapper around uPlot. The uPlot instance lives in a ref: it is made when the
// chart's shape (series, units) changes, follows its container's width, takes new data without being made again,
// and is destroyed on unmount. Markers (a stream's health events) are drawn as vertical lines on the time axis.
import { useEffect, useMemo, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import './time-chart.css';

export interface ChartSeries {
  label: string;
  color: string;
  /** Shown after values in the legend and on the axis. */
  unit?: string;
  /** Bytes: the axis and legend say KB, MB, GB. */
  bytes?: boolean;
}

export interface ChartMarker {
  /** Epoch ms. */
  at: number;
  color: string;
}

export interface TimeChartProps {
  /** Says what the chart shows, for screen readers and tests. */
  title: string;
  series: readonly ChartSeries[];
  /** Epoch ms, one per point. */
  at: readonly number[];
  /** One column per series, as long as `at`; null is a gap. */
  values: ReadonlyArray<ReadonlyArray<number | null>>;
  markers?: readonly ChartMarker[];
  height?: number;
  /** Charts with the same key move their cursors together. */
  syncKey?: string;
  testId?: string;
}

const AXIS = { stroke: '#9a9aa8', grid: { stroke: '#2a2a33', width: 1 }, ticks: { stroke: '#2a2a33', width: 1 } };

export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 || i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

const formatValue = (s: ChartSeries, v: number | null | undefined) =>
  v === null || v === undefined ? '–' : s.bytes ? formatBytes(v) : `${Math.round(v * 10) / 10}${s.unit ? ` ${s.unit}` : ''}`;

export function TimeChart({ title, series, at, values, markers = [], height = 160, syncKey, testId }: TimeChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const data = useMemo<uPlot.AlignedData>(() => [at.map((t) => t / 1000), ...values.map((c) => [...c])], [at, values]);
  const latest = useRef({ data, markers });
  latest.current = { data, markers };
  // The chart is made again only when its shape changes, not with every new sample.
  const shape = JSON.stringify({ series, height, syncKey });

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const drawMarkers = (u: uPlot) => {
      const { ctx, bbox } = u;
      ctx.save();
      ctx.lineWidth = 2 * devicePixelRatio;
      ctx.setLineDash([4 * devicePixelRatio, 3 * devicePixelRatio]);
      for (const m of latest.current.markers) {
        const x = Math.round(u.valToPos(m.at / 1000, 'x', true));
        if (x < bbox.left || x > bbox.left + bbox.width) continue;
        ctx.strokeStyle = m.color;
        ctx.beginPath();
        ctx.moveTo(x, bbox.top);
        ctx.lineTo(x, bbox.top + bbox.height);
        ctx.stroke();
      }
      ctx.restore();
    };
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      legend: { show: true, live: true },
      cursor: syncKey ? { sync: { key: syncKey } } : {},
      // From zero: a bitrate wobbling between 2000 and 2200 kb/s must not look like a collapse.
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.15 : 1] } },
      axes: [
        { ...AXIS },
        {
          ...AXIS,
          size: series[0]?.bytes ? 72 : 56,
          values: (_u, ticks) => ticks.map((v) => (series[0]?.bytes ? formatBytes(v) : String(Math.round(v * 10) / 10))),
        },
      ],
      series: [
        {},
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 2,
          fill: `${s.color}22`,
          spanGaps: false,
          value: (_u: uPlot, v: number | null) => formatValue(s, v),
        })),
      ],
      hooks: { draw: [drawMarkers] },
    };
    const u = new uPlot(opts, latest.current.data, el);
    plot.current = u;
    const resize = new ResizeObserver(() => {
      const w = Math.max(200, el.clientWidth);
      if (w !== u.width) u.setSize({ width: w, height });
    });
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.destroy();
      plot.current = null;
    };
    // `shape` stands for series, height and syncKey.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [shape]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);
  useEffect(() => {
    plot.current?.redraw(false, false);
  }, [markers]);

  return <div ref={box} className="time-chart" role="img" aria-label={title} data-testid={testId} />;
}
