import { describe, expect, it } from 'vitest';
import * as z from 'zod';

import { zodIssueMessages } from '../../src/scenario/errors.js';
import { ScenarioSchema } from '../../src/scenario/schema.js';
import { keysAt, scalarTypeAt } from '../../src/scenario/zod-path.js';

/** A small schema with every construct the walk has to see through. */
const Closed = z.strictObject({ kind: z.literal('closed'), concurrency: z.int().positive(), ramp: z.boolean() });
const Open = z.strictObject({ kind: z.literal('open'), rate: z.number(), concurrency: z.string() });
const Schema = z
  .strictObject({
    name: z.string(),
    seed: z.number().optional(),
    strict: z.boolean().default(false),
    retries: z.strictObject({ max: z.number(), on: z.array(z.enum(['a', 'b'])) }).optional(),
    load: z.discriminatedUnion('kind', [Closed, Open]),
    variants: z.array(z.strictObject({ name: z.string(), weight: z.number().nullable().readonly() })),
    headers: z.record(z.string(), z.string()),
    limits: z.record(z.string(), z.strictObject({ p99: z.number().catch(0) })),
    piped: z.strictObject({ n: z.coerce.number() }).transform((x) => x.n),
    either: z.union([z.number(), z.string()]),
  })
  .transform((s) => s);

describe('keysAt', () => {
  it('lists the keys of the object at a path, through transforms and optional wrappers', () => {
    expect(keysAt(Schema, [])).toEqual([
      'name',
      'seed',
      'strict',
      'retries',
      'load',
      'variants',
      'headers',
      'limits',
      'piped',
      'either',
    ]);
    expect(keysAt(Schema, ['retries'])).toEqual(['max', 'on']);
    expect(keysAt(Schema, ['piped'])).toEqual(['n']);
  });

  it('a union offers the keys of every option, each once, in order of first appearance', () => {
    expect(keysAt(Schema, ['load'])).toEqual(['kind', 'concurrency', 'ramp', 'rate']);
  });

  it('steps into array elements by index and record values by any key', () => {
    expect(keysAt(Schema, ['variants', 3])).toEqual(['name', 'weight']);
    expect(keysAt(Schema, ['limits', 'ttft_ms'])).toEqual(['p99']);
  });

  it('is empty where no fixed-shape object is: scalars, records, wrong steps and unknown keys', () => {
    expect(keysAt(Schema, ['name'])).toEqual([]);
    expect(keysAt(Schema, ['headers'])).toEqual([]);
    // An array is indexed by numbers only, an object by strings only.
    expect(keysAt(Schema, ['variants', '0'])).toEqual([]);
    expect(keysAt(Schema, ['nope', 'deeper'])).toEqual([]);
  });
});

describe('scalarTypeAt', () => {
  it.each([
    [['seed'], 'number'],
    [['strict'], 'boolean'],
    [['retries', 'max'], 'number'],
    [['variants', 0, 'weight'], 'number'],
    [['limits', 'any', 'p99'], 'number'],
    [['piped', 'n'], 'number'],
    [['load', 'ramp'], 'boolean'],
    [['load', 'rate'], 'number'],
  ] as const)('%j expects a %s', (path, type) => {
    expect(scalarTypeAt(Schema, path)).toBe(type);
  });

  it.each([
    // Text fields, and fields that take more than one type, must keep the text.
    [['name']],
    [['headers', 'x']],
    [['retries', 'on', 0]],
    [['load', 'kind']],
    [['either']],
    // closed's concurrency is a number and open's a string: no one type applies.
    [['load', 'concurrency']],
    [['missing']],
    [['retries']],
  ] as const)('%j has no scalar type', (path) => {
    expect(scalarTypeAt(Schema, path)).toBeUndefined();
  });
});

describe('on the scenario schema itself', () => {
  it('finds the fields a ${env:…} reference is typed for', () => {
    // The cases scenario files rely on (load.test.ts covers them end to end).
    expect(scalarTypeAt(ScenarioSchema, ['load', 'concurrency'])).toBe('number');
    expect(scalarTypeAt(ScenarioSchema, ['load', 'rate'])).toBe('number');
    expect(scalarTypeAt(ScenarioSchema, ['seed'])).toBe('number');
    expect(scalarTypeAt(ScenarioSchema, ['name'])).toBeUndefined();
    expect(scalarTypeAt(ScenarioSchema, ['headers', 'authorization'])).toBeUndefined();
  });

  it('lists the keys a variant and each load kind allow', () => {
    expect(keysAt(ScenarioSchema, ['variants', 0])).toEqual(expect.arrayContaining(['name', 'protocol', 'connection']));
    expect(keysAt(ScenarioSchema, ['load'])).toEqual(expect.arrayContaining(['kind', 'concurrency', 'rate', 'turns']));
  });

  it('gives the unknown-key message its "did you mean" from the keys found at the issue path', () => {
    const input = { name: 'x', target: 'embedded', variants: [{ name: 'a', protocl: 'openai-chat' }] };
    const result = ScenarioSchema.safeParse(input);
    expect(result.success).toBe(false);
    const unknown = result
      .error!.issues.flatMap((i) => zodIssueMessages(i, input, ScenarioSchema))
      .filter((m) => m.atKey);
    expect(unknown).toEqual([
      { path: ['variants', 0, 'protocl'], message: 'unknown key; did you mean "protocol"?', atKey: true },
    ]);
  });
});
