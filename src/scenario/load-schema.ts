/** The load models of a scenario: closed, open, trace and session loads, each measured in a count or a duration. */
import * as z from 'zod';

import { MAX_PROMPT_TOKENS, MAX_WAIT_S, MIN_RATE } from './limits.js';

export const DEFAULT_REQUESTS = 100;
export const DEFAULT_SESSIONS = 10;

/**
 * Every load kind measures either a number of requests or a duration, never both; requests by default.
 * The output says which, so executors branch on `requests === undefined` alone.
 */
function measuredBy<T extends { requests?: number; duration?: number }>(load: T) {
  const { requests, duration, ...rest } = load;
  return duration !== undefined
    ? { ...rest, requests: undefined, duration }
    : { ...rest, requests: requests ?? DEFAULT_REQUESTS, duration: undefined };
}

const ONE_OF_REQUESTS_OR_DURATION = {
  path: ['duration'],
  error: 'expected exactly one of requests / duration, got both',
};
const notBoth = (l: { requests?: number; duration?: number }): boolean =>
  l.requests === undefined || l.duration === undefined;

/** Virtual users and their ramp: what closed and session loads share. */
const Users = z.int().min(1).max(10_000).default(1);
const RampUp = z
  .number()
  .min(0)
  .max(3600)
  .default(0)
  .describe('seconds over which the virtual users start, evenly spaced (0: all at once)');
const Duration = z.number().positive().max(MAX_WAIT_S).optional();
const MaxInFlight = z
  .int()
  .min(1)
  .max(10_000)
  .default(1000)
  .describe('requests in flight at most; later arrivals queue, still timed from their intended start');

const ClosedLoadSchema = z
  .strictObject({
    kind: z.literal('closed'),
    concurrency: Users.describe('virtual users'),
    requests: z.int().min(1).optional().describe(`measured requests per variant (default ${DEFAULT_REQUESTS})`),
    duration: Duration.describe('measured seconds per variant (exclusive with requests)'),
    warmup: z.int().min(0).default(0).describe('warm-up requests per variant, excluded from the metrics'),
    ramp_up: RampUp,
  })
  .refine(notBoth, ONE_OF_REQUESTS_OR_DURATION)
  .transform(measuredBy);

const OpenLoadSchema = z
  .strictObject({
    kind: z.literal('open'),
    rate: z
      .number()
      .min(MIN_RATE)
      .max(1_000_000)
      .describe(`arrivals per second (at least ${MIN_RATE}: one every ${1 / MIN_RATE} s)`),
    arrival: z.enum(['constant', 'poisson']).default('constant').describe('arrival process'),
    seed: z.int().default(1).describe('seed of the poisson arrivals'),
    max_in_flight: MaxInFlight,
    requests: z.int().min(1).optional().describe(`measured arrivals per variant (default ${DEFAULT_REQUESTS})`),
    duration: Duration.describe('seconds of measured arrivals (exclusive with requests)'),
    warmup: z.int().min(0).default(0).describe('the first arrivals, excluded from the metrics'),
  })
  .refine(notBoth, ONE_OF_REQUESTS_OR_DURATION)
  .transform(measuredBy);

const Seconds = z.number().min(0).max(3600);
const ToolTimeSchema = z
  .union([
    Seconds,
    z.strictObject({ distribution: z.literal('uniform'), min: Seconds, max: Seconds }).refine((t) => t.min <= t.max, {
      path: ['max'],
      error: 'expected max >= min',
    }),
    z.strictObject({ distribution: z.literal('exponential'), mean: Seconds }),
    z.literal('recorded'),
  ])
  .describe(
    'seconds the tool runs between turns: a number, or {distribution: uniform, min, max} / {distribution: exponential, mean} (seeded), or recorded: each turn after the pause a recorded conversation had before it (wirebench record)',
  );

export const MAX_TURNS = 256;
/** Turns of a synthetic agent loop: 20 tool calls and the answer. */
export const DEFAULT_TURNS = 21;

const SessionLoadSchema = z
  .strictObject({
    kind: z.literal('session'),
    concurrency: Users.describe('virtual users, each running whole sessions on its own connection'),
    sessions: z.int().min(1).optional().describe(`measured sessions per variant (default ${DEFAULT_SESSIONS})`),
    duration: Duration.describe('seconds in which measured sessions start (exclusive with sessions)'),
    warmup: z.int().min(0).default(0).describe('warm-up sessions per variant (at least one per user when > 0)'),
    ramp_up: RampUp,
    turns: z
      .int()
      .min(1)
      .max(MAX_TURNS)
      .optional()
      .describe(
        `turns per session (default ${DEFAULT_TURNS}): every turn but the last ends with a function call the next answers; ` +
          'with a dataset, each conversation replays its user turns, at most this many',
      ),
    history: z
      .enum(['chain', 'full'])
      .default('chain')
      .describe(
        'chain: previous_response_id + only the new items (store: true over HTTP); full: resend the whole conversation',
      ),
    tool_time: ToolTimeSchema.default(0).describe(
      'seconds between turns: the tool running, or with a dataset the user thinking (seeded)',
    ),
    tool_output_tokens: z
      .int()
      .min(1)
      .max(MAX_PROMPT_TOKENS)
      .default(64)
      .describe('o200k tokens of each function_call_output'),
    seed: z.int().default(1).describe('seed of the tool-time distribution'),
  })
  .refine((l) => l.sessions === undefined || l.duration === undefined, {
    path: ['duration'],
    error: 'expected exactly one of sessions / duration, got both',
  })
  .transform(({ sessions, duration, ...rest }) =>
    duration !== undefined
      ? { ...rest, sessions: undefined, duration }
      : { ...rest, sessions: sessions ?? DEFAULT_SESSIONS, duration: undefined },
  );

const TraceLoadSchema = z
  .strictObject({
    kind: z.literal('trace'),
    speed: z
      .number()
      .positive()
      .max(1000)
      .default(1)
      .describe('replay speed: 2 = the arrivals twice as fast, 0.5 = half as fast'),
    start: z
      .number()
      .min(0)
      .default(0)
      .describe("seconds into the trace (the trace's own time) where the replay begins"),
    duration: Duration.describe('seconds of the trace (its own time) to replay; default: to its end'),
    requests: z.int().min(1).optional().describe('measured arrivals at most (the window may end first)'),
    warmup: z.int().min(0).default(0).describe('the first arrivals of the window, excluded from the metrics'),
    max_in_flight: MaxInFlight,
  })
  .describe(
    "arrivals at a dataset's timestamps (mooncake, azure-csv, burstgpt-csv, or jsonl with timestamp), each with its own lengths",
  );

export const LoadSchema = z.discriminatedUnion('kind', [
  ClosedLoadSchema,
  OpenLoadSchema,
  TraceLoadSchema,
  SessionLoadSchema,
]);
