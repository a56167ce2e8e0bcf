/**
 * The scenario file schema. Keys are snake_case as written in the file; the parsed `Scenario` keeps them
 * so that a result file, an error message and the documentation all use the same names.
 */
import * as z from 'zod';

import { METRICS } from '../core/catalog.js';
import { DEFINITIONS } from '../core/definitions.js';
import { SERVER_PRESETS } from '../core/server-metrics.js';
import { ERROR_CLASSES } from '../core/types.js';
import { parseThreshold } from '../result/thresholds.js';
import { describeValue } from '../shared/input-error.js';
import { Headers, Name, TlsSchema } from './fields.js';
import { MAX_WAIT_S } from './limits.js';
import { LoadSchema } from './load-schema.js';
import { ServerOptionsSchema } from './server-options.js';
import { Variants } from './variant-schema.js';
import { DatasetSchema, RequestSchema, workloadIssues } from './workload-schema.js';

export { DEFAULT_PROMPT_TOKENS, MAX_OUTPUT_TOKENS, MAX_PROMPT_TOKENS } from './limits.js';
export { DEFAULT_REQUESTS, DEFAULT_SESSIONS, MAX_TURNS } from './load-schema.js';

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

const NetworkSchema = z
  .strictObject({
    rtt_ms: z.number().min(0).max(10_000).describe('round-trip time added by the relay (half each way)'),
    jitter_ms: z.number().min(0).max(10_000).default(0).describe('seeded jitter per direction, order kept'),
    bandwidth_kbps: z
      .number()
      .positive()
      .optional()
      .describe('link bandwidth per direction, kilobits/s (shared by all connections)'),
    seed: z.int().default(1),
  })
  .describe('emulate a network between client and target with a relay process on loopback (docs/network.md)');

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
      .describe(
        'more header names whose values never reach a file or log (authorization, x-api-key, api-key are always redacted)',
      ),
    request: RequestSchema.prefault({}),
    dataset: DatasetSchema.optional(),
    variants: Variants,
    load: LoadSchema.prefault({ kind: 'closed' }),
    timeout: z
      .number()
      .positive()
      .max(MAX_WAIT_S)
      .default(60)
      .describe(`per-request timeout, seconds (at most ${MAX_WAIT_S}: 24.8 days, the longest a timer waits)`),
    retries: z
      .strictObject({
        max: z.int().min(0).max(10).default(0).describe('attempts after the first (0: no retries, the default)'),
        on: z
          .array(z.enum(ERROR_CLASSES))
          .default(['rate_limited', 'server_error', 'connect', 'reset'])
          .describe('failure classes worth another attempt'),
        backoff_ms: z
          .number()
          .min(0)
          .max(MAX_WAIT_S * 1000, {
            error: `at most ${MAX_WAIT_S * 1000} ms (24.8 days), the longest wait a timer can make`,
          })
          .default(500)
          .describe('wait before retry k: backoff_ms · 2^(k−1), unless the server sent retry-after'),
      })
      .optional()
      .describe('retry failed requests (closed and open loads); latencies then count from the first attempt'),
    idle_timeout: z
      .number()
      .positive()
      .max(MAX_WAIT_S)
      .optional()
      .describe(
        'fail a request after this many seconds without progress (a stalled stream); default: only the timeout',
      ),
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
    workers: z
      .int()
      .min(1)
      .max(64)
      .default(1)
      .describe(
        'worker threads, each running an equal part of the load (as --shard splits it) on its own connections; one result',
      ),
    interrupt: z
      .strictObject({
        after_tokens: z.int().min(1).describe('output tokens (o200k) after which each stream is cancelled'),
        redirect: z.string().min(1).describe('the prompt sent right after the cancel, on the same connection'),
      })
      .optional()
      .describe(
        'cancel every stream after N tokens and send a redirected request; measures redirect_ms (closed and open loads)',
      ),
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
          tolerance: z
            .number()
            .min(0)
            .lt(1)
            .default(0.05)
            .describe('how far below the claim still supports it (0.05 = 5 points)'),
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
    definitions: z
      .array(z.enum(DEFINITIONS))
      .optional()
      .describe(
        "also compute TTFT, ITL, TPOT and E2E per variant the way these tools do (each tool's own formulas, samples and token counts): docs/definitions.md",
      ),
    server_metrics: z
      .strictObject({
        url: z
          .url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL of a Prometheus /metrics page' })
          .optional()
          .describe("the endpoint's Prometheus metrics page (default with target: embedded: its /metrics)"),
        preset: z.enum(SERVER_PRESETS).describe('which server the page belongs to: the histogram names to read'),
        labels: z
          .record(z.string(), z.string())
          .default({})
          .describe('only series with all these labels (e.g. model_name: my-model)'),
        timeout_ms: z.int().min(1).max(60_000).default(2000).describe('per scrape, all told'),
      })
      .optional()
      .describe(
        "scrape the endpoint's own latency histograms around every block and set them beside the client's: docs/server-metrics.md",
      ),
    sweep: z
      .strictObject({
        param: z
          .string()
          .regex(/^(load|request|server|timeout|block)(\.[a-z_]+)*$/, {
            error:
              'expected a dotted path under load, request, server, timeout or block (e.g. load.concurrency, request.prompt_tokens)',
          })
          .describe('dotted scenario path to vary'),
        values: z
          .array(z.union([z.number(), z.string(), z.boolean()]))
          .min(1)
          .max(64)
          .describe('one step per value, in order'),
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
    if (s.server_metrics !== undefined && s.server_metrics.url === undefined && s.target !== 'embedded')
      ctx.addIssue({
        code: 'custom',
        path: ['server_metrics', 'url'],
        message:
          "required unless target: embedded (the endpoint's Prometheus metrics page, e.g. http://host:8000/metrics)",
      });
    const secure = s.target === 'embedded' ? s.server?.tls === true : /^(https|wss):/i.test(s.target);
    s.variants.forEach((v, i) => {
      if (v.connection === 'http2' && !secure) {
        ctx.addIssue({
          code: 'custom',
          path: ['variants', i, 'connection'],
          message:
            'http2 needs TLS (h2 is negotiated by ALPN; cleartext h2c is not supported): an https:// target, or server.tls: true',
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
    workloadIssues(s).forEach((issue) => ctx.addIssue({ code: 'custom', ...issue }));
  })
  .transform(({ $schema: _, ...s }) => {
    const headers = lowerKeys(s.headers);
    return {
      ...s,
      server: s.target === 'embedded' ? (s.server ?? ServerOptionsSchema.parse({})) : undefined,
      headers,
      // Each variant carries its effective headers and TLS options, so consumers need not merge (header
      // names are case-insensitive).
      variants: s.variants.map((v) => ({
        ...v,
        headers: { ...headers, ...lowerKeys(v.headers) },
        tls: { ...s.tls, ...v.tls },
      })),
    };
  });

function lowerKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

export type Scenario = z.output<typeof ScenarioSchema>;
export type RequestSpec = Scenario['request'];
export type DatasetSpec = NonNullable<Scenario['dataset']>;
export type Variant = Scenario['variants'][number];
export type LoadSpec = Scenario['load'];
