import type { Messages } from './i18n';
import type { CurveSeries, ResultRow } from './types';

/**
 * Charts as vector primitives in a width × height box (points for the PDF, user units for SVG), so
 * the HTML and PDF renderers draw the same chart from the same geometry.
 */

export type Prim =
  | { kind: 'line'; x1: number; y1: number; x2: number; y2: number; color: string; width: number; dash?: [number, number] }
  | { kind: 'polyline'; points: [number, number][]; color: string; width: number; dash?: [number, number] }
  | { kind: 'circle'; cx: number; cy: number; r: number; color: string }
  | { kind: 'rect'; x: number; y: number; w: number; h: number; fill: string }
  | { kind: 'text'; x: number; y: number; text: string; size: number; color: string; anchor: 'start' | 'middle' | 'end'; bold?: boolean; rotate?: number };

export interface Drawing {
  width: number;
  height: number;
  title: string;
  /** A text alternative (series and values) for readers that cannot see the chart. */
  description: string;
  prims: Prim[];
}

export const LOSS_COLORS: Record<string, string> = { ce: '#3B6FB6', dece: '#E07B20', ls: '#5B9A46', gce: '#8E5BB5', intrust: '#B5475B' };
export const colorFor = (loss: string): string => LOSS_COLORS[loss] ?? '#666666';
const AXIS = '#444444';
const GRID = '#DDDDDD';
const TEXT = '#222222';

/** Rough advance width of text in ems: East-Asian wide characters are 1 em, the rest about 0.56. */
export function textWidth(text: string, size: number): number {
  let ems = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    ems += code >= 0x2e80 ? 1 : 0.56;
  }
  return ems * size;
}

function fmtTick(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

interface LegendEntry {
  label: string;
  color: string;
  dash?: [number, number];
  box?: boolean;
}

function legend(entries: LegendEntry[], left: number, top: number, maxWidth: number, size: number): { prims: Prim[]; height: number } {
  const prims: Prim[] = [];
  let x = left;
  let y = top + size;
  for (const e of entries) {
    const w = 26 + textWidth(e.label, size) + 14;
    if (x + w > left + maxWidth && x > left) {
      x = left;
      y += size + 8;
    }
    if (e.box) prims.push({ kind: 'rect', x, y: y - size * 0.8, w: 16, h: size * 0.8, fill: e.color });
    else prims.push({ kind: 'line', x1: x, y1: y - size * 0.35, x2: x + 20, y2: y - size * 0.35, color: e.color, width: 2, ...(e.dash ? { dash: e.dash } : {}) });
    prims.push({ kind: 'text', x: x + 26, y, text: e.label, size, color: TEXT, anchor: 'start' });
    x += w;
  }
  return { prims, height: y - top + 6 };
}

/** Clean BLEU-4 (solid) and ASR (dashed) per epoch, one colour per loss, on one 0–100 axis. */
export function earlyLearningChart(series: readonly CurveSeries[], m: Messages, width = 500, height = 270): Drawing {
  const size = 9;
  const entries: LegendEntry[] = series.flatMap((s) => [
    { label: m.chartBleu(s.label), color: colorFor(s.loss) },
    { label: m.chartAsr(s.label), color: colorFor(s.loss), dash: [5, 3] as [number, number] },
  ]);
  const legendProbe = legend(entries, 0, 0, width - 60, size);
  const plot = { left: 48, right: width - 12, top: 10, bottom: height - 34 - legendProbe.height };
  const prims: Prim[] = [];
  const maxEpoch = Math.max(1, ...series.flatMap((s) => s.points.map((p) => p.epoch)));
  const minEpoch = Math.min(maxEpoch, ...series.flatMap((s) => s.points.map((p) => p.epoch)));
  // Both are percentages: a fixed 0–100 scale shows a 1% ASR as the small number it is.
  const yMax = 100;
  const x = (epoch: number) =>
    maxEpoch === minEpoch ? (plot.left + plot.right) / 2 : plot.left + 12 + ((epoch - minEpoch) / (maxEpoch - minEpoch)) * (plot.right - plot.left - 24);
  const y = (v: number) => plot.bottom - (Math.min(Math.max(v, 0), yMax) / yMax) * (plot.bottom - plot.top);
  for (let i = 0; i <= 5; i++) {
    const v = (yMax / 5) * i;
    prims.push({ kind: 'line', x1: plot.left, y1: y(v), x2: plot.right, y2: y(v), color: GRID, width: 0.6 });
    prims.push({ kind: 'text', x: plot.left - 5, y: y(v) + 3, text: fmtTick(v), size, color: TEXT, anchor: 'end' });
  }
  const stepEvery = Math.max(1, Math.ceil((maxEpoch - minEpoch + 1) / 12));
  for (let e = minEpoch; e <= maxEpoch; e += stepEvery) {
    prims.push({ kind: 'line', x1: x(e), y1: plot.bottom, x2: x(e), y2: plot.bottom + 4, color: AXIS, width: 0.8 });
    prims.push({ kind: 'text', x: x(e), y: plot.bottom + 14, text: String(e), size, color: TEXT, anchor: 'middle' });
  }
  prims.push({ kind: 'line', x1: plot.left, y1: plot.bottom, x2: plot.right, y2: plot.bottom, color: AXIS, width: 1 });
  prims.push({ kind: 'line', x1: plot.left, y1: plot.top, x2: plot.left, y2: plot.bottom, color: AXIS, width: 1 });
  prims.push({ kind: 'text', x: (plot.left + plot.right) / 2, y: plot.bottom + 27, text: m.chartXAxis, size, color: TEXT, anchor: 'middle' });
  prims.push({ kind: 'text', x: 11, y: (plot.top + plot.bottom) / 2, text: m.chartYAxis, size, color: TEXT, anchor: 'middle', rotate: -90 });
  for (const s of series) {
    const color = colorFor(s.loss);
    for (const metric of ['bleu', 'asr'] as const) {
      const pts = s.points.filter((p) => Number.isFinite(p[metric])).map((p): [number, number] => [x(p.epoch), y(p[metric])]);
      const dash: [number, number] | undefined = metric === 'asr' ? [5, 3] : undefined;
      if (pts.length > 1) prims.push({ kind: 'polyline', points: pts, color, width: 2, ...(dash ? { dash } : {}) });
      for (const [cx, cy] of pts) prims.push({ kind: 'circle', cx, cy, r: 2.6, color });
    }
  }
  const leg = legend(entries, plot.left, plot.bottom + 32, width - plot.left - 10, size);
  prims.push(...leg.prims);
  const description = series
    .map((s) => `${s.label}: ${s.points.map((p) => `${m.epoch} ${p.epoch} BLEU-4 ${p.bleu.toFixed(1)} ASR ${p.asr.toFixed(1)}%`).join('; ')}`)
    .join(' | ');
  return { width, height, title: m.chartTitle, description, prims };
}

/** Clean BLEU-4 and ASR of each loss (means, with ± one standard deviation when several runs). */
export function resultsBarChart(rows: readonly ResultRow[], m: Messages, width = 500, height = 220): Drawing {
  const size = 9;
  const groups = [
    { label: m.bleu, value: (r: ResultRow) => r.bleu },
    { label: m.asr, value: (r: ResultRow) => r.asr },
  ];
  const entries: LegendEntry[] = rows.map((r) => ({ label: r.label, color: colorFor(r.loss), box: true }));
  const legendProbe = legend(entries, 0, 0, width - 60, size);
  const plot = { left: 40, right: width - 12, top: 14, bottom: height - 24 - legendProbe.height };
  const prims: Prim[] = [];
  const yMax = 100;
  const y = (v: number) => plot.bottom - (Math.min(Math.max(v, 0), yMax) / yMax) * (plot.bottom - plot.top);
  for (let i = 0; i <= 5; i++) {
    const v = (yMax / 5) * i;
    prims.push({ kind: 'line', x1: plot.left, y1: y(v), x2: plot.right, y2: y(v), color: GRID, width: 0.6 });
    prims.push({ kind: 'text', x: plot.left - 5, y: y(v) + 3, text: fmtTick(v), size, color: TEXT, anchor: 'end' });
  }
  const groupWidth = (plot.right - plot.left) / groups.length;
  const barWidth = Math.min(48, (groupWidth * 0.7) / Math.max(1, rows.length));
  groups.forEach((g, gi) => {
    const center = plot.left + groupWidth * (gi + 0.5);
    const start = center - (barWidth * rows.length) / 2;
    rows.forEach((r, ri) => {
      const v = g.value(r);
      if (!Number.isFinite(v.mean)) return;
      const bx = start + ri * barWidth + 2;
      prims.push({ kind: 'rect', x: bx, y: y(v.mean), w: barWidth - 4, h: plot.bottom - y(v.mean), fill: colorFor(r.loss) });
      if (v.sd !== null && v.sd > 0) {
        const cx = bx + (barWidth - 4) / 2;
        prims.push({ kind: 'line', x1: cx, y1: y(v.mean - v.sd), x2: cx, y2: y(v.mean + v.sd), color: AXIS, width: 1 });
        prims.push({ kind: 'line', x1: cx - 4, y1: y(v.mean + v.sd), x2: cx + 4, y2: y(v.mean + v.sd), color: AXIS, width: 1 });
        prims.push({ kind: 'line', x1: cx - 4, y1: y(v.mean - v.sd), x2: cx + 4, y2: y(v.mean - v.sd), color: AXIS, width: 1 });
      }
      prims.push({ kind: 'text', x: bx + (barWidth - 4) / 2, y: y(v.mean + (v.sd ?? 0)) - 3, text: v.mean.toFixed(1), size: 8, color: TEXT, anchor: 'middle' });
    });
    prims.push({ kind: 'text', x: center, y: plot.bottom + 13, text: g.label, size, color: TEXT, anchor: 'middle' });
  });
  prims.push({ kind: 'line', x1: plot.left, y1: plot.bottom, x2: plot.right, y2: plot.bottom, color: AXIS, width: 1 });
  prims.push({ kind: 'line', x1: plot.left, y1: plot.top, x2: plot.left, y2: plot.bottom, color: AXIS, width: 1 });
  const leg = legend(entries, plot.left, plot.bottom + 20, width - plot.left - 10, size);
  prims.push(...leg.prims);
  const description = rows.map((r) => `${r.label}: ${m.bleu} ${r.bleu.mean.toFixed(1)}, ${m.asr} ${r.asr.mean.toFixed(1)}%`).join('; ');
  return { width, height, title: `${m.barBleuTitle} / ${m.barAsrTitle}`, description, prims };
}
