/**
 * A scenario's `server:` block, built from the reference server's option schema (server/options.ts):
 * every option with a scenario key, under that key, with its bounds, scenario default and description.
 */
import * as z from 'zod';

import { FAULT_CLASSES, type FaultRates } from '../server/faults.js';
import type { OptionSpec } from '../server/option-spec.js';
import type { SERVER_OPTIONS } from '../server/options.js';
import { OPTION_LIST, type OptionValue } from '../server/options.js';

type Specs = typeof SERVER_OPTIONS;
type ScenarioKeyOf<S> = S extends { scenario: infer K extends string } ? K : never;

/** The parsed `server:` block: snake_case keys, every one defaulted. */
export type ScenarioServerOptions = { [K in keyof Specs as ScenarioKeyOf<Specs[K]>]: OptionValue<Specs[K]> };

function bounded<T extends z.ZodNumber>(t: T, spec: OptionSpec & { kind: 'number' | 'int' }): T {
  let b = t;
  if (spec.min !== undefined) b = spec.exclusive ? b.gt(spec.min) : b.min(spec.min);
  if (spec.max !== undefined) b = b.max(spec.max);
  return b;
}

function field(spec: OptionSpec): z.ZodType {
  switch (spec.kind) {
    case 'int':
      return bounded(z.int(), spec).default(spec.default);
    case 'number':
      return bounded(z.number(), spec).default(spec.default);
    case 'boolean':
      return z.boolean().default(spec.scenarioDefault ?? spec.default);
    case 'string':
      return z.string().default(spec.default);
    case 'faults':
      return z
        .partialRecord(z.enum(FAULT_CLASSES), z.number().min(0).max(1))
        .default(spec.default as Record<string, number>)
        .refine((f: FaultRates) => Object.values(f).reduce((a: number, b) => a + (b ?? 0), 0) <= 1, {
          error: 'expected probabilities that sum to at most 1',
        });
  }
}

const shape = Object.fromEntries(
  OPTION_LIST.flatMap(([, spec]) =>
    spec.scenario === undefined ? [] : [[spec.scenario, field(spec).describe(spec.description)]],
  ),
  // The keys and value types are those of ScenarioServerOptions by construction; zod cannot see that.
) as { [K in keyof ScenarioServerOptions]: z.ZodDefault<z.ZodType<ScenarioServerOptions[K]>> };

export const ServerOptionsSchema = z.strictObject(shape).describe('reference server options (target: embedded only)');
