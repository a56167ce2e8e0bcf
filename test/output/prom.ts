/**
 * A strict reader of the Prometheus text exposition format (0.0.4), for the tests: the one parser on npm
 * (parse-prometheus-text-format) merges a histogram's labelled series into one. Anything the format
 * does not allow throws, and a histogram must be whole: `le` ascending to `+Inf`, cumulative counts,
 * `+Inf` equal to `_count`.
 */

interface Sample {
  labels: Record<string, string>;
  value: number;
}

interface Family {
  type: string;
  help?: string;
  /** Samples by their full name (`x_bucket`, `x_sum`, `x_count` for a histogram). */
  samples: Map<string, Sample[]>;
}

export type Scrape = Map<string, Family>;

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/;

function labelsOf(text: string, where: string): Record<string, string> {
  const out: Record<string, string> = {};
  let rest = text;
  while (rest !== '') {
    const m = LABEL.exec(rest);
    if (m === null) throw new Error(`${where}: bad labels {${text}}`);
    if (Object.hasOwn(out, m[1])) throw new Error(`${where}: label ${m[1]} twice`);
    out[m[1]] = m[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    rest = rest.slice(m[0].length);
  }
  return out;
}

function value(text: string, where: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  const n = Number(text);
  if (text === '' || Number.isNaN(n)) throw new Error(`${where}: bad value ${text}`);
  return n;
}

/** The family a sample belongs to: a histogram's `_bucket`, `_sum`, `_count` belong to its name. */
function familyOf(name: string, families: Scrape): Family | undefined {
  const base = name.replace(/_(bucket|sum|count)$/, '');
  const f = families.get(base);
  return f?.type === 'histogram' ? f : families.get(name);
}

function checkHistogram(name: string, f: Family): void {
  const series = new Map<string, Sample[]>();
  for (const s of f.samples.get(`${name}_bucket`) ?? []) {
    const { le, ...rest } = s.labels;
    if (le === undefined) throw new Error(`${name}_bucket without le`);
    const key = JSON.stringify(rest);
    series.set(key, [...(series.get(key) ?? []), s]);
  }
  for (const [key, buckets] of series) {
    const les = buckets.map((b) => value(b.labels.le, name));
    if (les.at(-1) !== Infinity) throw new Error(`${name}${key}: last bucket is not +Inf`);
    for (let i = 1; i < buckets.length; i++)
      if (les[i] <= les[i - 1] || buckets[i].value < buckets[i - 1].value)
        throw new Error(`${name}${key}: buckets not ascending and cumulative`);
    const count = f.samples.get(`${name}_count`)?.find((s) => JSON.stringify(s.labels) === key);
    if (f.samples.get(`${name}_sum`)?.find((s) => JSON.stringify(s.labels) === key) === undefined)
      throw new Error(`${name}${key}: no _sum`);
    if (count?.value !== buckets.at(-1)!.value) throw new Error(`${name}${key}: +Inf bucket is not _count`);
  }
}

export function parseExposition(text: string): Scrape {
  if (!text.endsWith('\n')) throw new Error('the exposition does not end with a line break');
  const families: Scrape = new Map();
  text
    .split('\n')
    .slice(0, -1)
    .forEach((line, n) => {
      const where = `line ${n + 1}`;
      const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
      if (meta !== null) {
        const [, kind, name, rest] = meta;
        if (!NAME.test(name)) throw new Error(`${where}: bad metric name ${name}`);
        const f = families.get(name);
        if (kind === 'TYPE') {
          if (f !== undefined) throw new Error(`${where}: TYPE of ${name} after its samples or twice`);
          if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest))
            throw new Error(`${where}: type ${rest}`);
          families.set(name, { type: rest, samples: new Map() });
        } else if (f !== undefined) throw new Error(`${where}: HELP of ${name} after its TYPE`);
        return;
      }
      if (line.startsWith('#') || line === '') return;
      const m = SAMPLE.exec(line);
      if (m === null) throw new Error(`${where}: not a sample: ${line}`);
      const f = familyOf(m[1], families);
      if (f === undefined) throw new Error(`${where}: ${m[1]} has no TYPE`);
      f.samples.set(m[1], [
        ...(f.samples.get(m[1]) ?? []),
        { labels: labelsOf(m[2] ?? '', where), value: value(m[3], where) },
      ]);
    });
  for (const [name, f] of families) if (f.type === 'histogram') checkHistogram(name, f);
  return families;
}

export async function scrape(port: number): Promise<Scrape> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  if (!res.headers.get('content-type')?.startsWith('text/plain; version=0.0.4'))
    throw new Error(`/metrics content type ${res.headers.get('content-type')}`);
  return parseExposition(await res.text());
}

const has = (s: Sample, labels: Record<string, string>): boolean =>
  Object.entries(labels).every(([k, v]) => s.labels[k] === v);

/** A counter's value for a series, 0 when the series is absent. */
export function counter(s: Scrape, name: string, labels: Record<string, string>): number {
  const f = s.get(name);
  if (f !== undefined && f.type !== 'counter') throw new Error(`${name} is a ${f.type}`);
  return f?.samples.get(name)?.find((x) => has(x, labels))?.value ?? 0;
}

/** A histogram's `_count` for one variant; undefined when it has no series. */
export function histogramCount(s: Scrape, name: string, variant: string): number | undefined {
  const f = s.get(name);
  if (f !== undefined && f.type !== 'histogram') throw new Error(`${name} is a ${f.type}`);
  return f?.samples.get(`${name}_count`)?.find((x) => x.labels.variant === variant)?.value;
}
