/**
 * The programmatic API, `import { run, compare, merge, trend } from 'wirebench'`: the CLI's commands for other
 * tools' test suites, returning results instead of printing them and throwing instead of exiting.
 */
export { ResultFileError } from '../result/read.js';
export type {
  ClaimResult,
  ClientStats,
  Comparison,
  EnvInfo,
  MetricSummary,
  Result,
  ShardInfo,
  StepResult,
  VariantResult,
} from '../result/result.js';
export type { ThresholdResult } from '../result/thresholds.js';
export { MergeError } from '../run/merge.js';
export type { RunStatus } from '../run/run-config.js';
export { ResultWriteError } from '../run/writer.js';
export type { Shard } from '../scenario/shard.js';
export { ScenarioError, type ScenarioIssue } from '../shared/input-error.js';
export type { CompareStat, CompareVerdict, MetricComparison } from '../stats/compare.js';
export { CompareError, type CompareOptions, type CompareOutcome, type ResultSource } from '../stats/compare-results.js';
export type { RuleOutcome } from '../stats/fail-on.js';
export {
  type TrendChange,
  TrendError,
  type TrendOptions,
  type TrendOutcome,
  type TrendPoint,
  type TrendRun,
  type TrendSeries,
  type TrendStat,
} from '../stats/trend.js';
export { compare, merge, trend } from './results.js';
export { run, type RunOptions, type ScenarioInput, type ScenarioSource } from './run.js';
