/**
 * `compare --fail-on` rules: what a rule names, and whether a pair of variants breaks it. A metric's
 * statistic is judged on what compare computed for it (exact samples where there are some); a run-level
 * figure such as `errors.rate` on the result itself, with thresholds' own definition of it.
 */
import { isMetricName, type MetricName } from '../core/catalog.js';
import type { VariantResult } from '../result/result.js';
import { figure, resolves, SAMPLES_NEEDED } from '../result/thresholds.js';
import { COMPARE_STATS, type CompareStat, INTERVAL_STATS, type MetricComparison, significant } from './compare.js';

export interface FailOn {
  text: string;
  /** A metric and one of its statistics, or a figure's group and name (`errors`, `rate`). */
  group: string;
  stat: string;
  op: '>' | '<';
  value: number;
  /** `+10%`: a significant change beyond it breaks the rule; else the candidate's value beyond `value` does. */
  relative: boolean;
  /** The figure of a variant; undefined for a metric's statistic, which comes from its comparison. */
  read?: (v: VariantResult) => number | undefined;
}

const SYNTAX = 'METRIC.STAT>+N% (a significant change beyond N%) or METRIC.STAT>N (a limit), with > or <';

export function parseFailOn(text: string): FailOn {
  const m = /^\s*([a-z0-9_]+)\.([a-z0-9_]+)\s*([<>])\s*([+-]?\d+(?:\.\d+)?)(%?)\s*$/.exec(text);
  const bad = (why: string): Error => new Error(`--fail-on "${text}": ${why}`);
  if (m === null) throw bad(`expected ${SYNTAX}; e.g. "ttft_ms.p99>+10%", "e2e_ms.p999>2000", "errors.rate>0.01"`);
  const [, group, stat, op, num, percent] = m;
  const relative = percent === '%';
  const rule = { text, group, stat, op: op as '>' | '<', value: Number(num) / (relative ? 100 : 1), relative };
  if (isMetricName(group)) {
    if (!(COMPARE_STATS as readonly string[]).includes(stat))
      throw bad(`unknown statistic ${stat} of ${group} (known: ${COMPARE_STATS.join(', ')})`);
    if (relative && !(INTERVAL_STATS as readonly string[]).includes(stat))
      throw bad(
        `a relative rule needs a statistic with a 95% interval (${INTERVAL_STATS.join(', ')}); give ${stat} a limit instead`,
      );
    return rule;
  }
  const read = figure(group, stat);
  if (typeof read === 'string') throw bad(read);
  if (relative) throw bad(`${group}.${stat} takes a limit, not a relative change (e.g. "${group}.${stat}>0.01")`);
  return { ...rule, read };
}

/** One rule checked on one pair of variants: the figures that decided it, and how. */
export interface RuleOutcome {
  rule: string;
  ok: boolean;
  baseline_variant: string;
  candidate_variant: string;
  /** `ttft_ms.p99`, `errors.rate`. */
  statistic: string;
  baseline: number | null;
  candidate: number | null;
  /** Relative rules: the change, its 95% interval and the rank test's p. */
  change?: number;
  ci95?: [number, number];
  p_value?: number;
  /**
   * `limit`: the candidate's value against the rule's; `change`: the change was within the rule;
   * `interval`: the change was beyond it, and the statistic's interval (see `significant`) decided;
   * `no data`: a side has nothing to judge, which fails the rule as a threshold without data does;
   * `too few samples`: the change was beyond the rule, but a side has fewer samples than the quantile
   * needs (it is their maximum), so nothing can tell a real change from chance: it fails, as no data does,
   * and `samples_needed` says how many would do.
   */
  decided_by: 'limit' | 'change' | 'interval' | 'no data' | 'too few samples';
  samples_needed?: number;
}

const beyond = (rule: FailOn, x: number): boolean => (rule.op === '>' ? x > rule.value : x < rule.value);

/** Whether the pair `base`, `cand`, whose metrics `comparisons` compared, keeps `rule`. */
export function checkRule(
  rule: FailOn,
  base: VariantResult,
  cand: VariantResult,
  comparisons: readonly MetricComparison[],
): RuleOutcome {
  const head = {
    rule: rule.text,
    baseline_variant: base.name,
    candidate_variant: cand.name,
    statistic: `${rule.group}.${rule.stat}`,
  };
  const noData = { ...head, ok: false, baseline: null, candidate: null, decided_by: 'no data' } as const;
  if (rule.read !== undefined) {
    const [b, c] = [rule.read(base), rule.read(cand)];
    if (c === undefined) return noData;
    return { ...head, ok: !beyond(rule, c), baseline: b ?? null, candidate: c, decided_by: 'limit' };
  }
  const cmp = comparisons.find((x) => x.metric === (rule.group as MetricName));
  if (cmp === undefined) return noData;
  const stat = rule.stat as CompareStat;
  const s = cmp.stats[stat];
  const values = { baseline: s.baseline, candidate: s.candidate };
  if (!rule.relative) return { ...head, ...values, ok: !beyond(rule, s.candidate), decided_by: 'limit' };
  const relative = { change: s.change, ci95: cmp.ci95[stat], p_value: cmp.p_value };
  if (!beyond(rule, s.change)) return { ...head, ...values, ...relative, ok: true, decided_by: 'change' };
  const n = Math.min(cmp.samples.baseline, cmp.samples.candidate);
  if (!resolves(n, stat))
    return {
      ...head,
      ...values,
      ...relative,
      ok: false,
      decided_by: 'too few samples',
      samples_needed: SAMPLES_NEEDED[stat],
    };
  return { ...head, ...values, ...relative, ok: !significant(cmp, stat), decided_by: 'interval' };
}
