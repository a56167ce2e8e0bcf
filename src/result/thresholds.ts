/**
 * Pass/fail thresholds on a run's figures, modelled on k6: `"<variant|*>.<metric>.<stat>": "< 400"`.
 * The scenario schema validates every key and expression with `parseThreshold`; after the run
 * `checkThresholds` evaluates them against result.json's variants, so CI can fail a build on them.
 */
import { isMetricName, METRICS } from '../core/catalog.js';
import type { MetricSummary } from '../result/result.js';
import type { StepResult, VariantResult } from './result.js';

/** The statistics of a metric summary a threshold can name (`hdr` is not a number). */
export const STATS = ['count', 'min', 'mean', 'stdev', 'p50', 'p90', 'p95', 'p99', 'p999', 'max'] as const;
type Stat = (typeof STATS)[number];

/**
 * Samples a quantile needs before it is more than the sample maximum: HdrHistogram's q-quantile of n
 * values is the one of rank ⌈q·n⌉, which is the maximum while n < 1/(1 − q).
 */
export const SAMPLES_NEEDED: Readonly<Partial<Record<Stat, number>>> = { p90: 10, p95: 20, p99: 100, p999: 1000 };

/** Whether `count` samples resolve statistic `stat` (anything but a high quantile always does). */
export const resolves = (count: number, stat: string): boolean => count >= (SAMPLES_NEEDED[stat as Stat] ?? 0);

/** A figure of one variant, undefined when the variant has nothing to compute it from. */
type Read = (v: VariantResult) => number | undefined;

/** Run-level figures are undefined, not 0, when nothing was measured: a threshold must not pass on an empty variant. */
const measured = (v: VariantResult, figure: (v: VariantResult) => number | undefined): number | undefined =>
  v.counts.requests > 0 ? figure(v) : undefined;

/** The figures beside the metrics, by group and name: `errors.rate`, `throughput.requests_per_s`, … */
const FIGURES: Readonly<Record<string, Readonly<Record<string, Read>>>> = {
  errors: {
    rate: (v) => measured(v, (x) => (x.counts.requests - x.counts.ok) / x.counts.requests),
    count: (v) => measured(v, (x) => x.counts.requests - x.counts.ok),
  },
  throughput: {
    requests_per_s: (v) => measured(v, (x) => x.throughput.requests_per_s),
    output_tokens_per_s: (v) => measured(v, (x) => x.throughput.output_tokens_per_s),
  },
  goodput: {
    share: (v) => measured(v, (x) => x.goodput?.share),
    rate: (v) => measured(v, (x) => x.goodput?.rate_per_s),
  },
};

const OPS = {
  '<': (a: number, b: number) => a < b,
  '<=': (a: number, b: number) => a <= b,
  '>': (a: number, b: number) => a > b,
  '>=': (a: number, b: number) => a >= b,
  '==': (a: number, b: number) => a === b,
} as const;
type Op = keyof typeof OPS;

const EXPRESSION = /^\s*(<=|>=|==|<|>)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?)\s*$/i;

export interface ThresholdSpec {
  key: string;
  expression: string;
  /** A variant name, or `*` for every variant. */
  variant: string;
  read: Read;
  op: Op;
  limit: number;
}

export interface ThresholdContext {
  /** The scenario's variant names. */
  variants: readonly string[];
  /** Whether the scenario sets an `slo` (goodput is only computed with one). */
  slo: boolean;
}

/** One threshold as result.json reports it: per variant (a `*` key expands), per step with a sweep. */
export interface ThresholdResult {
  key: string;
  expression: string;
  variant: string;
  /** The measured figure; null when there was none, which fails the threshold. */
  value: number | null;
  ok: boolean;
  /** Sweeps: the step (from 0) in result.json's `steps`. */
  step?: number;
  reason?: string;
}

/**
 * A threshold from its key and expression, or what is wrong with it. Variant names may contain dots, so
 * the key is read from the right: the last two segments name the figure, the rest is the variant.
 */
export function parseThreshold(key: string, expression: string, ctx: ThresholdContext): ThresholdSpec | string {
  const parts = key.split('.');
  if (parts.length < 3) {
    return `expected a key <variant|*>.<metric>.<stat> (e.g. "*.ttft_ms.p99", "*.errors.rate"), got "${key}"`;
  }
  const stat = parts.at(-1)!;
  const group = parts.at(-2)!;
  const variant = parts.slice(0, -2).join('.');
  if (variant !== '*' && !ctx.variants.includes(variant)) {
    return `unknown variant "${variant}" in "${key}"; expected one of ${ctx.variants.join(', ')}, or * for every variant`;
  }
  const read = figure(group, stat);
  if (typeof read === 'string') return `${read} in "${key}"`;
  if (group === 'goodput' && !ctx.slo) return `"${key}" needs an slo: (the per-request limits goodput counts against)`;
  const m = EXPRESSION.exec(expression);
  if (m === null) {
    return `expected an expression "<op> <number>" with op one of <, <=, >, >=, == (e.g. "< 400") for "${key}", got "${expression}"`;
  }
  return { key, expression, variant, read, op: m[1] as Op, limit: Number(m[2]) };
}

/** A figure a key names (`ttft_ms.p99`, `errors.rate`), or what is wrong with the name. */
export function figure(group: string, stat: string): Read | string {
  if (isMetricName(group)) {
    if (!(STATS as readonly string[]).includes(stat))
      return `unknown statistic "${stat}" of ${group}; expected one of ${STATS.join(', ')}`;
    return (v) => summaryStat(v.metrics[group], stat as Stat);
  }
  const figures = FIGURES[group];
  if (figures === undefined) {
    return `unknown metric "${group}"; expected one of ${[...METRICS, ...Object.keys(FIGURES)].join(', ')}`;
  }
  return figures[stat] ?? `unknown figure "${stat}" of ${group}; expected one of ${Object.keys(figures).join(', ')}`;
}

function summaryStat(s: MetricSummary | undefined, stat: Stat): number | undefined {
  return s === undefined || s.count === 0 ? undefined : s[stat];
}

/**
 * Evaluates every threshold on one set of variants (the run's, or one sweep step's). A figure without
 * data fails, as in k6: a threshold no request could check has not been met.
 */
export function checkThresholds(
  thresholds: Readonly<Record<string, string>>,
  variants: readonly VariantResult[],
  slo: boolean,
  step?: number,
): ThresholdResult[] {
  const ctx = { variants: variants.map((v) => v.name), slo };
  const at = step === undefined ? {} : { step };
  return Object.entries(thresholds).flatMap(([key, expression]) => {
    const spec = parseThreshold(key, expression, ctx);
    // The schema refused such thresholds before the run; a result without the variant still must not pass.
    if (typeof spec === 'string')
      return [{ key, expression, variant: '', value: null, ok: false, ...at, reason: spec }];
    return variants
      .filter((v) => spec.variant === '*' || v.name === spec.variant)
      .map((v): ThresholdResult => {
        const value = spec.read(v);
        if (value === undefined)
          return { key, expression, variant: v.name, value: null, ok: false, ...at, reason: 'no data' };
        return { key, expression, variant: v.name, value, ok: OPS[spec.op](value, spec.limit), ...at };
      });
  });
}

/** `*.ttft_ms.p99 < 400  ws at load.concurrency = 8: 412.3`: what was checked, where, and what was measured. */
export function describeThreshold(t: ThresholdResult, steps: readonly StepResult[] = []): string {
  const st = t.step === undefined ? undefined : steps[t.step];
  const where = [t.variant, st === undefined ? '' : `at ${st.param} = ${String(st.value)}`]
    .filter((x) => x !== '')
    .join(' ');
  const got = t.value === null ? (t.reason ?? 'no data') : String(Number(t.value.toPrecision(6)));
  return `${t.key} ${t.expression.trim()}  ${where === '' ? '' : `${where}: `}${got}`;
}
