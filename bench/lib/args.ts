/**
 * Command-line flags and small statistics shared by the benchmarks. Deliberately tiny (no commander):
 * a benchmark's flags are few, and a bad value should fail loudly rather than fall back.
 */

function valueOf(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const v = process.argv[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`--${name} needs a value`);
  return v;
}

/** `--name N`, else `dflt`. */
export function numArg(name: string, dflt: number): number {
  const v = valueOf(name);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`--${name}: not a number: ${v}`);
  return n;
}

/** `--name a,b,c` as numbers, else `dflt`. */
export function listArg(name: string, dflt: number[]): number[] {
  const v = valueOf(name);
  if (v === undefined) return dflt;
  const xs = v.split(',').map(Number);
  if (xs.some((x) => !Number.isFinite(x) || x <= 0)) throw new Error(`--${name}: not a list of positive numbers: ${v}`);
  return xs;
}

/** `--name WORD` from `choices`, else `dflt`. */
export function choiceArg<T extends string>(name: string, choices: readonly T[], dflt: T): T {
  const v = valueOf(name);
  if (v === undefined) return dflt;
  if (!(choices as readonly string[]).includes(v)) throw new Error(`--${name}: one of ${choices.join(', ')}`);
  return v as T;
}

/** A bare `--name`. */
export const flagArg = (name: string): boolean => process.argv.includes(`--${name}`);

export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Fixed decimals, or `–` for a figure that was not measured. */
export const fmt = (x: number | undefined, digits = 2): string =>
  x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits);
