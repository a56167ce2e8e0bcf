// STUB (replaced by the synth branch)
import type { LengthSpec } from './types.js';
export function lengthOf(spec: LengthSpec, _seed: number, _i: number): number {
  return typeof spec === 'number' ? spec : spec.distribution === 'uniform' ? spec.min : Math.round(spec.mean);
}
export function describeLength(spec: LengthSpec): string {
  return typeof spec === 'number' ? String(spec) : spec.distribution;
}
