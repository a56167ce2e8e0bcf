/**
 * What requests carry: the request block (prompt, lengths, prefix sharing, exact-output knobs) and the
 * dataset a workload may come from. Lengths are a number or a seeded distribution.
 */
import * as z from 'zod';

import { PROTOCOL_KINDS, sessionCapable } from '../protocols/registry.js';
import { DATASET_FORMATS } from '../workload/types.js';
import { DEFAULT_PROMPT_TOKENS, MAX_OUTPUT_TOKENS, MAX_PROMPT_TOKENS } from './limits.js';

/** Body fields that make vLLM-style servers generate exactly the requested length. */
export const OUTPUT_KNOBS = ['ignore_eos', 'min_tokens'] as const;

const positive = z.number().positive();

/** A length in tokens: a number, or `{ distribution, … }` drawn per request (seeded), integers in [min, max]. */
function lengthSchema(max: number) {
  const Tokens = z.int().min(1).max(max);
  // Bounds of the unbounded kinds default to the whole range, so a value written without them parses again.
  const bounds = { min: Tokens.default(1), max: Tokens.default(max) };
  const inBounds = (l: { min: number; max: number }) => l.min <= l.max;
  const meanInBounds = (l: { min: number; max: number; mean: number }) => l.mean >= l.min && l.mean <= l.max;
  const Distribution = z
    .discriminatedUnion('distribution', [
      z.strictObject({ distribution: z.literal('uniform'), min: Tokens, max: Tokens }),
      z.strictObject({ distribution: z.literal('normal'), mean: positive, stddev: z.number().min(0), ...bounds }),
      z.strictObject({ distribution: z.literal('lognormal'), mean: positive, stddev: positive, ...bounds }),
      z.strictObject({ distribution: z.literal('exponential'), mean: positive, ...bounds }),
    ])
    .refine(inBounds, { path: ['max'], error: 'expected max >= min' })
    .refine((l) => !('mean' in l) || meanInBounds(l), { path: ['mean'], error: 'expected a mean within [min, max]' });
  return z
    .union([Tokens, Distribution])
    .describe(
      'tokens: a number, or {distribution: uniform, min, max} | {distribution: normal | lognormal, mean, stddev, min?, max?} | ' +
        '{distribution: exponential, mean, min?, max?} drawn per request (seeded by request.seed; redrawn outside [min, max])',
    );
}

export const RequestSchema = z
  .strictObject({
    model: z.string().min(1).default('wirebench-ref'),
    prompt: z
      .string()
      .min(1)
      .optional()
      .describe(
        'literal prompt text (exclusive with prompt_tokens); each request gets a short unique tag before it unless shared_prefix_tokens: all',
      ),
    prompt_tokens: lengthSchema(MAX_PROMPT_TOKENS)
      .optional()
      .describe(
        `synthesized prompts of exactly this many o200k tokens, unique per request (default ${DEFAULT_PROMPT_TOKENS}): a number or a distribution`,
      ),
    shared_prefix_tokens: z
      .union([z.int().min(0).max(MAX_PROMPT_TOKENS), z.literal('all')])
      .default(0)
      .describe(
        'tokens every prompt starts with in common (0: none, each prompt differs from its first token; all: identical prompts) — ' +
          'to study prompt caching on purpose',
      ),
    prefix_groups: z
      .int()
      .min(1)
      .max(1_000_000)
      .default(1)
      .describe('distinct shared prefixes; request i uses prefix i mod prefix_groups'),
    max_output_tokens: lengthSchema(MAX_OUTPUT_TOKENS)
      .default(200)
      .describe('output tokens asked for: a number or a distribution'),
    exact_output: z
      .array(z.enum(OUTPUT_KNOBS))
      .default([])
      .describe(
        'body fields sent so that vLLM-style servers generate exactly max_output_tokens (ignore_eos: true, min_tokens); a variant may override',
      ),
    seed: z.int().default(1).describe('seed of the length distributions and of the synthesized text'),
    salt: z
      .int()
      .min(0)
      .optional()
      .describe(
        'mixed into every prompt so a run never hits the cache an earlier run filled (default: new per run, recorded in result.json)',
      ),
    body: z.record(z.string(), z.unknown()).default({}).describe('extra request body fields, merged last'),
  })
  .superRefine((r, ctx) => {
    if (r.prompt !== undefined && r.prompt_tokens !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['prompt_tokens'],
        message: 'expected exactly one of prompt / prompt_tokens, got both',
      });
    }
    if (r.prompt !== undefined && r.shared_prefix_tokens !== 0 && r.shared_prefix_tokens !== 'all') {
      ctx.addIssue({
        code: 'custom',
        path: ['shared_prefix_tokens'],
        message: 'a literal prompt is either unique per request (0, the default) or sent as written (all)',
      });
    }
    if (r.prefix_groups > 1 && (r.shared_prefix_tokens === 0 || r.shared_prefix_tokens === 'all')) {
      ctx.addIssue({
        code: 'custom',
        path: ['prefix_groups'],
        message: 'prefix groups need shared_prefix_tokens: a number of tokens > 0',
      });
    }
  });

export const SAMPLING = ['sequential', 'random'] as const;

export const DatasetSchema = z
  .strictObject({
    path: z.string().min(1).describe('a local file, relative to the scenario file; streamed, never loaded whole'),
    format: z.enum(DATASET_FORMATS).optional().describe('default: told from the file name and its first record'),
    sample: z
      .enum(SAMPLING)
      .default('sequential')
      .describe(
        'records in file order (wrapping around), or drawn at random (seeded, with replacement); traces replay in order',
      ),
    seed: z.int().default(1).describe('seed of random sampling'),
    isolate: z
      .boolean()
      .default(true)
      .describe(
        "a short tag per variant and run before every dataset prompt, so no variant is served from another's prompt cache " +
          '(repeats within the dataset still are); false: the text as written',
      ),
  })
  .describe(
    'the requests come from a dataset file: jsonl, sharegpt, mooncake, azure-csv or burstgpt-csv (docs/workloads.md)',
  );

export type RequestSpec = z.output<typeof RequestSchema>;
export type DatasetSpec = z.output<typeof DatasetSchema>;

/** Formats whose records are lengths only, with timestamps: traces. */
const LENGTH_FORMATS: readonly string[] = ['mooncake', 'azure-csv', 'burstgpt-csv'];

interface WorkloadParts {
  request: RequestSpec;
  dataset?: DatasetSpec;
  load: { kind: string; history?: string; tool_time?: unknown };
  variants: readonly { protocol: string }[];
  interrupt?: unknown;
}

/**
 * The rules between the request, the dataset and the load model. A format left to detection is checked
 * once the file is read (a trace needs timestamps, a session conversations).
 */
export function workloadIssues(s: WorkloadParts): { path: (string | number)[]; message: string }[] {
  const issues: { path: (string | number)[]; message: string }[] = [];
  const add = (path: (string | number)[], message: string) => issues.push({ path, message });
  const { request: r, dataset: d, load } = s;
  if (d !== undefined) {
    for (const key of ['prompt', 'prompt_tokens'] as const) {
      if (r[key] !== undefined) add(['request', key], `the dataset gives the prompts; remove request.${key}`);
    }
    if (r.shared_prefix_tokens !== 0) {
      add(
        ['request', 'shared_prefix_tokens'],
        "shared prefixes apply to synthesized prompts; a dataset's prompts share what they share (dataset.isolate keeps variants apart)",
      );
    }
  }
  if (load.kind === 'session' && load.tool_time === 'recorded' && d === undefined)
    add(
      ['load', 'tool_time'],
      "recorded pauses come from a recorded conversation dataset (wirebench record's workload.jsonl): add dataset: { path }, or give seconds",
    );
  if (load.kind === 'trace') {
    if (d === undefined)
      add(['load', 'kind'], "a trace load replays a dataset's timestamps: add dataset: { path, format }");
    else if (d.sample !== 'sequential')
      add(['dataset', 'sample'], 'a trace replays its records in file order: sample must be sequential');
    else if (d.format === 'sharegpt')
      add(
        ['dataset', 'format'],
        'a trace needs timestamps; sharegpt has none (mooncake, azure-csv, burstgpt-csv or jsonl with timestamp)',
      );
  }
  if (load.kind !== 'session') return issues;
  if (s.interrupt !== undefined)
    add(['interrupt'], 'interrupt applies to closed, open and trace loads, not to sessions');
  if (d?.format !== undefined && LENGTH_FORMATS.includes(d.format)) {
    add(
      ['dataset', 'format'],
      `sessions replay conversations (sharegpt, or jsonl with messages); ${d.format} holds lengths only`,
    );
  }
  // The synthetic agent loop needs function calls, chaining needs previous_response_id: both Responses only.
  const needs =
    d === undefined
      ? 'reports function calls'
      : load.history === 'chain'
        ? 'chains turns (previous_response_id)'
        : undefined;
  if (needs === undefined) return issues;
  s.variants.forEach((v, i) => {
    if (!sessionCapable(v.protocol)) {
      const hint = d === undefined ? '' : ', or history: full';
      add(
        ['variants', i, 'protocol'],
        `load.kind session needs a protocol that ${needs} (${PROTOCOL_KINDS.filter(sessionCapable).join(', ')}${hint}); ${v.protocol} does not`,
      );
    }
  });
  return issues;
}
