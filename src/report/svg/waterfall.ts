import { esc } from './escape.js';
import {
  CHAR_W,
  CHART_W,
  clip,
  type Drawing,
  figure,
  FONT,
  legend,
  type LegendItem,
  noData,
  type Plot,
  px,
  xAxis,
} from './frame.js';
import { linearScale } from './scale.js';

export interface WaterfallRow {
  /** E.g. "http-fresh #3". */
  label: string;
  /** Phases of the request in ms since it started (connect, TLS, waiting, streaming …). */
  segments: Array<{ name: string; from: number; to: number; color: string }>;
  /** Token arrival times in ms since the request started. */
  ticks: readonly number[];
  /** Shown at the end of the row. */
  error?: string;
}

export interface WaterfallSpec {
  id: string;
  title: string;
  xLabel: string;
  rows: WaterfallRow[];
  width?: number;
  note?: string;
}

const ROW_H = 24;
const BAR_H = 12;
const MARGIN = { top: 8, right: 16, bottom: 4 * FONT };
/** Longer row labels are cut (the full text is in the tooltip) so the time axis keeps its width. */
const LABEL_CHARS = 28;
const NARROW_LABEL_CHARS = 16;
const ERROR_CHARS = 60;
const TICK_COLOR = '#222';

type Segment = WaterfallRow['segments'][number];
/** A row with only what can be placed: nothing before the request started or backwards in time. */
interface Placeable {
  row: WaterfallRow;
  segments: Segment[];
  ticks: number[];
}

const ms = (v: number): string => v.toFixed(2);

/** A row label cut in its name, not its last word: `http-keep… #16` still says which request it is. */
function clipHead(label: string, max: number): string {
  const at = label.lastIndexOf(' ');
  if (label.length <= max || at < 0 || label.length - at > max / 2) return clip(label, max);
  return clip(label.slice(0, at), max - (label.length - at)) + label.slice(at);
}

/**
 * Token-arrival waterfall: one row per sample request, its phases as coloured bars and every token as a
 * short vertical line, on a time axis shared by all rows so that rows compare at a glance. Wider than a
 * chart (`width`), it is drawn a second time at CHART_W for phones, with shorter row labels.
 * `data-points` counts the segments and ticks drawn; a waterfall with neither (and no error to show)
 * says "no data".
 */
export function waterfall(spec: WaterfallSpec): string {
  const width = spec.width ?? CHART_W;
  const rows: Placeable[] = spec.rows.map((row) => ({
    row,
    segments: row.segments.filter((s) => s.from >= 0 && s.to >= s.from && Number.isFinite(s.to)),
    ticks: row.ticks.filter((t) => t >= 0 && Number.isFinite(t)),
  }));
  const count = rows.reduce((n, r) => n + r.segments.length + r.ticks.length, 0);
  const base = { id: spec.id, title: spec.title, note: spec.note };
  if (count === 0 && !spec.rows.some((r) => r.error !== undefined && r.error !== '')) {
    const height = MARGIN.top + ROW_H * 3 + MARGIN.bottom;
    return figure({ ...base, width, height, body: noData(width, height), points: 0 });
  }
  const wide = draw(rows, spec.xLabel, width, LABEL_CHARS);
  return figure({
    ...base,
    ...wide,
    ...(width > CHART_W ? { narrow: draw(rows, spec.xLabel, CHART_W, NARROW_LABEL_CHARS) } : {}),
    points: count,
    legend: legend(
      legendItems(
        rows.map((r) => r.segments),
        rows.some((r) => r.ticks.length > 0),
      ),
    ),
  });
}

/** The rows on one time axis, `width` user units wide, row labels cut to `labelChars`. */
function draw(rows: readonly Placeable[], xLabel: string, width: number, labelChars: number): Drawing {
  const scale = linearScale(
    rows.flatMap((r) => [...r.segments.map((s) => s.to), ...r.ticks]),
    { zero: true },
  );
  const longest = Math.min(labelChars, Math.max(0, ...rows.map((r) => r.row.label.length)));
  const left = Math.round(14 + longest * CHAR_W);
  const height = MARGIN.top + rows.length * ROW_H + MARGIN.bottom;
  const plot: Plot = { left, top: MARGIN.top, width: width - left - MARGIN.right, height: rows.length * ROW_H };
  const x = (v: number): number => plot.left + scale.frac(v) * plot.width;

  const body = rows.map((r, i) => {
    const top = plot.top + i * ROW_H;
    const mid = top + ROW_H / 2;
    const label = esc(r.row.label);
    let out = `<g class="row" data-row="${label}">`;
    out += `<text x="${left - 6}" y="${mid + FONT / 3}" text-anchor="end" fill="#444">${esc(clipHead(r.row.label, labelChars))}<title>${label}</title></text>`;
    let end = plot.left;
    for (const s of r.segments) {
      const x0 = x(s.from);
      end = Math.max(end, x(s.to));
      // At least half a pixel wide: a 0.01 ms phase still shows that it happened.
      out +=
        `<rect class="segment" data-segment="${esc(s.name)}" x="${px(x0)}" y="${mid - BAR_H / 2}" ` +
        `width="${px(Math.max(0.5, x(s.to) - x0))}" height="${BAR_H}" fill="${esc(s.color)}">` +
        `<title>${esc(`${s.name} ${ms(s.from)}–${ms(s.to)} ms`)}</title></rect>`;
    }
    if (r.ticks.length > 0) {
      // One path of short vertical strokes: a row of thousands of tokens stays one element.
      let d = '';
      for (const t of r.ticks) {
        end = Math.max(end, x(t));
        d += `M${px(x(t))} ${top + 3}v${ROW_H - 6}`;
      }
      const n = r.ticks.length;
      out += `<path class="ticks" d="${d}" stroke="${TICK_COLOR}" stroke-opacity="0.55" stroke-width="1"><title>${n} token${n === 1 ? '' : 's'}</title></path>`;
    }
    const error = r.row.error;
    if (error !== undefined && error !== '') {
      // After the last mark when it fits, else right-aligned over the row with a white halo.
      const chars = Math.min(ERROR_CHARS, Math.floor((width - left) / CHAR_W));
      const fits = end + 6 + Math.min(error.length, chars) * CHAR_W <= width;
      const at = fits ? `x="${px(end + 6)}"` : `x="${width - 4}" text-anchor="end"`;
      out +=
        `<text class="error" ${at} y="${mid + FONT / 3}" fill="#b00020" stroke="#fff" stroke-width="3" paint-order="stroke">` +
        `${esc(clip(error, chars))}<title>${esc(error)}</title></text>`;
    }
    return out + '</g>';
  });
  return { width, height, body: xAxis(scale, plot, xLabel, width) + body.join('') };
}

/**
 * One entry per segment name (the first colour seen wins) in the order of a request's phases — rows are
 * in time order but each has only some phases (a kept connection has no connect), so the rows' orders
 * are merged: a phase comes after every phase that precedes it in some row — then the token ticks.
 */
export function legendItems(rows: readonly (readonly Segment[])[], ticks: boolean): LegendItem[] {
  const byName = new Map<string, LegendItem>();
  const before = new Map<string, Set<string>>();
  for (const segments of rows) {
    segments.forEach((s, k) => {
      if (!byName.has(s.name)) byName.set(s.name, { name: s.name, color: s.color, mark: 'box' });
      const set = before.get(s.name) ?? new Set<string>();
      for (const earlier of segments.slice(0, k)) if (earlier.name !== s.name) set.add(earlier.name);
      before.set(s.name, set);
    });
  }
  const items: LegendItem[] = [];
  const left = [...byName.keys()];
  while (left.length > 0) {
    // The first name seen with nothing left before it; a cycle (rows that disagree) takes the first name.
    const i = Math.max(
      0,
      left.findIndex((n) => [...before.get(n)!].every((e) => !left.includes(e))),
    );
    items.push(byName.get(left.splice(i, 1)[0])!);
  }
  if (ticks) items.push({ name: 'token arrivals', color: TICK_COLOR, mark: 'tick' });
  return items;
}
