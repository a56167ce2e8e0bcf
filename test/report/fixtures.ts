import type { MetricName } from '../../src/core/catalog.js';
import { MetricSet } from '../../src/metrics/metric-set.js';
import type { Result, VariantResult } from '../../src/result/result.js';
import { collectEnv } from '../../src/result/result.js';
import { compareVariants } from '../../src/stats/changes.js';

/** A variant whose every listed metric has the given median (all samples equal, so p50 is exact below 2.048). */
export function variant(
  name: string,
  medians: Partial<Record<MetricName, number>>,
  set = new MetricSet(),
): VariantResult {
  for (const [metric, value] of Object.entries(medians) as [MetricName, number][]) {
    for (let i = 0; i < 3; i++) set.record(metric, value);
  }
  return {
    name,
    protocol: 'openai-responses',
    connection: name,
    counts: { requests: 100, ok: 98, errors: { timeout: 1, reset: 1 }, warmup: 5 },
    tokens: { output: 98_000, input: 1_000, source: 'usage', by_source: { usage: 98, tokenizer: 0, chunks: 0 } },
    connections: { opened: 100 },
    window_s: 10,
    throughput: { requests_per_s: 9.8, output_tokens_per_s: 9800 },
    metrics: set.summaries(),
  };
}

export function result(variants: VariantResult[], warnings: string[] = []): Result {
  return {
    schema: 'wirebench.result/v1',
    complete: true,
    scenario: { name: 'test' },
    target: 'http://127.0.0.1:8080',
    env: collectEnv(new Date('2026-11-26T04:45:01Z'), new Date('2026-11-26T04:46:01Z')),
    variants,
    comparisons: compareVariants(variants),
    warnings,
  };
}
