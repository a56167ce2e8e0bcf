import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import type { MetricName } from '../core/catalog.js';
import type { Definition, DefinitionMetric } from '../core/definitions.js';
import type { ServerMetric, ServerPreset } from '../core/server-metrics.js';
import { gitCommit } from '../shared/git.js';
import type { WorkloadInfo } from '../workload/types.js';
import type { ThresholdResult } from './thresholds.js';

/**
 * One metric of one variant, in its reported unit (ms or tok/s). Percentiles follow HdrHistogram: the
 * value at rank ceil(p/100 · count), reported as the highest value of its bucket.
 */
export interface MetricSummary {
  count: number;
  min: number;
  mean: number;
  stdev: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
  /** The histogram itself, HdrHistogram V2 compressed base64: what merges and comparisons must use. */
  hdr: string;
}

export type Verdict = 'supported' | 'not supported' | 'inconclusive';

export interface ClaimResult {
  claim: string;
  metric: MetricName | null;
  baseline: string;
  candidate: string;
  claimed_reduction: number;
  baseline_p50?: number;
  candidate_p50?: number;
  /** Measured reduction of the median (1 − candidate/baseline) and its bootstrap 95% interval. */
  reduction?: number;
  ci95?: [number, number];
  samples?: { baseline: number; candidate: number };
  verdict: Verdict;
  reason: string;
}

/** `result.json`, schema `wirebench.result/v1` (results/README.md). */
export interface Result {
  schema: 'wirebench.result/v1';
  /** False when the run was interrupted: the numbers cover only what had finished. */
  complete: boolean;
  /** The part of the load this result ran (`--shard i/n`); absent for a whole run or a merge. */
  shard?: { index: number; count: number };
  /** A merge: the shards it adds up. */
  merged_from?: number;
  /** A merge: where and when each shard ran, by shard index. */
  shards?: ShardInfo[];
  /** A merge of shards run with --hdr-log: the merged interval log of each variant key, a file beside this result. */
  interval_logs?: Record<string, string>;
  /** The scenario file as written (`${env:…}` references kept, secrets redacted). */
  scenario: unknown;
  /** What the requests carried: synthesized, literal or dataset prompts, how they share prefixes, the lengths, the salt. */
  workload?: WorkloadInfo;
  /** Command-line flags that overrode the file for this run. */
  overrides?: Record<string, unknown>;
  /** The load as it ran, defaults filled in and flags applied (`kind` first): what the summary says ran. */
  load?: { kind: string; [key: string]: unknown };
  target: string;
  env: EnvInfo;
  /** Without a sweep, the variants; with one, empty (each step has its own). */
  variants: VariantResult[];
  comparisons: Comparison[];
  /** The scenario's `claims`, checked (per step with a sweep). */
  claims?: ClaimResult[];
  /** The scenario's `thresholds`, one entry per variant they apply to (and per step with a sweep). */
  thresholds?: ThresholdResult[];
  sweep?: { param: string; values: Array<number | string | boolean> };
  /** One entry per swept value, in order: each shaped like the top level. */
  steps?: StepResult[];
  client?: ClientStats;
  warnings: string[];
}

export interface ShardInfo {
  index: number;
  hostname: string;
  started_at: string;
  ended_at: string;
}

export interface StepResult {
  param: string;
  value: number | string | boolean;
  variants: VariantResult[];
  comparisons: Comparison[];
  claims?: ClaimResult[];
}

export interface EnvInfo {
  wirebench: string;
  node: string;
  os: string;
  arch: string;
  cpu: { model: string; count: number };
  hostname: string;
  started_at: string;
  ended_at: string;
  /** HEAD of the git checkout the run started in, when it was one: which code a compare is about. */
  git_commit?: string;
}

export type TokenSource = 'usage' | 'tokenizer' | 'chunks';

export interface VariantResult {
  name: string;
  protocol: string;
  connection: string;
  /** `interrupted`: measured requests cut short when the user stopped the run (not in `requests`). */
  /** `cancelled`: streams the scenario's `interrupt` cut short on purpose (not in `requests`; their redirects are). */
  counts: {
    requests: number;
    ok: number;
    errors: Record<string, number>;
    warmup: number;
    interrupted?: number;
    cancelled?: number;
    retries?: number;
  };
  /** The first failure of each error class (`code: message`), when there were failures. */
  first_errors?: Record<string, string>;
  tokens: {
    output: number;
    input: number;
    source: TokenSource | 'mixed' | 'none';
    /** Requests whose output count came from each source. */
    by_source: Record<TokenSource, number>;
    /** Input tokens the endpoint served from its prompt cache, as its usage reported (absent: it never said). */
    cached_input?: number;
  };
  /**
   * Output asked vs received, over the successful requests whose output was counted by usage or the
   * tokenizer: how many received fewer tokens than max_output_tokens (the model stopped by itself).
   */
  output_lengths?: { requests: number; short: number; requested_tokens: number; received_tokens: number };
  connections: { opened: number };
  /** Bytes read per successful response, over their output tokens: what the wire format costs per token. */
  wire?: { bytes_in: number; output_tokens: number; bytes_per_output_token: number };
  /**
   * The measured window (warm-up excluded) that throughput is computed over: the sum of the variant's
   * blocks, so interleaved variants are not charged for each other's time.
   */
  window_s: number;
  /**
   * Wall clock (ISO 8601, ms) of the first measured request's start and the last one's end; absent when
   * nothing was measured. Interleaved, the time between them includes other variants' blocks.
   */
  started_at?: string;
  ended_at?: string;
  throughput: { requests_per_s: number; output_tokens_per_s: number };
  /** Agent-loop sessions (session load): measured sessions, completed, failed, cut short by the user. */
  sessions?: { total: number; ok: number; failed: number; interrupted: number };
  /** Open loop: the arrival rate asked for, and the rate requests actually started at. */
  rate?: { requested: number; achieved: number };
  /**
   * With an `slo`: the measured requests (failures included) that succeeded within every limit, their
   * share and their rate over the measured window.
   */
  goodput?: { share: number; rate_per_s: number; good: number; requests: number };
  metrics: Partial<Record<MetricName, MetricSummary>>;
  /** `run --definitions`: the same requests' metrics as other tools define them (docs/definitions.md). */
  definitions?: VariantDefinitions;
  /** `server_metrics`: the endpoint's own latency histograms over this variant's blocks, beside the client's. */
  server_metrics?: ServerMetricsResult;
}

/** A quantile read from a bucketed histogram: the interpolated estimate and the bucket it lies in, ms. */
export interface BucketQuantileMs {
  value: number;
  lo: number;
  /** `null` for the +Inf bucket (JSON has no Infinity). */
  hi: number | null;
}

/** One server-side latency over a variant's blocks, from the endpoint's histogram `histogram` (seconds). */
export interface ServerDistribution {
  histogram: string;
  /** Observations the server made during the variant's blocks (its warm-up included). */
  count: number;
  /** Exact: the histogram's sum over its count, ms. */
  mean: number;
  p50: BucketQuantileMs;
  p90: BucketQuantileMs;
  p99: BucketQuantileMs;
}

/** Client − server of one latency, ms: the transport and network share (and the client's own). */
export interface ServerSplit {
  mean: number;
  /** Client quantile − server quantile: distributions over the same requests, not paired. */
  p50: number;
  p90: number;
  p99: number;
}

export interface ServerMetricsResult {
  preset: ServerPreset;
  url: string;
  /** Blocks whose scrapes before and after both succeeded: what the figures cover. */
  blocks: number;
  metrics: Partial<Record<ServerMetric, ServerDistribution>>;
  split: Partial<Record<ServerMetric, ServerSplit>>;
}

/** Per tool asked for (core/definitions.ts), its metrics that had samples; histograms as in `metrics`. */
export type VariantDefinitions = Partial<Record<Definition, Partial<Record<DefinitionMetric, MetricSummary>>>>;

export interface Comparison {
  baseline: string;
  candidate: string;
  metric: MetricName;
  baseline_p50: number;
  candidate_p50: number;
  /** candidate_p50 / baseline_p50 − 1: −0.5 is "half the baseline". */
  change: number;
  /** Bootstrap 95% interval of the change of medians, from the histograms (absent in older results). */
  ci95?: [number, number];
  /** Whether `wirebench compare` would call the change significant: interval and rank test agree. */
  significant?: boolean;
}

/** One event loop's figures while variants were measured: a busy loop inflates every latency it stamps. */
export interface LoopStats {
  event_loop_delay_ms: { p50: number; p99: number; max: number };
  /** The process's CPU, % of one core; for a worker thread, the share of time its loop was busy. */
  cpu_percent: number;
  /** Wall time the figures cover (the measured phases). */
  window_s?: number;
}

/** How loaded the benchmarking client itself was. */
export interface ClientStats extends LoopStats {
  /** `workers: N`: each worker thread's figures, by worker; the figures above are then the busiest loop's. */
  workers?: LoopStats[];
}

/**
 * Requests completed per second in an open loop, over the window less one typical request: the last
 * one's own latency, which a run within the endpoint's capacity also ends with. Undefined without figures.
 */
export function completedRate(v: VariantResult): number | undefined {
  const e2e = v.metrics.e2e_ms;
  if (v.rate === undefined || e2e === undefined || v.counts.ok < 2) return undefined;
  return v.counts.ok / Math.max(v.window_s - e2e.p50 / 1000, 1e-3);
}

/** The scenario's `name` as the result stored it (`fallback` for a result without one). */
export function scenarioName(r: Pick<Result, 'scenario'>, fallback = '?'): string {
  const name = (r.scenario as { name?: unknown } | null)?.name ?? fallback;
  return typeof name === 'string' ? name : JSON.stringify(name);
}

/**
 * A variant's key across a sweep — `step<k+1>.<variant>`, the prefix of its .hgrm/.hlog files — or the
 * bare name without one (`step` counts from 0, as requests.jsonl and thresholds do).
 */
export const variantKey = (name: string, step?: number): string =>
  step === undefined ? name : `step${step + 1}.${name}`;

/** The single source named by the per-request counts, `mixed` when several were used. */
export function tokenSource(bySource: Readonly<Record<TokenSource, number>>): VariantResult['tokens']['source'] {
  const used = (Object.keys(bySource) as TokenSource[]).filter((s) => bySource[s] > 0);
  if (used.length === 0) return 'none';
  return used.length === 1 ? used[0] : 'mixed';
}

export function collectEnv(startedAt: Date, endedAt: Date, cwd = process.cwd()): EnvInfo {
  const cpus = os.cpus();
  const commit = gitCommit(cwd);
  return {
    wirebench: harnessVersion(),
    node: process.version,
    os: `${os.platform()} ${os.release()}`,
    arch: os.arch(),
    cpu: { model: cpus[0]?.model.trim() ?? 'unknown', count: os.availableParallelism() },
    hostname: os.hostname(),
    started_at: startedAt.toISOString(),
    ended_at: endedAt.toISOString(),
    ...(commit === undefined ? {} : { git_commit: commit }),
  };
}

/**
 * The version in wirebench's own package.json, found by walking up from this module: it runs both from
 * src/ (vitest) and from dist/src/ (built), at different depths.
 */
export function harnessVersion(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
        name?: unknown;
        version?: unknown;
      };
      if (pkg.name === 'wirebench' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // No (readable) package.json at this level: keep walking up.
    }
    const parent = path.dirname(dir);
    if (parent === dir) return 'unknown';
    dir = parent;
  }
}
