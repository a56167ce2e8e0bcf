import { esc, safeId } from './escape.js';
import type { Scale } from './scale.js';

/** What every chart shares: the page CSS, the figure wrapper, the bottom axis, the legend. */

/**
 * Every chart's SVG is laid out for CHART_W user units and stretched to its grid cell (at most to
 * MAX_ZOOM×): the page's grid keeps cells between ~400 and ~560 px wide, so FONT-unit text renders at
 * 11–16 px. A chart drawn twice (a waterfall: its ticks need the width of a desktop) shows its `narrow`
 * drawing below NARROW_PAGE px instead of shrinking the wide one's text to nothing.
 * The SVGs carry their own presentation attributes, so a chart copied out of the report still draws the same.
 */
export const CHART_W = 420;
export const FONT = 12;
const MAX_ZOOM = 4 / 3;
const NARROW_PAGE = 700;
export const CHART_CSS = `figure.chart{margin:0;min-width:0;font:13px/1.4 system-ui,sans-serif;color:#222}
figure.chart figcaption{font-weight:600;margin:0 0 .4em}
figure.chart svg{display:block;width:100%;max-width:${Math.round(CHART_W * MAX_ZOOM)}px;height:auto;background:#fff}
figure.chart svg.wide-only{max-width:none}
figure.chart svg.narrow-only{display:none}
@media (max-width:${NARROW_PAGE}px){figure.chart svg.wide-only{display:none}figure.chart svg.narrow-only{display:block}}
.chart-legend{display:flex;flex-wrap:wrap;gap:.3em 1.2em;list-style:none;margin:.4em 0 0;padding:0;font-size:13px}
.chart-legend li{display:flex;align-items:center;gap:.4em}
figure.chart .chart-legend svg{display:inline-block;width:24px;background:none}
.chart-note{margin:.4em 0 0;font-size:13px;color:#57606a}`;

/** The plot area inside the SVG, in pixels. */
export interface Plot {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Average width of a FONT-unit system-ui character (DejaVu Sans' digits are 0.64 em): lays out text without measuring it. */
export const CHAR_W = 0.62 * FONT;
export const GRID = 'fill="none" stroke="#e6e6e6" stroke-width="1"';
export const AXIS = 'fill="none" stroke="#999" stroke-width="1"';
export const LABEL = 'fill="#444"';

/** A pixel coordinate with one decimal: finer is invisible and only grows the file. */
export const px = (v: number): string => String(Math.round(v * 10) / 10);

/** At most `max` characters, the cut marked with an ellipsis. */
export const clip = (text: string, max: number): string => (text.length > max ? text.slice(0, max - 1) + '…' : text);

/** Space around a plot with a left and a bottom axis, beyond the y tick labels. */
const MARGIN = { top: 10, right: 16, bottom: 4 * FONT };

/** The plot area of a chart with a left axis: as far right as its longest y tick label needs. */
export function plotArea(yScale: Scale, width: number, height: number): Plot {
  const longest = Math.max(0, ...yScale.ticks.map((t) => t.label.length));
  const left = Math.round(2 * FONT + 6 + longest * CHAR_W + 6);
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
    if (lastY - y < FONT + 2) continue;
    lastY = y;
    labels += `<text x="${plot.left - 6}" y="${px(y + 4)}" text-anchor="end">${esc(t.label)}</text>`;
  }
  const mid = px(plot.top + plot.height / 2);
  return (
    `<g class="y-axis"><path d="${grid}" ${GRID}/><path d="M${plot.left} ${plot.top}V${bottom}" ${AXIS}/>` +
    `<g ${LABEL}>${labels}<text transform="translate(${FONT + 2} ${mid}) rotate(-90)" text-anchor="middle">${esc(clip(label, Math.floor(plot.height / CHAR_W)))}</text></g></g>`
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
    labels += `<text x="${px(x)}" y="${bottom + FONT + 4}" text-anchor="${anchor}">${esc(t.label)}</text>`;
  }
  const mid = px(plot.left + plot.width / 2);
  const title = clip(label, Math.floor(svgWidth / CHAR_W) - 2);
  return (
    `<g class="x-axis"><path d="${grid}" ${GRID}/><path d="M${plot.left} ${bottom}H${plot.left + plot.width}" ${AXIS}/>` +
    `<g ${LABEL}>${labels}<text x="${mid}" y="${bottom + 3 * FONT}" text-anchor="middle">${esc(title)}</text></g></g>`
  );
}

export interface LegendItem {
  name: string;
  color: string;
  mark: 'line' | 'dash' | 'dot' | 'box' | 'tick';
  /** A dot on the line, as the chart marks its points. */
  dot?: boolean;
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
      `<li><svg width="24" height="10" aria-hidden="true">${SWATCH[it.mark](esc(it.color))}` +
      `${it.dot === true ? SWATCH.dot(esc(it.color)) : ''}</svg>${esc(it.name)}</li>`,
  );
  return `<ul class="chart-legend">${li.join('')}</ul>`;
}

/** One drawing of a chart: its size in user units and its SVG content, already escaped. */
export interface Drawing {
  width: number;
  height: number;
  body: string;
}

export interface FigureParts extends Drawing {
  id: string;
  title: string;
  /** What `data-points` reports: lets the page skip empty charts without parsing them. */
  points: number;
  legend?: string;
  note?: string;
  /** The same chart laid out for a phone, shown instead of the one above on a narrow page. */
  narrow?: Drawing;
}

function svg(d: Drawing, title: string, cls?: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg"${cls === undefined ? '' : ` class="${cls}"`} viewBox="0 0 ${d.width} ${d.height}" ` +
    `width="${d.width}" height="${d.height}" role="img" aria-label="${title}" font-family="system-ui, sans-serif" ` +
    `font-size="${FONT}">${d.body}</svg>`
  );
}

/** The `<figure>` every chart is wrapped in: caption, SVG (or a wide and a narrow one), legend, note. */
export function figure(f: FigureParts): string {
  const title = esc(f.title);
  const drawn =
    f.narrow === undefined ? svg(f, title) : svg(f, title, 'wide-only') + svg(f.narrow, title, 'narrow-only');
  const note = f.note === undefined || f.note === '' ? '' : `<p class="chart-note">${esc(f.note)}</p>`;
  return (
    `<figure class="chart" id="${safeId(f.id)}" data-points="${f.points}"><figcaption>${title}</figcaption>` +
    `${drawn}${f.legend ?? ''}${note}</figure>`
  );
}

/** The body of a chart with nothing to draw: the caller may still show it, so it says why it is empty. */
export function noData(width: number, height: number): string {
  return `<text x="${width / 2}" y="${height / 2}" text-anchor="middle" font-size="14" fill="#888">no data</text>`;
}
