import { esc } from './escape.js';
import { CHART_W, figure, legend, type LegendItem, noData, plotArea, px, xAxis, yAxis } from './frame.js';
import { categoryScale, linearScale, logScale, percentileScale, type Scale } from './scale.js';

export type XScale = 'linear' | 'log' | 'percentile' | 'category';

export interface Series {
  /** Legend text. */
  name: string;
  /** A CSS colour, normally from seriesColor. */
  color: string;
  /** [x, y]; points an axis cannot show (non-finite, ≤ 0 on a log axis, outside 0–100 %) are skipped. */
  points: ReadonlyArray<readonly [number, number]>;
  /** 'line' (default) joins the points in order; 'points' draws each as a dot (scatter). */
  style?: 'line' | 'points';
  /** Dashed line, e.g. p99 next to a solid p50 of the same colour. */
  dash?: boolean;
  /** A dot's diameter in px (default 4): larger for a few marks that must stand out over the lines. */
  dotSize?: number;
  /** A dot on every point of a line: few points (a sweep's steps) must show where the data is. */
  markers?: boolean;
}

export interface ChartSpec {
  /** The figure's element id; reduced to [A-Za-z0-9_-]. */
  id: string;
  title: string;
  /**
   * On a 'category' axis x values are indexes into `categories` (labelled by index when absent).
   * `clampZero`: on a log axis, x ≤ 0 is drawn at the axis' left end (labelled `≤` its value) rather
   * than left out, so a share of zeros stays visible.
   */
  x: { label: string; scale: XScale; categories?: string[]; clampZero?: boolean };
  /**
   * `zero`: a linear y axis includes 0 when this is true (counts); else it starts at a nice value near
   * the data's minimum, so that latencies far from 0 are not flattened into a line at the top.
   */
  y: { label: string; scale?: 'linear' | 'log'; zero?: boolean };
  series: Series[];
  width?: number;
  height?: number;
  /** Small print under the chart. */
  note?: string;
}

function* column(series: readonly Series[], i: 0 | 1): Generator<number> {
  for (const s of series) for (const p of s.points) yield p[i];
}

/** A log axis that draws x ≤ 0 at its left end, its first tick then labelled `≤0.01`. */
function clampedLog(values: readonly number[]): Scale {
  const scale = logScale(values);
  if (!values.some((x) => x <= 0)) return scale;
  const [first, ...rest] = scale.ticks;
  return {
    frac: (v) => (v <= 0 ? 0 : scale.frac(v)),
    ticks: [{ ...first, label: `≤${first.label}` }, ...rest],
  };
}

function xScaleOf(spec: ChartSpec): Scale {
  const xs = column(spec.series, 0);
  switch (spec.x.scale) {
    case 'linear':
      return linearScale(xs);
    case 'log':
      return spec.x.clampZero === true ? clampedLog([...xs]) : logScale(xs);
    case 'percentile':
      return percentileScale(xs);
    case 'category': {
      if (spec.x.categories !== undefined) return categoryScale(spec.x.categories);
      let n = 0;
      for (const i of xs) if (Number.isInteger(i) && i >= n) n = i + 1;
      return categoryScale(Array.from({ length: n }, (_, i) => String(i)));
    }
  }
}

/** The least span of a y axis that does not start at 0, as a share of its largest value. */
const MIN_SPAN = 0.1;

/**
 * The values a y axis must cover, widened downwards to MIN_SPAN of the largest: an axis fitted to
 * values within 1% of each other would blow their noise up to the plot's height.
 */
function withSpan(ys: number[]): number[] {
  let [lo, hi] = [Infinity, -Infinity];
  for (const y of ys) if (Number.isFinite(y)) [lo, hi] = [Math.min(lo, y), Math.max(hi, y)];
  return hi > 0 && hi - lo < MIN_SPAN * hi ? [...ys, Math.max(0, hi * (1 - MIN_SPAN))] : ys;
}

/** A line chart or scatter plot with a shared x axis; see ChartSpec. */
export function lineChart(spec: ChartSpec): string {
  const width = spec.width ?? CHART_W;
  const height = spec.height ?? 300;
  const xs = xScaleOf(spec);
  // The y range covers only points the x axis can show: a discarded point must not stretch the chart.
  const ys: number[] = [];
  for (const s of spec.series) for (const [x, y] of s.points) if (!Number.isNaN(xs.frac(x))) ys.push(y);
  const yScale = spec.y.scale === 'log' ? logScale(ys) : linearScale(withSpan(ys), { zero: spec.y.zero === true });

  const plot = plotArea(yScale, width, height);

  let count = 0;
  let marks = '';
  const items: LegendItem[] = [];
  for (const s of spec.series) {
    const coords: string[] = [];
    for (const [x, y] of s.points) {
      const fx = xs.frac(x);
      const fy = yScale.frac(y);
      if (Number.isNaN(fx) || Number.isNaN(fy)) continue;
      coords.push(`${px(plot.left + fx * plot.width)},${px(plot.top + (1 - fy) * plot.height)}`);
    }
    if (coords.length === 0) continue;
    count += coords.length;
    const attrs = `class="series" data-series="${esc(s.name)}" fill="none" stroke="${esc(s.color)}"`;
    const title = `<title>${esc(s.name)}</title>`;
    if (s.style === 'points' || coords.length === 1) {
      // Each dot is a zero-length segment drawn with a round cap: ~14 bytes a point instead of ~40
      // for a <circle>, which keeps a scatter of thousands of requests small.
      const d = coords.map((c) => `M${c}h0`).join('');
      marks += `<path ${attrs} stroke-width="${s.dotSize ?? 4}" stroke-linecap="round" stroke-opacity="0.7" d="${d}">${title}</path>`;
      items.push({ name: s.name, color: s.color, mark: 'dot' });
    } else {
      const dash = s.dash === true ? ' stroke-dasharray="6 4"' : '';
      marks += `<polyline ${attrs} stroke-width="1.75" stroke-linejoin="round"${dash} points="${coords.join(' ')}">${title}</polyline>`;
      if (s.markers === true)
        marks += `<path class="markers" fill="none" stroke="${esc(s.color)}" stroke-width="7" stroke-linecap="round" d="${coords.map((c) => `M${c}h0`).join('')}"/>`;
      items.push({ name: s.name, color: s.color, mark: s.dash === true ? 'dash' : 'line', dot: s.markers === true });
    }
  }

  const base = { id: spec.id, title: spec.title, width, height, note: spec.note };
  if (count === 0) return figure({ ...base, body: noData(width, height), points: 0 });
  const body = xAxis(xs, plot, spec.x.label, width) + yAxis(yScale, plot, spec.y.label) + marks;
  return figure({ ...base, body, points: count, legend: legend(items) });
}
