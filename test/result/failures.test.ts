import { describe, expect, it } from 'vitest';

import { describeFailure, endpointFailures, failureCauses } from '../../src/result/failures.js';
import type { VariantResult } from '../../src/result/result.js';
import { result, variant } from '../report/fixtures.js';

/** A variant of `requests` measured requests with `errors` failures by class, and their first messages. */
function failing(name: string, requests: number, errors: Record<string, number>, first?: Record<string, string>) {
  const v: VariantResult = variant(name, {});
  const failed = Object.values(errors).reduce((a, b) => a + b, 0);
  v.counts = { ...v.counts, requests, ok: requests - failed, errors };
  if (first !== undefined) v.first_errors = first;
  return v;
}

describe('endpointFailures', () => {
  it('fails a variant of which more than half of the measured requests failed, and only such a variant', () => {
    const r = result([
      failing('half', 4, { timeout: 2 }),
      failing('most', 5, { connect: 2, reset: 1 }),
      failing('all', 3, { http_status: 3 }),
      failing('none-measured', 0, {}),
    ]);
    const f = endpointFailures(r);
    expect(f.map((x) => x.variant)).toEqual(['most', 'all']);
    expect(f.map(describeFailure)).toEqual(['most: 2 of 5 requests succeeded', 'all: none of 3 requests succeeded']);
  });

  it('checks every sweep step, naming the step', () => {
    const r = result([]);
    r.steps = [
      { param: 'load.rate', value: 10, variants: [failing('ws', 10, {})], comparisons: [] },
      { param: 'load.rate', value: 40, variants: [failing('ws', 10, { timeout: 9 })], comparisons: [] },
    ];
    expect(endpointFailures(r).map(describeFailure)).toEqual(['load.rate=40 / ws: 1 of 10 requests succeeded']);
  });
});

describe('failureCauses', () => {
  it('lists classes by count, each with its first failure where the result has it', () => {
    const v = failing('x', 10, { reset: 1, timeout: 3 }, { timeout: 'timeout: request timed out' });
    expect(failureCauses(v)).toEqual(['timeout 3, first: timeout: request timed out', 'reset 1']);
  });
});
