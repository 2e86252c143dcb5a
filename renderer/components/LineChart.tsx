import { useEffect, useId, useRef } from 'react';
import uPlot from 'uplot';

export interface ChartSeries {
  id: string;
  label: string;
  color: string;
  dash?: number[] | undefined;
  /** [x, y] pairs, any order; series need not share x values. */
  points: readonly (readonly [number, number])[];
}

interface LineChartProps {
  title: string;
  /** What the chart shows, for screen readers and as a subtitle. */
  description: string;
  xLabel: string;
  yLabel: string;
  series: readonly ChartSeries[];
  testId: string;
  emptyText: string;
  /** Shown in the legend next to each series: its newest value. */
  formatValue: (value: number) => string;
  /** Integer x ticks (epochs) and dots on the points. */
  discreteX?: boolean;
  /** The x span always shown (the whole training), so live curves grow into a fixed frame. */
  xRange: readonly [number, number];
  /** A fixed y range (percentages); otherwise it follows the data. */
  yRange?: readonly [number, number] | undefined;
  height?: number;
}

/** Aligns series with their own x values onto one sorted x axis (missing points are null). */
export function alignSeries(series: readonly ChartSeries[]): uPlot.AlignedData {
  const xs = [...new Set(series.flatMap((s) => s.points.map(([x]) => x)))].sort((a, b) => a - b);
  const columns = series.map((s) => {
    const byX = new Map(s.points.map(([x, y]) => [x, y] as const));
    return xs.map((x) => byX.get(x) ?? null);
  });
  return [xs, ...columns];
}

const AXIS = { stroke: '#475569', grid: { stroke: '#e2e8f0', width: 1 }, ticks: { stroke: '#cbd5e1', width: 1 } };

/**
 * A uPlot line chart in a <figure>: the title is the caption, the legend is HTML (so it is translated,
 * readable by screen readers and testable), the canvas itself is described by an aria-label.
 */
export function LineChart({
  title,
  description,
  xLabel,
  yLabel,
  series,
  testId,
  emptyText,
  formatValue,
  discreteX = false,
  xRange,
  yRange,
  height = 220,
}: LineChartProps) {
  const holder = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);
  const titleId = useId();
  const data = alignSeries(series);
  const shape = JSON.stringify([series.map((s) => [s.id, s.label, s.color, s.dash ?? null]), xLabel, yLabel, discreteX, height, xRange, yRange ?? null]);

  // (Re)create when the set of series or the labels change; otherwise only the data is replaced below.
  useEffect(() => {
    const element = holder.current;
    if (!element) return;
    const options: uPlot.Options = {
      width: Math.max(200, element.clientWidth),
      height,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: {
          time: false,
          range: (_u, min, max) => [Math.min(xRange[0], finiteOr(min, xRange[0])), Math.max(xRange[1], finiteOr(max, xRange[1]))],
        },
        y: {
          range: (_u, min, max) =>
            yRange
              ? [yRange[0], yRange[1]]
              : Number.isFinite(min) && Number.isFinite(max)
                ? uPlot.rangeNum(min, max, 0.1, true)
                : [0, 1],
        },
      },
      axes: [
        { ...AXIS, label: xLabel, labelSize: 20, ...(discreteX ? { incrs: [1, 2, 5, 10, 20, 50, 100] } : {}) },
        { ...AXIS, label: yLabel, labelSize: 20, size: 56 },
      ],
      series: [
        { label: xLabel },
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 2,
          spanGaps: true,
          ...(s.dash ? { dash: s.dash } : {}),
          points: { show: discreteX, size: 7, stroke: s.color, fill: '#ffffff' },
        })),
      ],
    };
    const plot = new uPlot(options, alignSeries(series), element);
    chart.current = plot;
    const observer = new ResizeObserver(() => {
      plot.setSize({ width: Math.max(200, element.clientWidth), height });
    });
    observer.observe(element);
    return () => {
      observer.disconnect();
      plot.destroy();
      chart.current = null;
    };
    // `series` is read for the initial data only; `shape` captures what forces a new chart.
  }, [shape]);

  useEffect(() => {
    chart.current?.setData(data);
  });

  const empty = series.every((s) => s.points.length === 0);
  const summary = series
    .map((s) => {
      const last = lastPoint(s);
      return last ? `${s.label}: ${formatValue(last[1])}` : s.label;
    })
    .join('; ');

  return (
    <figure className="chart" aria-labelledby={titleId} data-testid={testId}>
      <figcaption id={titleId} className="chart-title">
        {title}
        <span className="chart-description">{description}</span>
      </figcaption>
      <div className="chart-canvas">
        <div ref={holder} role="img" aria-label={`${title}. ${summary}`} data-testid={`${testId}-canvas`} />
        {empty && <div className="chart-empty">{emptyText}</div>}
      </div>
      <ul className="chart-legend" aria-label={title} data-testid={`${testId}-legend`}>
        {series.map((s) => {
          const last = lastPoint(s);
          return (
            <li key={s.id} data-testid="chart-legend-item">
              <span className="swatch" aria-hidden="true" style={{ borderTopColor: s.color, borderTopStyle: s.dash ? 'dashed' : 'solid' }} />
              <span className="legend-label">{s.label}</span>
              {last && <span className="legend-value">{formatValue(last[1])}</span>}
            </li>
          );
        })}
      </ul>
    </figure>
  );
}

function finiteOr(value: number | null, fallback: number): number {
  return value !== null && Number.isFinite(value) ? value : fallback;
}

function lastPoint(s: ChartSeries): readonly [number, number] | undefined {
  let best: readonly [number, number] | undefined;
  for (const point of s.points) if (!best || point[0] >= best[0]) best = point;
  return best;
}
