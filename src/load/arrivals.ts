import { rng } from '../shared/rng.js';

export type ArrivalProcess = 'constant' | 'poisson';

/**
 * Intended start offsets (ns from the start of the schedule) of an open-loop arrival process: every
 * `1/rate` for `constant`, exponential gaps of mean `1/rate` for `poisson` (seeded, so a run and its
 * re-run offer the endpoint the same arrivals). Offsets are absolute sums of the gaps, never "now + gap",
 * so a late scheduler cannot stretch the schedule.
 */
export class Arrivals {
  private readonly rand: () => number;
  private readonly meanGapNs: number;
  private offset = 0;

  /** `phaseNs`: where the first arrival is (a worker's share of a constant rate interleaves with the others'). */
  constructor(
    rate: number,
    private readonly process: ArrivalProcess,
    seed: number,
    phaseNs = 0,
  ) {
    this.meanGapNs = 1e9 / rate;
    this.rand = rng(seed);
    this.offset = phaseNs;
  }

  /** The offset of the next arrival; the first arrival is at the phase (0 by default). */
  next(): number {
    const at = this.offset;
    // 1 − u is in (0, 1], so the logarithm is finite.
    const gap = this.process === 'constant' ? this.meanGapNs : -Math.log(1 - this.rand()) * this.meanGapNs;
    this.offset += gap;
    return at;
  }
}
