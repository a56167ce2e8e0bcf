import { esc, safeId } from './escape.js';
import type { Scale } from './scale.js';

/** What every chart shares: the page CSS, the figure wrapper, the bottom axis, the legend. */

/**
 * Styles for what the markup leaves to the page (figure, caption, legend). The SVGs carry their own
 * presentation attributes, so a chart copied out of the report still draws the same.
 */
export const CHART_CSS = `figure.chart{margin:1.5em 0;font:13px/1.4 system-ui,sans-serif;color:#222}
figure.chart figcaption{font-weight:600;margin:0 0 .4em}
figure.chart svg{display:block;max-width:100%;height:auto;background:#fff}
.chart-legend{display:flex;flex-wrap:wrap;gap:.3em 1.2em;list-style:none;margin:.4em 0 0;padding:0;font-size:12px}
.chart-legend li{display:flex;align-items:center;gap:.4em}
.chart-legend svg{display:inline-block;background:none}
.chart-note{margin:.4em 0 0;font-size:12px;color:#666}`;

/** The plot area inside the SVG, in pixels. */
export interface Plot {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Average width of an 11px system-ui character: lays out text without measuring it. */
export const CHAR_W = 6.2;
export const GRID = 'fill="none" stroke="#e6e6e6" stroke-width="1"';
export const AXIS = 'fill="none" stroke="#999" stroke-width="1"';
export const LABEL = 'fill="#444"';

/** A pixel coordinate with one decimal: finer is invisible and only grows the file. */
export const px = (v: number): string => String(Math.round(v * 10) / 10);

/** At most `max` characters, the cut marked with an ellipsis. */
export const clip = (text: string, max: number): string => (text.length > max ? text.slice(0, max - 1) + '…' : text);

/** Space around a plot with a left and a bottom axis, beyond the y tick labels. */
const MARGIN = { top: 10, right: 24, bottom: 44 };

/** The plot area of a chart with a left axis: as far right as its longest y tick label needs. */
export function plotArea(yScale: Scale, width: number, height: number): Plot {
  const longest = Math.max(0, ...yScale.ticks.map((t) => t.label.length));
  const left = Math.round(28 + longest * CHAR_W + 6);
  return { left, top: MARGIN.top, width: width - left - MARGIN.right, height: height - MARGIN.top - MARGIN.bottom };
}

/** Horizontal grid lines, tick labels and the rotated label of a left axis. */
export function yAxis(scale: Scale, plot: Plot, label: string): string {
  const bottom = plot.top + plot.height;
  let grid = '';
  let labels = '';
  let lastY = Infinity;
  for (const t of scale.ticks) {
    const y = bottom - t.at * plot.height;
    grid += `M${plot.left} ${px(y)}H${plot.left + plot.width}`;
    if (lastY - y < 13) continue;
    lastY = y;
    labels += `<text x="${plot.left - 6}" y="${px(y + 4)}" text-anchor="end">${esc(t.label)}</text>`;
  }
  const mid = px(plot.top + plot.height / 2);
  return (
    `<g class="y-axis"><path d="${grid}" ${GRID}/><path d="M${plot.left} ${plot.top}V${bottom}" ${AXIS}/>` +
    `<g ${LABEL}>${labels}<text transform="translate(14 ${mid}) rotate(-90)" text-anchor="middle">${esc(label)}</text></g></g>`
  );
}

/** Vertical grid lines, tick labels (thinned so they never overlap) and the label of a bottom axis. */
export function xAxis(scale: Scale, plot: Plot, label: string, svgWidth: number): string {
  const bottom = plot.top + plot.height;
  let grid = '';
  let labels = '';
  let lastRight = -Infinity;
  for (const t of scale.ticks) {
    const x = plot.left + t.at * plot.width;
    grid += `M${px(x)} ${plot.top}V${bottom}`;
    const w = t.label.length * CHAR_W;
    // Labels at the ends slide inwards rather than off the picture.
    const [anchor, start] =
      x - w / 2 < 0 ? ['start', x] : x + w / 2 > svgWidth ? ['end', x - w] : ['middle', x - w / 2];
    if (start < lastRight + 6) continue;
    lastRight = start + w;
    labels += `<text x="${px(x)}" y="${bottom + 15}" text-anchor="${anchor}">${esc(t.label)}</text>`;
  }
  const mid = px(plot.left + plot.width / 2);
  return (
    `<g class="x-axis"><path d="${grid}" ${GRID}/><path d="M${plot.left} ${bottom}H${plot.left + plot.width}" ${AXIS}/>` +
    `<g ${LABEL}>${labels}<text x="${mid}" y="${bottom + 36}" text-anchor="middle">${esc(label)}</text></g></g>`
  );
}

export interface LegendItem {
  name: string;
  color: string;
  mark: 'line' | 'dash' | 'dot' | 'box' | 'tick';
}

const SWATCH: Record<LegendItem['mark'], (c: string) => string> = {
  line: (c) => `<path d="M1 5H23" stroke="${c}" stroke-width="2"/>`,
  dash: (c) => `<path d="M1 5H23" stroke="${c}" stroke-width="2" stroke-dasharray="6 4"/>`,
  dot: (c) => `<circle cx="12" cy="5" r="3" fill="${c}"/>`,
  box: (c) => `<rect x="2" y="1" width="20" height="8" fill="${c}"/>`,
  tick: (c) => `<path d="M6 0V10M12 0V10M18 0V10" stroke="${c}"/>`,
};

/** An HTML list under the SVG: it wraps however many and however long the names are. */
export function legend(items: readonly LegendItem[]): string {
  if (items.length === 0) return '';
  const li = items.map(
    (it) =>
      `<li><svg width="24" height="10" aria-hidden="true">${SWATCH[it.mark](esc(it.color))}</svg>${esc(it.name)}</li>`,
  );
  return `<ul class="chart-legend">${li.join('')}</ul>`;
}

export interface FigureParts {
  id: string;
  title: string;
  width: number;
  height: number;
  /** SVG content, already escaped. */
  body: string;
  /** What `data-points` reports: lets the page skip empty charts without parsing them. */
  points: number;
  legend?: string;
  note?: string;
}

/** The `<figure>` every chart is wrapped in: caption, SVG, legend, note. */
export function figure(f: FigureParts): string {
  const title = esc(f.title);
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${f.width} ${f.height}" width="${f.width}" height="${f.height}" ` +
    `role="img" aria-label="${title}" font-family="system-ui, sans-serif" font-size="11">${f.body}</svg>`;
  const note = f.note === undefined || f.note === '' ? '' : `<p class="chart-note">${esc(f.note)}</p>`;
  return (
    `<figure class="chart" id="${safeId(f.id)}" data-points="${f.points}"><figcaption>${title}</figcaption>` +
    `${svg}${f.legend ?? ''}${note}</figure>`
  );
}

/** The body of a chart with nothing to draw: the caller may still show it, so it says why it is empty. */
export function noData(width: number, height: number): string {
  return `<text x="${width / 2}" y="${height / 2}" text-anchor="middle" font-size="14" fill="#888">no data</text>`;
}
