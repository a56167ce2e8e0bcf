import { appendFileSync } from 'node:fs';
import path from 'node:path';

import type { Command } from 'commander';

import { readResult, resultPath } from '../result/read.js';
import { type Result, scenarioName, variantKey, type VariantResult } from '../result/result.js';
import {
  COMPARE_STATS,
  compareVariantPair,
  histogramsOnly,
  INTERVAL_STATS,
  type MetricComparison,
  type SampleSource,
} from '../stats/compare.js';
import { checkRule, type FailOn, parseFailOn } from '../stats/fail-on.js';
import { readRequestSamples, SampleMemory } from '../stats/request-samples.js';
import { intArg } from './args.js';
import { markdownReport, rows, ruleLine, sideOf, sidesLines, textReport } from './compare-output.js';

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
      'METRIC.STAT>+N% (a significant change beyond it) or METRIC.STAT>N (a limit), > or <; STAT: ' +
        `${COMPARE_STATS.join(', ')} (relative: ${INTERVAL_STATS.join(', ')}); or errors.rate>N; repeatable`,
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
      const compared = pairs.map(([b, c]) => ({
        b,
        c,
        comparisons: compareVariantPair(b, c, flags.seed, {
          baseline: baseSamples(b.name),
          candidate: candSamples(c.name),
        }),
      }));
      const comparisons = compared.flatMap((p) => p.comparisons);
      const outcomes = rules.flatMap((rule) => compared.map((p) => checkRule(rule, p.b, p.c, p.comparisons)));
      const sides = { baseline: sideOf(baseFile, base), candidate: sideOf(candFile ?? baseFile, cand) };
      const rs = rows(comparisons);
      const note = sourceNote(comparisons);
      const heading = sidesLines(sides.baseline, sides.candidate);
      if (flags.format === 'json') {
        process.stdout.write(`${JSON.stringify({ ...sides, comparisons, rules: outcomes }, null, 2)}\n`);
        // Where stdout is for a program, the log still says why the job failed.
        for (const o of outcomes) if (!o.ok) process.stderr.write(`${ruleLine(o)}\n`);
      } else if (flags.format === 'md') process.stdout.write(`${markdownReport(heading, rs, note, outcomes)}\n`);
      else process.stdout.write(`${textReport(heading, rs, note, outcomes)}\n`);
      // A GitHub Actions job shows this file as the job's summary page.
      const summary = process.env.GITHUB_STEP_SUMMARY;
      if (summary)
        appendFileSync(summary, `\n### wirebench compare\n\n${markdownReport(heading, rs, note, outcomes)}\n`);
      if (outcomes.some((o) => !o.ok)) process.exitCode = 1;
    });
}
