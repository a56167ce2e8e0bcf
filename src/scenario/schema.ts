/**
 * The scenario file schema. Keys are snake_case as written in the file; the parsed `Scenario` keeps them
 * so that a result file, an error message and the documentation all use the same names.
 */
import * as z from 'zod';
import { CONNECTION_POLICIES, ERROR_CLASSES } from '../load/types.js';
import { genericAdapter, GenericConfigError, type GenericConfig } from '../protocols/generic.js';
import { httpCapable, PROTOCOL_KINDS, sessionCapable, wsCapable } from '../protocols/registry.js';
import { describeValue } from './errors.js';
import { METRICS } from '../metrics/catalog.js';
import { FAULT_CLASSES } from '../server/faults.js';
import { parseThreshold } from '../report/thresholds.js';

/** The registry is the one list of protocols; the schema only reads it. `generic` is configured per variant. */
const PROTOCOLS = [...PROTOCOL_KINDS, 'generic'] as const;
/** Protocols whose adapter has a WebSocket mode: the only ones `ws-*` connections can use. */
const WS_PROTOCOLS: readonly string[] = PROTOCOL_KINDS.filter(wsCapable);
/** Protocols with an HTTP mode: the only ones `http-*` connections can use (Realtime is WebSocket only). */
const HTTP_PROTOCOLS: readonly string[] = PROTOCOL_KINDS.filter(httpCapable);

export const MAX_PROMPT_TOKENS = 131_072;
export const DEFAULT_PROMPT_TOKENS = 32;
export const DEFAULT_REQUESTS = 100;
export const DEFAULT_SESSIONS = 10;

// Scenario and variant names end up in folder and file names (results/<ts>-<name>/<variant>.<metric>.hgrm).
const Name = z
  .string()
  .regex(/^[A-Za-z0-9._-]+$/, { error: 'expected a name of letters, digits, ".", "_" or "-" (it is used in file names)' })
  .max(100);

function isUrlTarget(value: string): boolean {
  if (!/^(https?|wss?):\/\//i.test(value)) return false;
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}

const Target = z
  .string()
  .refine((v) => v === 'embedded' || isUrlTarget(v), {
    error: (iss) => `expected "embedded" or an http(s):// or ws(s):// URL, got ${describeValue(iss.input)}`,
  })
  .describe('"embedded" (the built-in reference server on an ephemeral loopback port) or the base URL of the endpoint');

const Headers = z
  .record(
    z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, { error: 'expected an HTTP header name' }),
    // A line break in a value (say, from an environment variable) would smuggle in extra headers.
    z.string().regex(/^[^\r\n\0]*$/, { error: 'expected a header value without line breaks' }),
  )
  .describe('HTTP headers (also sent with the WebSocket upgrade); values may use ${env:NAME}');

const TlsSchema = z
  .strictObject({
    ca: z.string().min(1).optional().describe('PEM file of extra CA certificates to trust (path relative to the scenario file)'),
    insecure: z.boolean().optional().describe('accept any certificate (self-signed test servers); never for real endpoints'),
    resume: z
      .boolean()
      .optional()
      .describe('reuse TLS sessions on new connections (default true); false: every new connection pays a full handshake'),
  })
  .describe('TLS client options for https/wss targets');

const NetworkSchema = z
  .strictObject({
    rtt_ms: z.number().min(0).max(10_000).describe('round-trip time added by the relay (half each way)'),
    jitter_ms: z.number().min(0).max(10_000).default(0).describe('seeded jitter per direction, order kept'),
    bandwidth_kbps: z.number().positive().optional().describe('link bandwidth per direction, kilobits/s (shared by all connections)'),
    seed: z.int().default(1),
  })
  .describe('emulate a network between client and target with a relay process on loopback (docs/network.md)');

export const ServerOptionsSchema = z
  .strictObject({
    ttft_ms: z.number().min(0).default(150).describe('time to first token, ms'),
    prefill_tps: z
      .number()
      .min(0)
      .default(0)
      .describe("prefill rate, input tokens per second: adds the request's own input tokens / prefill_tps to TTFT (0: no prefill cost)"),
    tps: z.number().positive().default(1000).describe('decode rate, tokens per second'),
    jitter: z.number().min(0).max(1).default(0).describe('relative jitter of the token gaps'),
    chunk_tokens: z.int().min(1).default(1).describe('tokens per delta event'),
    output_tokens: z.int().min(1).default(200).describe('tokens generated per response'),
    http_overhead_ms: z.number().min(0).default(0).describe('extra server time per HTTP request'),
    ws_overhead_ms: z.number().min(0).default(0).describe('extra server time per WebSocket turn'),
    ws_connect_overhead_ms: z.number().min(0).default(0).describe('extra server time per WebSocket upgrade'),
    seed: z.int().default(1),
    stamp: z.boolean().default(true).describe('stamp each event with its server write time (token_delay_ms)'),
    tls: z.boolean().default(false).describe('serve https/wss (HTTP/2 and HTTP/1.1) with a certificate made at start-up (needs openssl)'),
    max_concurrent: z.int().min(0).default(0).describe('generations at once; later ones wait FIFO, the wait counted in TTFT (0: unlimited)'),
    rate_limit: z.number().min(0).default(0).describe('requests per second per API key, beyond → 429 with retry-after (0: off)'),
    faults: z
      .partialRecord(z.enum(FAULT_CLASSES), z.number().min(0).max(1))
      .default({})
      .refine((f) => Object.values(f).reduce((a: number, b) => a + (b ?? 0), 0) <= 1, { error: 'expected probabilities that sum to at most 1' })
      .describe('seeded fault injection: probability per request of http-500, mid-stream-error, reset, stall, malformed, ws-426'),
  })
  .describe('reference server options (target: embedded only)');

const RequestSchema = z
  .strictObject({
    model: z.string().min(1).default('wirebench-ref'),
    prompt: z.string().min(1).optional().describe('literal prompt text (exclusive with prompt_tokens)'),
    prompt_tokens: z
      .int()
      .min(1)
      .max(MAX_PROMPT_TOKENS)
      .optional()
      .describe(`synthesized prompt of exactly this many o200k tokens (default ${DEFAULT_PROMPT_TOKENS})`),
    max_output_tokens: z.int().min(1).default(200),
    body: z.record(z.string(), z.unknown()).default({}).describe('extra request body fields, merged last'),
  })
  .refine((r) => r.prompt === undefined || r.prompt_tokens === undefined, {
    path: ['prompt_tokens'],
    error: 'expected exactly one of prompt / prompt_tokens, got both',
  })
  // A union on output makes "exactly one" visible to the type checker of every consumer.
  .transform(({ prompt, prompt_tokens, ...rest }) =>
    prompt !== undefined
      ? { ...rest, prompt, prompt_tokens: undefined }
      : { ...rest, prompt: undefined, prompt_tokens: prompt_tokens ?? DEFAULT_PROMPT_TOKENS },
  );

const Pointer = z.string().regex(/^(\/.*)?$/, { error: 'expected a JSON pointer such as /message/content' });
const JsonTemplate = z.record(z.string(), z.unknown());

const GenericSchema = z
  .strictObject({
    path: z.string().startsWith('/').describe('request path, e.g. /api/generate'),
    method: z.literal('POST').optional(),
    headers: Headers.optional(),
    body: JsonTemplate.describe('JSON body; strings may use {{prompt}}, {{model}}, {{max_tokens}} ("{{max_tokens}}" alone becomes a number)'),
    response: z.enum(['sse', 'ndjson']),
    select: z.strictObject({
      delta: Pointer.describe('JSON pointer to the delta text of an event'),
      done: z
        .strictObject({ pointer: Pointer, equals: z.union([z.string(), z.number(), z.boolean(), z.null()]).optional() })
        .optional()
        .describe('the event that ends the response (SSE also ends on [DONE]); none: the end of the body'),
      usage_output: Pointer.optional(),
      usage_input: Pointer.optional(),
    }),
    ws: z.strictObject({ path: z.string().startsWith('/'), message: JsonTemplate }).optional(),
  })
  .describe('protocol: generic — a templated request and JSON-pointer selectors (Ollama, TGI, custom servers)');

const VariantSchema = z
  .strictObject({
    name: Name.optional().describe('defaults to the connection name'),
    protocol: z.enum(PROTOCOLS),
    connection: z.enum(CONNECTION_POLICIES),
    headers: Headers.default({}).describe('merged over the top-level headers'),
    per_message_deflate: z.boolean().optional().describe('offer permessage-deflate (WebSocket connections only)'),
    tls: TlsSchema.optional().describe('merged over the top-level tls'),
    generic: GenericSchema.optional(),
  })
  .superRefine((v, ctx) => {
    const ws = v.connection.startsWith('ws-');
    if ((v.protocol === 'generic') !== (v.generic !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['generic'],
        message: v.protocol === 'generic' ? 'protocol generic needs its generic: configuration' : `generic: applies to protocol generic only, not ${v.protocol}`,
      });
    } else if (v.generic !== undefined) {
      try {
        genericAdapter(v.generic as GenericConfig);
      } catch (err) {
        if (!(err instanceof GenericConfigError)) throw err;
        ctx.addIssue({ code: 'custom', path: ['generic'], message: err.message });
      }
      if (ws && v.generic.ws === undefined) {
        ctx.addIssue({ code: 'custom', path: ['connection'], message: `connection ${v.connection} needs generic.ws (a WebSocket mode)` });
      }
    } else if (!ws && !HTTP_PROTOCOLS.includes(v.protocol)) {
      ctx.addIssue({
        code: 'custom',
        path: ['connection'],
        message: `connection ${v.connection} needs a protocol with an HTTP mode; ${v.protocol} is WebSocket only (use ws-persistent or ws-per-request)`,
      });
    } else if (ws && !WS_PROTOCOLS.includes(v.protocol)) {
      ctx.addIssue({
        code: 'custom',
        path: ['connection'],
        message: `connection ${v.connection} needs a protocol with a WebSocket mode (${WS_PROTOCOLS.join(', ')}); ${v.protocol} has none`,
      });
    }
    // `false` stays valid on HTTP so that a parsed scenario (defaults filled in) parses again unchanged.
    if (!ws && v.per_message_deflate === true) {
      ctx.addIssue({
        code: 'custom',
        path: ['per_message_deflate'],
        message: `per_message_deflate applies to WebSocket connections only; ${v.connection} is HTTP`,
      });
    }
  })
  .transform((v) => ({
    name: v.name ?? v.connection,
    protocol: v.protocol,
    connection: v.connection,
    headers: v.headers,
    per_message_deflate: v.per_message_deflate ?? false,
    tls: v.tls,
    ...(v.generic !== undefined ? { generic: v.generic as GenericConfig } : {}),
  }));

const Variants = z
  .array(VariantSchema)
  .min(1)
  .max(16)
  .superRefine((variants, ctx) => {
    const seen = new Map<string, number>();
    variants.forEach((v, i) => {
      const first = seen.get(v.name);
      if (first === undefined) seen.set(v.name, i);
      else {
        ctx.addIssue({
          code: 'custom',
          path: [i, 'name'],
          message: `duplicate variant name "${v.name}" (variants[${first}] has it too); names must be unique`,
        });
      }
    });
  });

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
const Duration = z.number().positive().optional();

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
    rate: z.number().positive().max(1_000_000).describe('arrivals per second'),
    arrival: z.enum(['constant', 'poisson']).default('constant').describe('arrival process'),
    seed: z.int().default(1).describe('seed of the poisson arrivals'),
    max_in_flight: z
      .int()
      .min(1)
      .max(10_000)
      .default(1000)
      .describe('requests in flight at most; later arrivals queue, still timed from their intended start'),
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
  ])
  .describe('seconds the tool runs between turns: a number, or {distribution: uniform, min, max} / {distribution: exponential, mean} (seeded)');

export const MAX_TURNS = 256;

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
      .default(21)
      .describe('turns per session; every turn but the last ends with a function call the next answers'),
    history: z
      .enum(['chain', 'full'])
      .default('chain')
      .describe('chain: previous_response_id + only the new items (store: true over HTTP); full: resend the whole conversation'),
    tool_time: ToolTimeSchema.default(0),
    tool_output_tokens: z.int().min(1).max(MAX_PROMPT_TOKENS).default(64).describe('o200k tokens of each function_call_output'),
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

const LoadSchema = z.discriminatedUnion('kind', [ClosedLoadSchema, OpenLoadSchema, SessionLoadSchema]);

export const ScenarioSchema = z
  .strictObject({
    // Lets JSON scenario files point editors at `wirebench schema` output.
    $schema: z.string().optional(),
    name: Name,
    target: Target,
    server: ServerOptionsSchema.optional(),
    headers: Headers.default({}),
    tls: TlsSchema.optional(),
    network: NetworkSchema.optional(),
    redact: z
      .array(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, { error: 'expected an HTTP header name' }))
      .default([])
      .describe('more header names whose values never reach a file or log (authorization, x-api-key, api-key are always redacted)'),
    request: RequestSchema.prefault({}),
    variants: Variants,
    load: LoadSchema.prefault({ kind: 'closed' }),
    timeout: z.number().positive().default(60).describe('per-request timeout, seconds'),
    retries: z
      .strictObject({
        max: z.int().min(0).max(10).default(0).describe('attempts after the first (0: no retries, the default)'),
        on: z
          .array(z.enum(ERROR_CLASSES))
          .default(['rate_limited', 'server_error', 'connect', 'reset'])
          .describe('failure classes worth another attempt'),
        backoff_ms: z.number().min(0).default(500).describe('wait before retry k: backoff_ms · 2^(k−1), unless the server sent retry-after'),
      })
      .optional()
      .describe('retry failed requests (closed and open loads); latencies then count from the first attempt'),
    idle_timeout: z
      .number()
      .positive()
      .optional()
      .describe('fail a request after this many seconds without progress (a stalled stream); default: only the timeout'),
    order: z
      .enum(['interleaved', 'sequential', 'random'])
      .default('interleaved')
      .describe(
        'how variants share the run: alternating blocks (so drift hits all alike), one after another, or blocks in a seeded random order',
      ),
    block: z
      .int()
      .min(1)
      .optional()
      .describe('measured requests per variant per block when interleaved (default: 4 × concurrency, at least 20)'),
    seed: z.int().default(1).describe('seed of the random variant order'),
    interrupt: z
      .strictObject({
        after_tokens: z.int().min(1).describe('output tokens (o200k) after which each stream is cancelled'),
        redirect: z.string().min(1).describe('the prompt sent right after the cancel, on the same connection'),
      })
      .optional()
      .describe('cancel every stream after N tokens and send a redirected request; measures redirect_ms (closed and open loads)'),
    claims: z
      .array(
        z.strictObject({
          claim: z.string().min(1).describe('the claim in words, e.g. "per-roundtrip overhead −80%"'),
          metric: z
            .union([z.enum(METRICS), z.array(z.enum(METRICS)).min(1)])
            .describe('metric whose median the claim is about; a list: the first both variants measured'),
          baseline: Name.describe('variant the claim compares against'),
          candidate: Name.describe('variant the claim is made for'),
          reduction: z.number().gt(0).lt(1).describe('claimed reduction of the median: 0.8 for −80%'),
          tolerance: z.number().min(0).lt(1).default(0.05).describe('how far below the claim still supports it (0.05 = 5 points)'),
        }),
      )
      .optional()
      .describe('published claims to check: each gets the measured reduction, a bootstrap 95% interval and a verdict'),
    thresholds: z
      .record(z.string(), z.string())
      .optional()
      .describe(
        'pass/fail checks after the run (exit 1 when one fails): "<variant|*>.<metric>.<stat>" (or errors.rate, errors.count, ' +
          'throughput.requests_per_s, throughput.output_tokens_per_s, goodput.share, goodput.rate) → "< 400", "<=", ">", ">=", "=="',
      ),
    slo: z
      .strictObject({
        ttft_ms: z.number().positive().optional().describe('time to first token at most, ms'),
        tpot_ms: z.number().positive().optional().describe('time per output token at most, ms'),
        itl_ms: z.number().positive().optional().describe("the request's largest gap between deltas at most, ms"),
        e2e_ms: z.number().positive().optional().describe('end to end at most, ms'),
        overhead_ms: z.number().positive().optional().describe('per-roundtrip overhead at most, ms'),
      })
      .optional()
      .describe('per-request limits: goodput is the share and rate of requests that succeeded within every one'),
    sweep: z
      .strictObject({
        param: z
          .string()
          .regex(/^(load|request|server|timeout|block)(\.[a-z_]+)*$/, {
            error: 'expected a dotted path under load, request, server, timeout or block (e.g. load.concurrency, request.prompt_tokens)',
          })
          .describe('dotted scenario path to vary'),
        values: z.array(z.union([z.number(), z.string(), z.boolean()])).min(1).max(64).describe('one step per value, in order'),
      })
      .optional()
      .describe('run the scenario once per value of one parameter; result.json gets one step per value'),
  })
  .refine((s) => s.server === undefined || !isUrlTarget(s.target), {
    path: ['server'],
    error: 'server options apply only to target: embedded; remove them or use the embedded target',
    // Checked even when other fields are invalid, as long as the two it looks at are usable.
    when: (p) => {
      const v = p.value as { target?: unknown; server?: unknown } | null;
      return typeof v === 'object' && v !== null && typeof v.target === 'string' && v.server !== undefined;
    },
  })
  .superRefine((s, ctx) => {
    const secure = s.target === 'embedded' ? s.server?.tls === true : /^(https|wss):/i.test(s.target);
    s.variants.forEach((v, i) => {
      if (v.connection === 'http2' && !secure) {
        ctx.addIssue({
          code: 'custom',
          path: ['variants', i, 'connection'],
          message: 'http2 needs TLS (h2 is negotiated by ALPN; cleartext h2c is not supported): an https:// target, or server.tls: true',
        });
      }
    });
    const names = new Set(s.variants.map((v) => v.name));
    s.claims?.forEach((c, i) => {
      for (const side of ['baseline', 'candidate'] as const) {
        if (!names.has(c[side])) {
          ctx.addIssue({
            code: 'custom',
            path: ['claims', i, side],
            message: `expected a variant name (${[...names].join(', ')}), got "${c[side]}"`,
          });
        }
      }
    });
    for (const [key, expression] of Object.entries(s.thresholds ?? {})) {
      const problem = parseThreshold(key, expression, { variants: [...names], slo: s.slo !== undefined });
      if (typeof problem === 'string') ctx.addIssue({ code: 'custom', path: ['thresholds', key], message: problem });
    }
    if (s.load.kind !== 'session') return;
    if (s.interrupt !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['interrupt'], message: 'interrupt applies to closed and open loads, not to sessions' });
    }
    s.variants.forEach((v, i) => {
      if (!sessionCapable(v.protocol)) {
        ctx.addIssue({
          code: 'custom',
          path: ['variants', i, 'protocol'],
          message: `load.kind session needs a protocol that reports function calls (${PROTOCOL_KINDS.filter(sessionCapable).join(', ')}); ${v.protocol} does not`,
        });
      }
    });
  })
  .transform(({ $schema: _, ...s }) => {
    const headers = lowerKeys(s.headers);
    return {
      ...s,
      server: s.target === 'embedded' ? (s.server ?? ServerOptionsSchema.parse({})) : undefined,
      headers,
      // Each variant carries its effective headers and TLS options, so consumers need not merge (header
      // names are case-insensitive).
      variants: s.variants.map((v) => ({ ...v, headers: { ...headers, ...lowerKeys(v.headers) }, tls: { ...s.tls, ...v.tls } })),
    };
  });

function lowerKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

export type Scenario = z.output<typeof ScenarioSchema>;
export type ServerOptions = z.output<typeof ServerOptionsSchema>;
export type RequestSpec = Scenario['request'];
export type Variant = Scenario['variants'][number];
export type LoadSpec = Scenario['load'];
