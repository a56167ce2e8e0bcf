import { esc } from './escape.js';
import { CHART_W, figure, legend, type LegendItem, noData, plotArea, px, xAxis, yAxis } from './frame.js';
import { linearScale, logScale } from './scale.js';

/** One bin: where it is drawn on the x axis, and what its tooltip calls it ("500–519"). */
export interface Bin {
  from: number;
  to: number;
  label: string;
}

export interface HistogramSeries {
  /** Legend text. */
  name: string;
  color: string;
  /** One count per bin, in the bins' order. */
  counts: readonly number[];
  /** 'bars' fills each bin; 'step' outlines the counts over the bins, to lay one distribution over another. */
  style: 'bars' | 'step';
  dash?: boolean;
}

export interface HistogramSpec {
  id: string;
  title: string;
  x: { label: string; scale: 'linear' | 'log' };
  y: { label: string };
  /** Contiguous and in order, shared by every series. */
  bins: readonly Bin[];
  series: HistogramSeries[];
  width?: number;
  height?: number;
  note?: string;
}

/**
 * Counts over bins as bars, with other distributions over the same bins as step outlines on top.
 * `data-points` counts the non-empty bins drawn; a chart without any says "no data".
 */
export function histogramChart(spec: HistogramSpec): string {
  const width = spec.width ?? CHART_W;
  const height = spec.height ?? 300;
  const bins = spec.bins;
  const edges = bins.flatMap((b) => [b.from, b.to]);
  const xs = spec.x.scale === 'log' ? logScale(edges) : linearScale(edges);
  const yScale = linearScale(
    spec.series.flatMap((s) => s.counts),
    { zero: true },
  );
  const plot = plotArea(yScale, width, height);
  const x = (v: number): number => plot.left + xs.frac(v) * plot.width;
  const y = (c: number): number => plot.top + (1 - yScale.frac(c)) * plot.height;
  const base = y(0);

  let count = 0;
  let marks = '';
  const items: LegendItem[] = [];
  // Bars first, so that every outline stays visible over them.
  const ordered = [...spec.series].sort((a, b) => Number(a.style === 'step') - Number(b.style === 'step'));
  for (const s of ordered) {
    const filled = bins.flatMap((_, k) => ((s.counts[k] ?? 0) > 0 ? [k] : []));
    if (filled.length === 0) continue;
    count += filled.length;
    const name = esc(s.name);
    if (s.style === 'bars') {
      // A white hairline between neighbouring bars keeps them apart; each bar's tooltip gives its count.
      const rects = filled.map((k) => {
        const b = bins[k];
        const c = s.counts[k];
        return (
          `<rect x="${px(x(b.from))}" y="${px(y(c))}" width="${px(x(b.to) - x(b.from))}" height="${px(base - y(c))}">` +
          `<title>${esc(`${s.name}: ${b.label}: ${c}`)}</title></rect>`
        );
      });
      marks += `<g class="series" data-series="${name}" fill="${esc(s.color)}" fill-opacity="0.8" stroke="#fff" stroke-width="0.5">${rects.join('')}</g>`;
      items.push({ name: s.name, color: s.color, mark: 'box' });
    } else {
      let d = `M${px(x(bins[0].from))} ${px(base)}`;
      bins.forEach((b, k) => (d += `V${px(y(s.counts[k] ?? 0))}H${px(x(b.to))}`));
      d += `V${px(base)}`;
      const dash = s.dash === true ? ' stroke-dasharray="6 4"' : '';
      marks += `<path class="series" data-series="${name}" fill="none" stroke="${esc(s.color)}" stroke-width="1.75"${dash} d="${d}"><title>${name}</title></path>`;
      items.push({ name: s.name, color: s.color, mark: s.dash === true ? 'dash' : 'line' });
    }
  }

  const fig = { id: spec.id, title: spec.title, width, height, note: spec.note };
  if (count === 0) return figure({ ...fig, body: noData(width, height), points: 0 });
  const body = xAxis(xs, plot, spec.x.label, width) + yAxis(yScale, plot, spec.y.label) + marks;
  return figure({ ...fig, body, points: count, legend: legend(items) });
}
