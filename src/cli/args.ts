import { InvalidArgumentError } from 'commander';

/** Bounds beyond the lower one: `exclusive` leaves the lower bound itself out. */
export interface ArgBounds {
  max?: number;
  exclusive?: boolean;
}

/** Commander argument parsers: a bad flag value is a usage error (exit 2) naming the flag. */
export function intArg(name: string, min?: number, bounds: ArgBounds = {}) {
  return bounded(name, 'an integer', Number.isInteger, min, bounds);
}

export function numArg(name: string, min?: number, bounds: ArgBounds = {}) {
  return bounded(name, 'a number', Number.isFinite, min, bounds);
}

function bounded(
  name: string,
  what: string,
  ok: (n: number) => boolean,
  min: number | undefined,
  { max, exclusive = false }: ArgBounds,
) {
  const expected = `${name} must be ${what}${min === undefined ? '' : ` ${exclusive ? '>' : '>='} ${min}`}`;
  return (value: string): number => {
    const n = Number(value);
    if (!ok(n) || (min !== undefined && (exclusive ? n <= min : n < min))) throw new InvalidArgumentError(expected);
    if (max !== undefined && n > max) throw new InvalidArgumentError(`${name} must be at most ${max}`);
    return n;
  };
}
