import { appendFileSync } from 'node:fs';
import path from 'node:path';

import type { Command } from 'commander';

import { readResult, resultPath } from '../result/read.js';
import { type Result, scenarioName, variantKey, type VariantResult } from '../result/result.js';
import {
  breaks,
  compareVariantPair,
  type FailOn,
  histogramsOnly,
  type MetricComparison,
  parseFailOn,
  type SampleSource,
} from '../stats/compare.js';
import { readRequestSamples, SampleMemory } from '../stats/request-samples.js';
import { intArg } from './args.js';

interface CompareFlags {
  baselineVariant?: string;
  candidateVariant?: string;
  failOn: string[];
  format: 'table' | 'md' | 'json';
  force?: boolean;
  seed: number;
  /** False with --no-requests. */
  requests: boolean;
}

/** A result's variants, those of a sweep named by step (`step2.ws-persistent`). */
function variantsOf(r: Result): Map<string, VariantResult> {
  const out = new Map<string, VariantResult>();
  for (const v of r.variants) out.set(v.name, v);
  r.steps?.forEach((st, k) =>
    st.variants.forEach((v) => out.set(variantKey(v.name, k), { ...v, name: variantKey(v.name, k) })),
  );
  return out;
}

/**
 * The exact per-request samples of the variants `keys` names, from the requests.jsonl beside a result
 * (read once, streamed) within `memory` (shared by both results); without one, or with --no-requests,
 * every metric is compared from its histogram.
 */
async function requestSamples(
  file: string,
  keys: string[],
  use: boolean,
  memory: SampleMemory,
): Promise<(key: string) => SampleSource> {
  if (!use) return () => histogramsOnly('--no-requests');
  const read = await readRequestSamples(path.join(path.dirname(resultPath(file)), 'requests.jsonl'), keys, memory);
  if (read === undefined) return () => histogramsOnly('no requests.jsonl');
  for (const w of read.warnings) process.stderr.write(`warning: ${w}\n`);
  return (key) => read.variants.get(key)!;
}

/**
 * Where the values, intervals and p-values came from: one line under the table, not a column on every row.
 * A row is from one source throughout: exact samples give its values, changes, intervals and p alike.
 */
function sourceNote(cs: readonly MetricComparison[]): string {
  const byNote = new Map<string, Set<string>>();
  for (const c of cs)
    if (c.source_note !== undefined) byNote.set(c.source_note, (byNote.get(c.source_note) ?? new Set()).add(c.metric));
  if (!cs.some((c) => c.source === 'requests'))
    return `95% CI and p (MW): resampled from the histograms (${[...byNote.keys()].join('; ')})`;
  const fallbacks = [...byNote].map(([note, metrics]) => `${[...metrics].join(', ')} (${note})`);
  return `95% CI and p (MW), and the values and changes beside them: exact per-request samples from requests.jsonl${fallbacks.length > 0 ? `; from the histograms: ${fallbacks.join('; ')}` : ''}`;
}

const pct = (x: number): string => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
const ci = (iv: [number, number] | undefined): string => (iv === undefined ? '-' : `${pct(iv[0])} .. ${pct(iv[1])}`);
const num = (x: number): string => (Math.abs(x) < 10 ? x.toFixed(3) : x.toFixed(1));

function rows(cs: readonly MetricComparison[]): string[][] {
  const head = [
    'variant',
    'metric',
    'p50 base',
    'p50 cand',
    'Δ p50',
    '95% CI',
    'p99 base',
    'p99 cand',
    'Δ p99',
    '95% CI',
    'p (MW)',
    'verdict',
  ];
  return [
    head,
    ...cs.map((c) => [
      c.baseline_variant === c.candidate_variant
        ? c.baseline_variant
        : `${c.candidate_variant} vs ${c.baseline_variant}`,
      c.metric,
      num(c.stats.p50.baseline),
      num(c.stats.p50.candidate),
      pct(c.stats.p50.change),
      ci(c.ci95.p50),
      num(c.stats.p99.baseline),
      num(c.stats.p99.candidate),
      pct(c.stats.p99.change),
      ci(c.ci95.p99),
      c.p_value < 0.0001 ? '<0.0001' : c.p_value.toFixed(4),
      c.verdict,
    ]),
  ];
}

function table(rs: string[][]): string {
  const widths = rs[0].map((_, i) => Math.max(...rs.map((r) => r[i].length)));
  return rs
    .map((r) =>
      r
        .map((cell, i) => (i < 2 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function markdown(rs: string[][]): string {
  const line = (r: string[]): string => `| ${r.join(' | ')} |`;
  return [line(rs[0]), line(rs[0].map((_, i) => (i < 2 ? '---' : '---:'))), ...rs.slice(1).map(line)].join('\n');
}

export function compareCommand(cli: Command): void {
  cli
    .command('compare')
    .description(
      'compare two results (or two variants of one) with bootstrap intervals and a rank test; exit 1 on --fail-on',
    )
    .argument('<baseline>', 'result.json (or its folder)')
    .argument('[candidate]', 'result.json (or its folder); default: the baseline, to compare two of its variants')
    .option('--baseline-variant <name>', 'compare this variant of the baseline…')
    .option('--candidate-variant <name>', '…with this variant of the candidate')
    .option(
      '--fail-on <rule>',
      'e.g. "ttft_ms.p99>+10%" (significant change beyond it) or "ttft_ms.p99>500"; repeatable',
      (v: string, acc: string[]) => [...acc, v],
      [],
    )
    .option('--format <f>', 'table | md | json', 'table')
    .option('--force', 'compare results of different scenarios')
    .option('--seed <n>', 'seed of the bootstrap', intArg('--seed', 0), 1)
    .option('--no-requests', "resample the histograms even where requests.jsonl has each request's exact values")
    .action(async function (this: Command, baseFile: string, candFile: string | undefined, flags: CompareFlags) {
      if (!['table', 'md', 'json'].includes(flags.format))
        this.error(`error: --format must be table, md or json, got ${flags.format}`, { exitCode: 2 });
      let rules: FailOn[];
      let base: Result;
      let cand: Result;
      try {
        rules = flags.failOn.map(parseFailOn);
        base = readResult(baseFile);
        cand = candFile === undefined ? base : readResult(candFile);
      } catch (err) {
        return this.error(`error: ${(err as Error).message}`, { exitCode: 2 });
      }
      if (scenarioName(base) !== scenarioName(cand) && !flags.force) {
        this.error(
          `error: the baseline ran scenario "${scenarioName(base)}" and the candidate "${scenarioName(cand)}": their numbers measure different things (add --force to compare anyway)`,
          { exitCode: 2 },
        );
      }
      const bv = variantsOf(base);
      const cv = variantsOf(cand);
      const pairs: [VariantResult, VariantResult][] = [];
      if (flags.baselineVariant !== undefined || flags.candidateVariant !== undefined) {
        const b = bv.get(flags.baselineVariant ?? flags.candidateVariant!);
        const c = cv.get(flags.candidateVariant ?? flags.baselineVariant!);
        if (b === undefined || c === undefined)
          this.error(
            `error: no such variant (baseline has ${[...bv.keys()].join(', ')}; candidate has ${[...cv.keys()].join(', ')})`,
            { exitCode: 2 },
          );
        pairs.push([b, c]);
      } else {
        for (const [name, b] of bv) if (cv.has(name)) pairs.push([b, cv.get(name)!]);
        if (pairs.length === 0)
          this.error(
            'error: the two results share no variant name; pick them with --baseline-variant/--candidate-variant',
            { exitCode: 2 },
          );
      }
      // Two variants of one result: its requests.jsonl is read once, for both.
      const one = candFile === undefined || path.resolve(resultPath(candFile)) === path.resolve(resultPath(baseFile));
      const itself = pairs.find(([b, c]) => one && b.name === c.name);
      if (itself !== undefined)
        this.error(
          `error: this compares ${baseFile} (variant ${itself[0].name}) with itself: give a candidate result, ` +
            'or two of its variants with --baseline-variant and --candidate-variant',
          { exitCode: 2 },
        );
      let baseSamples: (key: string) => SampleSource;
      let candSamples: (key: string) => SampleSource;
      // One allowance of exact samples for both results: past it, metrics fall back to their histograms.
      const memory = new SampleMemory();
      try {
        baseSamples = await requestSamples(
          baseFile,
          pairs.flatMap(([b, c]) => (one ? [b.name, c.name] : [b.name])),
          flags.requests,
          memory,
        );
        candSamples = one
          ? baseSamples
          : await requestSamples(
              candFile,
              pairs.map(([, c]) => c.name),
              flags.requests,
              memory,
            );
      } catch (err) {
        return this.error(`error: ${(err as Error).message}`, { exitCode: 2 });
      }
      const comparisons = pairs.flatMap(([b, c]) =>
        compareVariantPair(b, c, flags.seed, { baseline: baseSamples(b.name), candidate: candSamples(c.name) }),
      );
      const failures = rules.flatMap((rule) =>
        comparisons
          .filter((c) => breaks(rule, c))
          .map((c) => ({
            rule: rule.text,
            variant: c.candidate_variant,
            metric: c.metric,
            stat: rule.stat,
            ...c.stats[rule.stat],
            ci95: c.ci95[rule.stat],
            p_value: c.p_value,
          })),
      );
      const rs = rows(comparisons);
      const note = sourceNote(comparisons);
      if (flags.format === 'json')
        process.stdout.write(
          `${JSON.stringify({ baseline: baseFile, candidate: candFile ?? baseFile, comparisons, failures }, null, 2)}\n`,
        );
      else process.stdout.write(`${flags.format === 'md' ? markdown(rs) : table(rs)}\n\n${note}\n`);
      for (const f of failures) {
        process.stderr.write(
          `fail: ${f.rule}: ${f.variant} ${f.metric} ${f.stat} ${num(f.baseline)} → ${num(f.candidate)} (${pct(f.change)}, 95% CI ${ci(f.ci95)}, p=${f.p_value})\n`,
        );
      }
      // A GitHub Actions job shows this file as the job's summary page.
      const summary = process.env.GITHUB_STEP_SUMMARY;
      if (summary)
        appendFileSync(
          summary,
          `\n### wirebench compare\n\n${markdown(rs)}\n\n${note}\n${failures.map((f) => `\n- **fail** \`${f.rule}\`: ${f.variant} ${f.metric} ${pct(f.change)}`).join('')}\n`,
        );
      if (failures.length > 0) process.exitCode = 1;
    });
}
