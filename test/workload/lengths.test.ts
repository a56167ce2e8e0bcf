import { describe, expect, it } from 'vitest';

import { describeLength, lengthOf } from '../../src/workload/lengths.js';
import type { LengthSpec } from '../../src/workload/types.js';

// 20,000 rather than 2,000: at 2,000 a correct exponential sampler misses the 5 % sd tolerance for about one
// seed in nine (34 of 300 seeds tried), so a pass would rest on the seed; at 20,000 the worst of 100 seeds
// is 3.6 % (lognormal sd).
const N = 20_000;
const SEED = 42;

const draws = (spec: LengthSpec, seed = SEED, n = N): number[] =>
  Array.from({ length: n }, (_, i) => lengthOf(spec, seed, i));

function moments(xs: number[]): { mean: number; sd: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1));
  return { mean, sd };
}

// Bounds far from the bulk (normal: min 4σ below the mean), so truncation moves neither moment measurably.
// A wrong shape (μ/σ of the log taken for the lengths' mean/sd, a rate for a mean) misses by far more.
const cases: { spec: Exclude<LengthSpec, number>; mean: number; sd: number }[] = [
  // A discrete uniform on k = 3901 integers: sd = √((k² − 1)/12).
  { spec: { distribution: 'uniform', min: 100, max: 4000 }, mean: 2050, sd: Math.sqrt((3901 ** 2 - 1) / 12) },
  { spec: { distribution: 'normal', mean: 512, stddev: 128, min: 1, max: 100_000 }, mean: 512, sd: 128 },
  { spec: { distribution: 'lognormal', mean: 1000, stddev: 600, min: 1, max: 10_000_000 }, mean: 1000, sd: 600 },
  { spec: { distribution: 'exponential', mean: 300, min: 0, max: 10_000_000 }, mean: 300, sd: 300 },
];

describe('lengthOf', () => {
  it.each(cases)('$spec.distribution: mean and sd within 5 %, integers in [min, max]', ({ spec, mean, sd }) => {
    const xs = draws(spec);
    const m = moments(xs);
    expect(Math.abs(m.mean - mean) / mean).toBeLessThan(0.05);
    expect(Math.abs(m.sd - sd) / sd).toBeLessThan(0.05);
    expect(xs.every(Number.isInteger)).toBe(true);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(spec.min);
    expect(Math.max(...xs)).toBeLessThanOrEqual(spec.max);
  });

  it('uniform reaches both bounds', () => {
    const xs = draws({ distribution: 'uniform', min: 3, max: 7 });
    expect(new Set(xs)).toEqual(new Set([3, 4, 5, 6, 7]));
  });

  it('draws again outside hard bounds instead of piling mass on them', () => {
    // [400, 600] holds 15–25 % of each: every integer inside gets ≲ 1 % of the draws, while clamping
    // first would put 25–40 % on the lower bound.
    const hard: LengthSpec[] = [
      { distribution: 'normal', mean: 500, stddev: 400, min: 400, max: 600 },
      { distribution: 'lognormal', mean: 500, stddev: 400, min: 400, max: 600 },
      { distribution: 'exponential', mean: 500, min: 400, max: 600 },
    ];
    for (const spec of hard) {
      const xs = draws(spec);
      expect(Math.min(...xs)).toBeGreaterThanOrEqual(400);
      expect(Math.max(...xs)).toBeLessThanOrEqual(600);
      expect(xs.filter((x) => x === 400).length / N).toBeLessThan(0.02);
      expect(xs.filter((x) => x === 600).length / N).toBeLessThan(0.02);
    }
  });

  it('stays in range when the bounds hold almost none of the distribution', () => {
    for (const x of draws({ distribution: 'exponential', mean: 10, min: 1000, max: 2000 }, SEED, 100)) {
      expect(x).toBeGreaterThanOrEqual(1000);
      expect(x).toBeLessThanOrEqual(2000);
    }
  });

  it('is the same for the same seed and differs for another', () => {
    const spec: LengthSpec = { distribution: 'normal', mean: 512, stddev: 128, min: 1, max: 4096 };
    const a = draws(spec, 7, 500);
    expect(draws(spec, 7, 500)).toEqual(a);
    const b = draws(spec, 8, 500);
    // Two independent draws of this normal agree on ≈ 0.2 % of indices (≈ 1 of 500).
    expect(a.filter((x, i) => x === b[i]).length).toBeLessThan(25);
  });

  it('gives request i its length whatever was asked before', () => {
    const spec: LengthSpec = { distribution: 'lognormal', mean: 800, stddev: 400, min: 1, max: 8192 };
    const alone = lengthOf(spec, 3, 7);
    for (let i = 0; i < 7; i++) lengthOf(spec, 3, i);
    expect(lengthOf(spec, 3, 7)).toBe(alone);
    const forward = draws(spec, 3, 100);
    const backward = Array.from({ length: 100 }, (_, k) => lengthOf(spec, 3, 99 - k)).reverse();
    expect(backward).toEqual(forward);
  });

  it('returns a fixed length as is', () => {
    expect(lengthOf(1024, 1, 5)).toBe(1024);
  });

  it('rejects bounds without an integer and means that are not positive', () => {
    expect(() => lengthOf({ distribution: 'uniform', min: 5.2, max: 5.8 }, 1, 0)).toThrow(RangeError);
    expect(() => lengthOf({ distribution: 'exponential', mean: 0, min: 1, max: 9 }, 1, 0)).toThrow(RangeError);
    expect(() => lengthOf({ distribution: 'lognormal', mean: 5, stddev: -1, min: 1, max: 9 }, 1, 0)).toThrow(
      RangeError,
    );
  });
});

describe('describeLength', () => {
  it('writes each kind briefly', () => {
    expect(describeLength(1024)).toBe('1024');
    expect(describeLength({ distribution: 'uniform', min: 100, max: 4000 })).toBe('uniform 100–4000');
    expect(describeLength({ distribution: 'normal', mean: 512, stddev: 128, min: 1, max: 4096 })).toBe(
      'normal mean 512 sd 128 in [1, 4096]',
    );
    expect(describeLength({ distribution: 'lognormal', mean: 512, stddev: 256, min: 1, max: 4096 })).toBe(
      'lognormal mean 512 sd 256 in [1, 4096]',
    );
    expect(describeLength({ distribution: 'exponential', mean: 300, min: 1, max: 4096 })).toBe(
      'exponential mean 300 in [1, 4096]',
    );
  });
});
