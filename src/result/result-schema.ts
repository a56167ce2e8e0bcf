/**
 * result.json as a runtime schema, for the commands that read results back (compare, report, merge): a
 * hand-edited or damaged file is refused with the path of what is wrong instead of failing later.
 * Every schema is tied to its type (result.ts, thresholds.ts, workload/types.ts) by `exactly`, so the two
 * cannot drift apart unnoticed.
 * Objects strip unknown keys rather than refusing them: a newer file with extra fields still reads.
 */
import * as z from 'zod';

import { type MetricName, METRICS } from '../core/catalog.js';
import { type Definition, DEFINITION_METRICS, type DefinitionMetric, DEFINITIONS } from '../core/definitions.js';
import { SERVER_METRICS, SERVER_PRESETS, type ServerMetric } from '../core/server-metrics.js';
import type { WorkloadInfo } from '../workload/types.js';
import type {
  ClaimResult,
  ClientStats,
  Comparison,
  EnvInfo,
  MetricSummary,
  Result,
  ServerMetricsResult,
  ShardInfo,
  StepResult,
  VariantResult,
} from './result.js';
import type { ThresholdResult } from './thresholds.js';

/** True only when A and B are the same type (optional and required fields, literals and all). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/**
 * The schema unchanged, accepted only if what it parses is exactly `T`: a field added to, dropped from or
 * retyped in either one fails to compile here, at the schema that no longer matches.
 */
const exactly =
  <T>() =>
  <S extends z.ZodType>(
    schema: S & (Equal<z.output<S>, T> extends true ? unknown : { drift: `the schema and its type differ` }),
  ): S =>
    schema;

const num = z.number();
const str = z.string();
const errorCounts = z.record(str, num);
const metricName = z.enum(METRICS);

const MetricSummarySchema = exactly<MetricSummary>()(
  z.object({
    count: num,
    min: num,
    mean: num,
    stdev: num,
    p50: num,
    p90: num,
    p95: num,
    p99: num,
    p999: num,
    max: num,
    // Only its alphabet here: the commands that use a histogram decode it and report what fails there.
    hdr: z.base64(),
  }),
);

/** Every metric optional, and metric names this version does not know are dropped rather than refused. */
const metricsShape = Object.fromEntries(METRICS.map((m) => [m, MetricSummarySchema.optional()])) as {
  [M in MetricName]: z.ZodOptional<typeof MetricSummarySchema>;
};

/** `definitions` (run --definitions): per tool, its metrics; tools and metrics this version lacks are dropped. */
const definitionMetrics = z.object(
  Object.fromEntries(DEFINITION_METRICS.map((m) => [m, MetricSummarySchema.optional()])) as {
    [M in DefinitionMetric]: z.ZodOptional<typeof MetricSummarySchema>;
  },
);
const definitionsShape = Object.fromEntries(DEFINITIONS.map((d) => [d, definitionMetrics.optional()])) as {
  [D in Definition]: z.ZodOptional<typeof definitionMetrics>;
};

const bucketQuantile = z.object({ value: num, lo: num, hi: num.nullable() });
const serverDistribution = z.object({
  histogram: str,
  count: num,
  mean: num,
  p50: bucketQuantile,
  p90: bucketQuantile,
  p99: bucketQuantile,
});
const serverSplit = z.object({ mean: num, p50: num, p90: num, p99: num });
const perServerMetric = <S extends z.ZodType>(schema: S) =>
  z.object(
    Object.fromEntries(SERVER_METRICS.map((m) => [m, schema.optional()])) as {
      [M in ServerMetric]: z.ZodOptional<S>;
    },
  );

const ServerMetricsSchema = exactly<ServerMetricsResult>()(
  z.object({
    preset: z.enum(SERVER_PRESETS),
    url: str,
    blocks: num,
    metrics: perServerMetric(serverDistribution),
    split: perServerMetric(serverSplit),
  }),
);

const lengthSpec = z.union([
  num,
  z.object({ distribution: z.literal('uniform'), min: num, max: num }),
  z.object({ distribution: z.literal('normal'), mean: num, stddev: num, min: num, max: num }),
  z.object({ distribution: z.literal('lognormal'), mean: num, stddev: num, min: num, max: num }),
  z.object({ distribution: z.literal('exponential'), mean: num, min: num, max: num }),
]);

const WorkloadInfoSchema = exactly<WorkloadInfo>()(
  z.object({
    source: z.enum(['synthesized', 'literal', 'dataset']),
    prompts: str,
    prompt_tokens: lengthSpec.optional(),
    shared_prefix_tokens: num.optional(),
    prefix_groups: num.optional(),
    max_output_tokens: lengthSpec,
    seed: num,
    salt: num.optional(),
    dataset: z
      .object({
        path: str,
        format: z.enum(['jsonl', 'sharegpt', 'mooncake', 'azure-csv', 'burstgpt-csv']),
        detected: z.boolean(),
        records: num,
        sample: z.enum(['sequential', 'random']),
        seed: num,
        isolate: z.boolean(),
        skipped: z.array(z.object({ count: num, reason: str })).optional(),
      })
      .optional(),
  }),
);

const ClaimResultSchema = exactly<ClaimResult>()(
  z.object({
    claim: str,
    metric: metricName.nullable(),
    baseline: str,
    candidate: str,
    claimed_reduction: num,
    baseline_p50: num.optional(),
    candidate_p50: num.optional(),
    reduction: num.optional(),
    ci95: z.tuple([num, num]).optional(),
    samples: z.object({ baseline: num, candidate: num }).optional(),
    verdict: z.enum(['supported', 'not supported', 'inconclusive']),
    reason: str,
  }),
);

const ThresholdResultSchema = exactly<ThresholdResult>()(
  z.object({
    key: str,
    expression: str,
    variant: str,
    value: num.nullable(),
    ok: z.boolean(),
    step: num.optional(),
    reason: str.optional(),
  }),
);

const tokenCounts = z.object({ usage: num, tokenizer: num, chunks: num });

const VariantResultSchema = exactly<VariantResult>()(
  z.object({
    name: str,
    protocol: str,
    connection: str,
    counts: z.object({
      requests: num,
      ok: num,
      errors: errorCounts,
      warmup: num,
      interrupted: num.optional(),
      cancelled: num.optional(),
      retries: num.optional(),
    }),
    first_errors: z.record(str, str).optional(),
    tokens: z.object({
      output: num,
      input: num,
      source: z.enum(['usage', 'tokenizer', 'chunks', 'mixed', 'none']),
      by_source: tokenCounts,
      cached_input: num.optional(),
    }),
    output_lengths: z.object({ requests: num, short: num, requested_tokens: num, received_tokens: num }).optional(),
    connections: z.object({ opened: num }),
    wire: z.object({ bytes_in: num, output_tokens: num, bytes_per_output_token: num }).optional(),
    window_s: num,
    started_at: str.optional(),
    ended_at: str.optional(),
    throughput: z.object({ requests_per_s: num, output_tokens_per_s: num }),
    sessions: z.object({ total: num, ok: num, failed: num, interrupted: num }).optional(),
    rate: z.object({ requested: num, achieved: num }).optional(),
    goodput: z.object({ share: num, rate_per_s: num, good: num, requests: num }).optional(),
    metrics: z.object(metricsShape),
    definitions: z.object(definitionsShape).optional(),
    server_metrics: ServerMetricsSchema.optional(),
  }),
);

const ComparisonSchema = exactly<Comparison>()(
  z.object({
    baseline: str,
    candidate: str,
    metric: metricName,
    baseline_p50: num,
    candidate_p50: num,
    change: num,
    ci95: z.tuple([num, num]).optional(),
    significant: z.boolean().optional(),
  }),
);

const sweepValue = z.union([num, str, z.boolean()]);

const StepResultSchema = exactly<StepResult>()(
  z.object({
    param: str,
    value: sweepValue,
    variants: z.array(VariantResultSchema),
    comparisons: z.array(ComparisonSchema),
    claims: z.array(ClaimResultSchema).optional(),
  }),
);

const ShardInfoSchema = exactly<ShardInfo>()(z.object({ index: num, hostname: str, started_at: str, ended_at: str }));

const EnvInfoSchema = exactly<EnvInfo>()(
  z.object({
    wirebench: str,
    node: str,
    os: str,
    arch: str,
    cpu: z.object({ model: str, count: num }),
    hostname: str,
    started_at: str,
    ended_at: str,
    git_commit: str.optional(),
  }),
);

const LoopStats = z.object({
  event_loop_delay_ms: z.object({ p50: num, p99: num, max: num }),
  cpu_percent: num,
  window_s: num.optional(),
});
const ClientStatsSchema = exactly<ClientStats>()(LoopStats.extend({ workers: z.array(LoopStats).optional() }));

export const ResultSchema = exactly<Result>()(
  z.object({
    schema: z.literal('wirebench.result/v1'),
    complete: z.boolean(),
    shard: z.object({ index: num, count: num }).optional(),
    merged_from: num.optional(),
    shards: z.array(ShardInfoSchema).optional(),
    interval_logs: z.record(str, str).optional(),
    scenario: z.unknown(),
    workload: WorkloadInfoSchema.optional(),
    overrides: z.record(str, z.unknown()).optional(),
    load: z.looseObject({ kind: str }).optional(),
    target: str,
    env: EnvInfoSchema,
    variants: z.array(VariantResultSchema),
    comparisons: z.array(ComparisonSchema),
    claims: z.array(ClaimResultSchema).optional(),
    thresholds: z.array(ThresholdResultSchema).optional(),
    sweep: z.object({ param: str, values: z.array(sweepValue) }).optional(),
    steps: z.array(StepResultSchema).optional(),
    client: ClientStatsSchema.optional(),
    warnings: z.array(str),
  }),
);
