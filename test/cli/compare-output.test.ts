import { describe, expect, it } from 'vitest';

import { ruleLine } from '../../src/cli/compare-output.js';
import type { RuleOutcome } from '../../src/stats/fail-on.js';

describe('ruleLine', () => {
  const outcome: RuleOutcome = {
    rule: 'ttft_ms.p99>+10%',
    ok: false,
    baseline_variant: 'sse',
    candidate_variant: 'sse',
    statistic: 'ttft_ms.p99',
    baseline: 100,
    candidate: 200,
    change: 1,
    p_value: 0.00001,
    decided_by: 'too few samples',
    samples_needed: 100,
  };

  it('says a tail rule failed because the samples cannot judge it, and how many would', () => {
    expect(ruleLine(outcome)).toMatch(
      /^fail: ttft_ms\.p99>\+10%: sse ttft_ms\.p99 100\.0 → 200\.0 \(\+100\.0%, 95% CI -, p \(MW\) <0\.0001\): change beyond the rule, and too few samples to judge it \(100 a side needed, the figure is the maximum\)$/,
    );
    expect(ruleLine(outcome, true)).toMatch(/^\*\*fail\*\* `ttft_ms\.p99>\+10%`: .* too few samples to judge it/);
  });
});
