import * as z from 'zod';

import { type Result, scenarioName, type VariantResult } from '../result/result.js';
import { checkThresholds } from '../result/thresholds.js';
import { type DataPath } from '../scenario/errors.js';
import { ScenarioSchema } from '../scenario/schema.js';
import { formatPath } from '../shared/input-error.js';
import { compareVariants } from '../stats/changes.js';
import { checkClaims } from '../stats/claims.js';
import { mergeVariant } from './merge-variant.js';

export class MergeError extends Error {}

const asRecord = (x: unknown): Record<string, unknown> =>
  typeof x === 'object' && x !== null ? (x as Record<string, unknown>) : {};
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** The flags a shard ran with besides its `--shard`: every shard must have run with the same ones. */
function flagsOf(r: Result): Record<string, unknown> {
  const { shard: _, ...flags } = r.overrides ?? {};
  return flags;
}

/** Refuses a set that is not the n shards of one scenario run once each, with the same flags. */
function checkShards(results: readonly Result[]): void {
  if (results.length < 2) throw new MergeError('merge needs at least two shard results');
  const names = new Set(results.map((r) => scenarioName(r)));
  if (names.size > 1)
    throw new MergeError(`the results ran different scenarios (${[...names].join(', ')}): their numbers do not add up`);
  const unsharded = results.findIndex((r) => r.shard === undefined);
  if (unsharded >= 0) throw new MergeError(`result ${unsharded + 1} is not a shard (run each part with --shard i/n)`);
  const counts = new Set(results.map((r) => r.shard!.count));
  if (counts.size > 1) throw new MergeError(`the results split the load differently (n = ${[...counts].join(', ')})`);
  const seen = new Map<number, number>();
  results.forEach((r, i) => {
    const first = seen.get(r.shard!.index);
    if (first !== undefined)
      throw new MergeError(`results ${first + 1} and ${i + 1} are both shard ${r.shard!.index}/${r.shard!.count}`);
    seen.set(r.shard!.index, i);
  });
  // Claims and thresholds are checked against the first result's scenario, so every shard must have run
  // that very file; and other flags (--requests, --duration) would have run another load.
  const [first] = results;
  results.forEach((r, i) => {
    const a = asRecord(first.scenario);
    const b = asRecord(r.scenario);
    const differ = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => !same(a[k], b[k]));
    if (differ.length > 0) {
      const which = `${scenarioName(r)} (they differ in ${differ.join(', ')})`;
      throw new MergeError(`results 1 and ${i + 1} ran different versions of scenario ${which}`);
    }
    if (!same(flagsOf(first), flagsOf(r))) {
      const [a, b] = [first, r].map((x) => JSON.stringify(flagsOf(x)));
      throw new MergeError(`results 1 and ${i + 1} ran with different flags (${a} and ${b})`);
    }
  });
  checkSteps(results);
}

const describeSweep = (s: Result['sweep']): string =>
  s === undefined ? 'no sweep' : `${s.param} over ${s.values.map(String).join(', ')}`;

/** Sweeps: every shard swept the same values, and its steps (as far as it got) are those values in order. */
function checkSteps(results: readonly Result[]): void {
  const [first] = results;
  results.forEach((r, i) => {
    if (!same(first.sweep, r.sweep)) {
      throw new MergeError(
        `results 1 and ${i + 1} swept differently (${describeSweep(first.sweep)}; ${describeSweep(r.sweep)})`,
      );
    }
    const expected = first.sweep?.values ?? [];
    (r.steps ?? []).forEach((st, k) => {
      if (st.param !== first.sweep?.param || !same(st.value, expected[k])) {
        const want = `${first.sweep?.param} = ${String(expected[k])}`;
        throw new MergeError(`step ${k + 1} of result ${i + 1} is ${st.param} = ${String(st.value)}, expected ${want}`);
      }
    });
  });
}

/** The variants of each shard, matched by name across shards and merged. */
function mergeVariants(shards: readonly VariantResult[][]): VariantResult[] {
  return shards[0].map(({ name }) =>
    mergeVariant(
      shards.map((variants, i) => {
        const v = variants.find((x) => x.name === name);
        if (v === undefined) throw new MergeError(`shard result ${i + 1} has no variant ${name}`);
        return v;
      }),
    ),
  );
}

/*
 * The scenario's claims, thresholds and slo, read back from the scenario stored in result.json with the
 * scenario schema's own pieces. Only these blocks: the rest may hold `${env:…}` references (an API key)
 * whose values merge does not have, and needs none of them.
 */
const Shape = ScenarioSchema.in.shape;
const Checks = z.object({ claims: Shape.claims, thresholds: Shape.thresholds, slo: Shape.slo, seed: Shape.seed });
type Checks = z.output<typeof Checks>;

/** The first path below `node` whose text refers to the environment. */
function envReference(node: unknown, at: DataPath): DataPath | undefined {
  if (typeof node === 'string') return node.includes('${env:') ? at : undefined;
  if (typeof node !== 'object' || node === null) return undefined;
  for (const [k, v] of Object.entries(node)) {
    const found = envReference(v, [...at, Array.isArray(node) ? Number(k) : k]);
    if (found !== undefined) return found;
  }
  return undefined;
}

function storedChecks(scenario: unknown): Checks {
  const raw = asRecord(scenario);
  const blocks = Object.fromEntries(Object.keys(Checks.shape).map((k) => [k, raw[k]]));
  const ref = envReference(blocks, []);
  if (ref !== undefined) {
    throw new MergeError(
      `the scenario's ${formatPath(ref)} refers to the environment (\${env:…}): merge cannot know what the shards ` +
        'read, so it cannot check claims and thresholds',
    );
  }
  const parsed = Checks.safeParse(blocks);
  if (!parsed.success) {
    const [issue] = parsed.error.issues;
    throw new MergeError(`the stored scenario's ${formatPath(issue.path)} is not valid: ${issue.message}`);
  }
  return parsed.data;
}

/** Adds the n shard results of one scenario into the result of the whole run, checked as one run is. */
export function mergeResults(results: readonly Result[]): Result {
  checkShards(results);
  const [first] = results;
  const checks = storedChecks(first.scenario);
  const claimsOf = (variants: VariantResult[]) =>
    checks.claims === undefined ? {} : { claims: checkClaims(checks.claims, variants, checks.seed) };
  const sweep = first.sweep;
  // A shard that was stopped has fewer steps: only the steps every shard ran add up to the scenario's.
  const stepCount = sweep === undefined ? 0 : Math.min(...results.map((r) => r.steps?.length ?? 0));
  const groups =
    sweep === undefined
      ? [mergeVariants(results.map((r) => r.variants))]
      : Array.from({ length: stepCount }, (_, k) => mergeVariants(results.map((r) => r.steps![k].variants)));
  const limits = checks.thresholds;
  const thresholds =
    limits === undefined
      ? undefined
      : groups.flatMap((variants, k) =>
          checkThresholds(limits, variants, checks.slo !== undefined, sweep === undefined ? undefined : k),
        );
  const flags = flagsOf(first);
  const starts = results.map((r) => r.env.started_at).sort();
  const ends = results.map((r) => r.env.ended_at).sort();
  const dropped = sweep === undefined ? [] : sweep.values.slice(stepCount);
  return {
    schema: 'wirebench.result/v1',
    complete: results.every((r) => r.complete) && dropped.length === 0,
    merged_from: results.length,
    shards: results
      .map((r) => ({
        index: r.shard!.index,
        hostname: r.env.hostname,
        started_at: r.env.started_at,
        ended_at: r.env.ended_at,
      }))
      .sort((a, b) => a.index - b.index),
    scenario: first.scenario,
    ...(first.workload !== undefined ? { workload: { ...first.workload, salt: undefined } } : {}),
    ...(Object.keys(flags).length > 0 ? { overrides: flags } : {}),
    target: first.target,
    env: {
      ...first.env,
      hostname: [...new Set(results.map((r) => r.env.hostname))].join(','),
      started_at: starts[0],
      ended_at: ends[ends.length - 1],
    },
    variants: sweep === undefined ? groups[0] : [],
    comparisons: sweep === undefined ? compareVariants(groups[0]) : [],
    ...(sweep === undefined ? claimsOf(groups[0]) : {}),
    ...(thresholds !== undefined ? { thresholds } : {}),
    ...(sweep === undefined
      ? {}
      : {
          sweep,
          steps: groups.map((variants, k) => ({
            param: sweep.param,
            value: sweep.values[k],
            variants,
            comparisons: compareVariants(variants),
            ...claimsOf(variants),
          })),
        }),
    warnings: [
      `merged from ${results.length} shards: histograms added exactly, percentiles recomputed, claims and thresholds ` +
        'checked on the sums; throughput over the shards’ union window (docs/distributed.md)',
      ...dropped.map((v) => `${sweep!.param} = ${String(v)} left out: not every shard ran that step`),
      ...results.flatMap((r) => r.warnings.map((w) => `shard ${r.shard!.index}/${r.shard!.count}: ${w}`)),
    ],
  };
}
