/**
 * The histograms of a Prometheus text exposition (format 0.0.4, which OpenMetrics text also parses as):
 * only the series asked for are kept, summed over every label set that matches, so one pass over a large
 * /metrics page builds nothing it does not need.
 */
import type { BucketHistogram } from './histogram.js';

const SUFFIXES = ['_bucket', '_sum', '_count'] as const;

interface Acc {
  /** Per `le` bound: the summed cumulative count and how many series had that bound. */
  buckets: Map<number, { count: number; series: number }>;
  sum: number;
  count: number;
  series: number;
}

/**
 * The histograms named in `bases` (names without `_bucket`), each summed over its label sets that carry
 * every label of `match`. A bound that not every series has is left out (sums over it would be wrong).
 * Histograms the text lacks are absent from the map.
 */
export function parseHistograms(
  text: string,
  bases: ReadonlySet<string>,
  match: Readonly<Record<string, string>> = {},
): Map<string, BucketHistogram> {
  const accs = new Map<string, Acc>();
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end);
    start = end + 1;
    if (line === '' || line.startsWith('#')) continue;
    const sample = parseLine(line);
    if (sample === undefined) continue;
    const suffix = SUFFIXES.find((s) => sample.name.endsWith(s));
    if (suffix === undefined) continue;
    const base = sample.name.slice(0, -suffix.length);
    if (!bases.has(base) || !matches(sample.labels, match)) continue;
    let acc = accs.get(base);
    if (acc === undefined) {
      acc = { buckets: new Map(), sum: 0, count: 0, series: 0 };
      accs.set(base, acc);
    }
    if (suffix === '_bucket') {
      const le = parseValue(sample.labels.le ?? '');
      if (Number.isNaN(le)) continue;
      const b = acc.buckets.get(le) ?? { count: 0, series: 0 };
      b.count += sample.value;
      b.series++;
      acc.buckets.set(le, b);
    } else if (suffix === '_sum') acc.sum += sample.value;
    else {
      acc.count += sample.value;
      acc.series++;
    }
  }
  const out = new Map<string, BucketHistogram>();
  for (const [base, acc] of accs) {
    const bounds = [...acc.buckets.entries()].filter(([, b]) => b.series === acc.series).sort(([a], [b]) => a - b);
    if (bounds.length === 0 || bounds.at(-1)![0] !== Infinity) continue;
    out.set(base, {
      bounds: bounds.map(([le]) => le),
      cumulative: bounds.map(([, b]) => b.count),
      sum: acc.sum,
      count: acc.count,
    });
  }
  return out;
}

function matches(labels: Record<string, string>, match: Readonly<Record<string, string>>): boolean {
  for (const k in match) if (labels[k] !== match[k]) return false;
  return true;
}

/** `+Inf`, `-Inf`, `NaN` and decimal numbers, as the format spells them. */
function parseValue(s: string): number {
  if (s === '+Inf' || s === 'Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  const v = Number(s);
  return s.trim() === '' ? NaN : v;
}

/** `name{label="value",…} value [timestamp]`; undefined for a line that is not a sample. */
function parseLine(line: string): { name: string; labels: Record<string, string>; value: number } | undefined {
  const brace = line.indexOf('{');
  const space = line.indexOf(' ');
  const labels: Record<string, string> = {};
  let rest: string;
  let name: string;
  if (brace >= 0 && (space < 0 || brace < space)) {
    name = line.slice(0, brace);
    const close = readLabels(line, brace + 1, labels);
    if (close < 0) return undefined;
    rest = line.slice(close + 1);
  } else {
    if (space < 0) return undefined;
    name = line.slice(0, space);
    rest = line.slice(space);
  }
  const value = parseValue(rest.trim().split(/\s+/)[0] ?? '');
  return Number.isNaN(value) ? undefined : { name, labels, value };
}

/** Reads `a="x",b="y"` from `i` into `labels`; the index of the closing brace, or −1 when malformed. */
function readLabels(line: string, i: number, labels: Record<string, string>): number {
  while (i < line.length) {
    while (line[i] === ' ' || line[i] === ',') i++;
    if (line[i] === '}') return i;
    const eq = line.indexOf('=', i);
    if (eq < 0 || line[eq + 1] !== '"') return -1;
    const key = line.slice(i, eq).trim();
    let value = '';
    let j = eq + 2;
    for (; j < line.length && line[j] !== '"'; j++) {
      if (line[j] === '\\' && j + 1 < line.length) {
        j++;
        value += line[j] === 'n' ? '\n' : line[j];
      } else value += line[j];
    }
    if (j >= line.length) return -1;
    labels[key] = value;
    i = j + 1;
  }
  return -1;
}
