import { appendFileSync } from 'node:fs';
import type { Command } from 'commander';
import { breaks, compareVariantPair, parseFailOn, type FailOn, type MetricComparison } from '../report/compare.js';
import type { Result, VariantResult } from '../report/result.js';
import { intArg } from './args.js';
import { readResult } from './result-file.js';

interface CompareFlags {
  baselineVariant?: string;
  candidateVariant?: string;
  failOn: string[];
  format: 'table' | 'md' | 'json';
  force?: boolean;
  seed: number;
}

/** A result's variants, those of a sweep named by step (`step2.ws-persistent`). */
function variantsOf(r: Result): Map<string, VariantResult> {
  const out = new Map<string, VariantResult>();
  for (const v of r.variants) out.set(v.name, v);
  r.steps?.forEach((st, k) => st.variants.forEach((v) => out.set(`step${k + 1}.${v.name}`, { ...v, name: `step${k + 1}.${v.name}` })));
  return out;
}

const scenarioName = (r: Result): string => String((r.scenario as { name?: unknown } | null)?.name ?? '?');
const pct = (x: number): string => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
const ci = (iv: [number, number] | undefined): string => (iv === undefined ? '-' : `${pct(iv[0])} .. ${pct(iv[1])}`);
const num = (x: number): string => (Math.abs(x) < 10 ? x.toFixed(3) : x.toFixed(1));

function rows(cs: readonly MetricComparison[]): string[][] {
  const head = ['variant', 'metric', 'p50 base', 'p50 cand', 'Δ p50', '95% CI', 'p99 base', 'p99 cand', 'Δ p99', '95% CI', 'p (MW)', 'verdict'];
  return [
    head,
    ...cs.map((c) => [
      c.baseline_variant === c.candidate_variant ? c.baseline_variant : `${c.candidate_variant} vs ${c.baseline_variant}`,
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
  return rs.map((r) => r.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ').trimEnd()).join('\n');
}

function markdown(rs: string[][]): string {
  const line = (r: string[]): string => `| ${r.join(' | ')} |`;
  return [line(rs[0]), line(rs[0].map((_, i) => (i < 2 ? '---' : '---:'))), ...rs.slice(1).map(line)].join('\n');
}

export function compareCommand(cli: Command): void {
  cli
    .command('compare')
    .description('compare two results (or two variants of one) with bootstrap intervals and a rank test; exit 1 on --fail-on')
    .argument('<baseline>', 'result.json (or its folder)')
    .argument('[candidate]', 'result.json (or its folder); default: the baseline, to compare two of its variants')
    .option('--baseline-variant <name>', 'compare this variant of the baseline…')
    .option('--candidate-variant <name>', '…with this variant of the candidate')
    .option('--fail-on <rule>', 'e.g. "ttft_ms.p99>+10%" (significant change beyond it) or "ttft_ms.p99>500"; repeatable', (v: string, acc: string[]) => [...acc, v], [])
    .option('--format <f>', 'table | md | json', 'table')
    .option('--force', 'compare results of different scenarios')
    .option('--seed <n>', 'seed of the bootstrap', intArg('--seed', 0), 1)
    .action(function (this: Command, baseFile: string, candFile: string | undefined, flags: CompareFlags) {
      if (!['table', 'md', 'json'].includes(flags.format)) this.error(`error: --format must be table, md or json, got ${flags.format}`, { exitCode: 2 });
      let rules: FailOn[] = [];
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
        if (b === undefined || c === undefined) this.error(`error: no such variant (baseline has ${[...bv.keys()].join(', ')}; candidate has ${[...cv.keys()].join(', ')})`, { exitCode: 2 });
        pairs.push([b!, c!]);
      } else {
        for (const [name, b] of bv) if (cv.has(name)) pairs.push([b, cv.get(name)!]);
        if (pairs.length === 0) this.error('error: the two results share no variant name; pick them with --baseline-variant/--candidate-variant', { exitCode: 2 });
      }
      const comparisons = pairs.flatMap(([b, c]) => compareVariantPair(b, c, flags.seed));
      const failures = rules.flatMap((rule) =>
        comparisons.filter((c) => breaks(rule, c)).map((c) => ({ rule: rule.text, variant: c.candidate_variant, metric: c.metric, stat: rule.stat, ...c.stats[rule.stat], ci95: c.ci95[rule.stat], p_value: c.p_value })),
      );
      const rs = rows(comparisons);
      if (flags.format === 'json') process.stdout.write(`${JSON.stringify({ baseline: baseFile, candidate: candFile ?? baseFile, comparisons, failures }, null, 2)}\n`);
      else process.stdout.write(`${flags.format === 'md' ? markdown(rs) : table(rs)}\n`);
      for (const f of failures) {
        process.stderr.write(
          `fail: ${f.rule}: ${f.variant} ${f.metric} ${f.stat} ${num(f.baseline)} → ${num(f.candidate)} (${pct(f.change)}, 95% CI ${ci(f.ci95)}, p=${f.p_value})\n`,
        );
      }
      // A GitHub Actions job shows this file as the job's summary page.
      const summary = process.env.GITHUB_STEP_SUMMARY;
      if (summary) appendFileSync(summary, `\n### wirebench compare\n\n${markdown(rs)}\n${failures.map((f) => `\n- **fail** \`${f.rule}\`: ${f.variant} ${f.metric} ${pct(f.change)}`).join('')}\n`);
      if (failures.length > 0) process.exitCode = 1;
    });
}
