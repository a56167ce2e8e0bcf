/**
 * The shape of one reference-server option (server/options.ts holds the options themselves): what kind of
 * value it takes, its bounds and default, and where it appears (serve flag, scenario key, README row).
 */
import type { FaultRates } from './faults.js';

interface Common {
  /** `wirebench serve --<flag>`. */
  flag: string;
  /** Key in a scenario's `server:` block; absent where the run decides (the embedded server's address). */
  scenario?: string;
  /** Scenario `.describe()` text, `serve --help` text and README row alike. */
  description: string;
  /** startServer takes it, but the handlers never read it: outside ServerOptions. */
  startOnly?: true;
}

export interface NumberOption extends Common {
  kind: 'number' | 'int';
  /** Placeholder of the flag's value. */
  arg: string;
  default: number;
  min?: number;
  /** `min` itself is out of range. */
  exclusive?: true;
  max?: number;
  /** What startServer itself accepts, where lower than what a scenario or flag may ask for. */
  serverMin?: number;
}

export interface BooleanOption extends Common {
  kind: 'boolean';
  default: boolean;
  /** A scenario's default, where it differs from the server's. */
  scenarioDefault?: boolean;
}

export interface StringOption extends Common {
  kind: 'string';
  arg: string;
  default: string;
}

export interface FaultsOption extends Common {
  kind: 'faults';
  arg: string;
  default: FaultRates;
}

export type OptionSpec = NumberOption | BooleanOption | StringOption | FaultsOption;

/** "an integer in [1, 1048576]", "a number > 0": what `spec` accepts, in words (startServer's bound). */
export function rangeText(spec: NumberOption, min = spec.serverMin ?? spec.min): string {
  const what = spec.kind === 'int' ? 'an integer' : 'a number';
  if (min !== undefined && spec.max !== undefined) return `${what} in [${min}, ${spec.max}]`;
  if (min !== undefined) return `${what} ${spec.exclusive ? '>' : '>='} ${min}`;
  if (spec.max !== undefined) return `${what} <= ${spec.max}`;
  return what;
}

export function inRange(spec: NumberOption, v: unknown): boolean {
  if (typeof v !== 'number' || Number.isNaN(v) || (spec.kind === 'int' && !Number.isInteger(v))) return false;
  const min = spec.serverMin ?? spec.min;
  if (min !== undefined && (spec.exclusive ? v <= min : v < min)) return false;
  return spec.max === undefined || v <= spec.max;
}
