import { describe, expect, it } from 'vitest';

import {
  categoryScale,
  formatTick,
  linearScale,
  logScale,
  niceTicks,
  percentilePosition,
  percentileScale,
} from '../../../src/report/svg/scale.js';

/** True when step is 1, 2 or 5 times a power of ten. */
function isNiceStep(step: number): boolean {
  const mantissa = step / 10 ** Math.floor(Math.log10(step) + 1e-9);
  return [1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-6);
}

describe('percentile scale', () => {
  it('puts 0, 90, 99 and 99.9 % equally far apart', () => {
    const s = percentileScale([0, 50, 90, 99, 99.9]);
    const at = [0, 90, 99, 99.9].map((p) => s.frac(p));
    expect(at[0]).toBe(0);
    for (let i = 1; i < at.length; i++) expect(at[i] - at[i - 1]).toBeCloseTo(at[1] - at[0], 9);
    expect(percentilePosition(99.99)).toBeCloseTo(4, 9);
  });

  it('labels ticks as nines up to the data', () => {
    expect(percentileScale([0, 99.99]).ticks.map((t) => t.label)).toEqual(['0%', '90%', '99%', '99.9%', '99.99%']);
    expect(percentileScale([0, 99.9995]).ticks.map((t) => t.label)).toEqual([
      '0%',
      '90%',
      '99%',
      '99.9%',
      '99.99%',
      '99.999%',
    ]);
  });

  it('places 100 % just past the highest other percentile and rejects values outside 0–100', () => {
    const s = percentileScale([0, 90, 99, 100]);
    expect(s.frac(100)).toBe(1);
    expect(s.frac(99)).toBeCloseTo(2 / 2.3, 9);
    expect(s.frac(-1)).toBeNaN();
    expect(s.frac(101)).toBeNaN();
  });
});

describe('linear scale', () => {
  it.each([
    [0, 1],
    [0, 7],
    [0, 8],
    [3.2, 187.4],
    [-12, 37],
    [1001, 1003],
    [0.0012, 0.0049],
    [0, 123456789],
  ])('covers [%d, %d] with 4–8 ticks a 1/2/5×10^k step apart', (lo, hi) => {
    const { step, values } = niceTicks(lo, hi);
    expect(isNiceStep(step)).toBe(true);
    expect(values.length).toBeGreaterThanOrEqual(2);
    expect(values.length).toBeLessThanOrEqual(8);
    expect(values[0]).toBeLessThanOrEqual(lo);
    expect(values[values.length - 1]).toBeGreaterThanOrEqual(hi);
    for (let i = 1; i < values.length; i++) expect(values[i] - values[i - 1]).toBeCloseTo(step, 9);
    if (hi - lo > 1e-3) expect(values.length).toBeGreaterThanOrEqual(4);
  });

  it('starts at zero when asked and maps the data inside [0, 1]', () => {
    const s = linearScale([12, 187], { zero: true });
    expect(s.ticks[0].value).toBe(0);
    expect(s.ticks[0].at).toBe(0);
    expect(s.ticks[s.ticks.length - 1].at).toBe(1);
    expect(s.frac(12)).toBeGreaterThan(0);
    expect(s.frac(187)).toBeLessThanOrEqual(1);
    expect(s.frac(Number.NaN)).toBeNaN();
    expect(linearScale([120, 187]).ticks[0].value).toBe(120);
  });

  it('survives a single value', () => {
    const s = linearScale([5, 5]);
    expect(s.ticks.length).toBeGreaterThan(1);
    expect(s.frac(5)).toBeGreaterThan(0);
    expect(s.frac(5)).toBeLessThan(1);
  });

  it('labels compactly without repeating a label', () => {
    expect(formatTick(0.5, 0.5)).toBe('0.5');
    expect(formatTick(1, 0.5)).toBe('1');
    expect(formatTick(250, 50)).toBe('250');
    expect(formatTick(1500, 500)).toBe('1.5k');
    expect(formatTick(2e6, 1e6)).toBe('2M');
    expect(formatTick(0.0025, 0.0005)).toBe('0.0025');
    expect(formatTick(-1500, 500)).toBe('-1.5k');
    const labels = linearScale([10000, 10004]).ticks.map((t) => t.label);
    expect(new Set(labels).size).toBe(labels.length);
  });
});

describe('log scale', () => {
  it('ticks at powers of ten over a wide span and skips non-positive values', () => {
    const s = logScale([0, -3, 0.02, 45000]);
    const values = s.ticks.map((t) => t.value);
    expect(values).toEqual([0.01, 0.1, 1, 10, 100, 1000, 1e4, 1e5]);
    expect(s.ticks.map((t) => t.label)).toEqual(['0.01', '0.1', '1', '10', '100', '1k', '10k', '100k']);
    expect(s.frac(0)).toBeNaN();
    expect(s.frac(-1)).toBeNaN();
    expect(s.frac(1)).toBeCloseTo(2 / 7, 9);
  });

  it('adds 2 and 5 between powers of ten when the span is short', () => {
    expect(logScale([1.5, 40]).ticks.map((t) => t.value)).toEqual([1, 2, 5, 10, 20, 50, 100]);
  });
});

describe('category scale', () => {
  it('gives each category an evenly spaced slot and rejects other values', () => {
    const s = categoryScale(['a', 'b', 'c', 'd']);
    expect([0, 1, 2, 3].map((i) => s.frac(i))).toEqual([0.125, 0.375, 0.625, 0.875]);
    expect(s.ticks.map((t) => t.label)).toEqual(['a', 'b', 'c', 'd']);
    expect(s.frac(4)).toBeNaN();
    expect(s.frac(1.5)).toBeNaN();
  });
});
