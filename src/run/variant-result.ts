import { now } from '../core/clock.js';
import type { Nanos } from '../core/types.js';
import type { VariantRecorder } from '../metrics/variant-recorder.js';
import { completedRate, tokenSource, type VariantResult } from '../result/result.js';

/** Harness time (monotonic ns) on the wall clock, which is what can be compared across machines. */
export type WallClock = (t: Nanos) => Date;

/**
 * Harness time to the wall clock, from both clocks read back to back now: exact to Date's millisecond
 * (a run's start time has set-up between its two readings).
 */
export function wallClock(): WallClock {
  const wallMs = Date.now();
  const monoNs = now();
  return (t) => new Date(wallMs - (monoNs - t) / 1e6);
}

/** What a variant is, as result.json names it. */
export interface VariantMeta {
  name: string;
  protocol: string;
  connection: string;
}

/**
 * One variant's entry of result.json, from what its recorder folded up. With `wall`, it also says when
 * its measured window began and ended on the wall clock, so `merge` can line up shards of other machines.
 */
export function variantResult(
  variant: VariantMeta,
  rec: VariantRecorder,
  requestedRate?: number,
  wall?: WallClock,
): VariantResult {
  const window = rec.windowSeconds;
  const startSpan = (rec.lastStart - rec.firstStart) / 1e9;
  const rate =
    requestedRate === undefined
      ? {}
      : { rate: { requested: requestedRate, achieved: startSpan > 0 ? round2((rec.requests - 1) / startSpan) : 0 } };
  return {
    name: variant.name,
    protocol: variant.protocol,
    connection: variant.connection,
    counts: {
      requests: rec.requests,
      ok: rec.ok,
      errors: { ...rec.errors },
      warmup: rec.warmup,
      ...(rec.interrupted > 0 ? { interrupted: rec.interrupted } : {}),
      ...(rec.cancelled > 0 ? { cancelled: rec.cancelled } : {}),
      ...(rec.retries > 0 ? { retries: rec.retries } : {}),
    },
    ...(Object.keys(rec.firstErrors).length > 0 ? { first_errors: { ...rec.firstErrors } } : {}),
    tokens: {
      output: rec.output,
      input: rec.input,
      source: tokenSource(rec.bySource),
      by_source: { ...rec.bySource },
      ...(rec.cachedReported > 0 ? { cached_input: rec.cached } : {}),
    },
    ...(rec.lengths.checked > 0 ? { output_lengths: outputLengths(rec.lengths) } : {}),
    connections: { opened: rec.connectionsOpened },
    ...(rec.wireTokens > 0 ? { wire: wire(rec.wireBytes, rec.wireTokens) } : {}),
    window_s: Math.round(window * 1000) / 1000,
    ...(wall !== undefined && rec.requests > 0
      ? { started_at: wall(rec.firstStart).toISOString(), ended_at: wall(rec.lastEnd).toISOString() }
      : {}),
    throughput: throughput(rec.ok, rec.output, window),
    ...rate,
    ...(rec.slo !== undefined ? { goodput: goodput(rec.good, rec.requests, window) } : {}),
    ...(rec.sessions !== undefined
      ? { sessions: { ...rec.sessions, failed: rec.sessions.total - rec.sessions.ok } }
      : {}),
    metrics: rec.metrics.summaries(),
    ...(rec.definitions !== undefined ? { definitions: rec.definitions.summaries() } : {}),
  };
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

function outputLengths(l: VariantRecorder['lengths']): NonNullable<VariantResult['output_lengths']> {
  return { requests: l.checked, short: l.short, requested_tokens: l.requested, received_tokens: l.received };
}

/** Successful requests and output tokens per second of the measured window (`merge` recomputes them too). */
export function throughput(ok: number, output: number, window: number): VariantResult['throughput'] {
  return {
    requests_per_s: window > 0 ? round2(ok / window) : 0,
    output_tokens_per_s: window > 0 ? Math.round((output / window) * 10) / 10 : 0,
  };
}

/** Bytes read per output token of the responses whose bytes could be attributed. */
export function wire(bytes: number, tokens: number): NonNullable<VariantResult['wire']> {
  return { bytes_in: bytes, output_tokens: tokens, bytes_per_output_token: Math.round((bytes / tokens) * 10) / 10 };
}

/** With an `slo`: the requests that met it, their share and their rate over the measured window. */
export function goodput(good: number, requests: number, window: number): NonNullable<VariantResult['goodput']> {
  return {
    share: requests > 0 ? Math.round((good / requests) * 1e4) / 1e4 : 0,
    rate_per_s: window > 0 ? round2(good / window) : 0,
    good,
    requests,
  };
}

/** What a reader of the numbers must know about how they were counted or what they include. */
export function variantWarnings(variants: readonly VariantResult[], uniquePrompts = false): string[] {
  return [
    ...clientWarnings(variants),
    ...tokenWarnings(variants),
    ...saturationWarnings(variants),
    ...reconnectWarnings(variants),
    ...lengthWarnings(variants),
    ...(uniquePrompts ? cacheWarnings(variants) : []),
  ];
}

/** Requests that failed on this machine's own limits: the endpoint is not to blame, and the figures are the client's. */
function clientWarnings(variants: readonly VariantResult[]): string[] {
  return variants.flatMap((v) => {
    const n = v.counts.errors.client ?? 0;
    if (n === 0) return [];
    return [
      `${v.name}: ${n} request(s) failed on this machine's own limits (class client: out of file descriptors, memory ` +
        'or buffers), not the endpoint: raise `ulimit -n` or lower the load',
    ];
  });
}

/** A share of requests that must end early before the summary says so. */
const SHORT_SHARE = 0.05;

/** An endpoint that stops before max_output_tokens makes every per-token figure about shorter answers. */
function lengthWarnings(variants: readonly VariantResult[]): string[] {
  return variants.flatMap((v) => {
    const l = v.output_lengths;
    if (l === undefined || l.short < SHORT_SHARE * l.requests) return [];
    const pct = Math.round((100 * l.short) / l.requests);
    const got = Math.round((100 * l.received_tokens) / l.requested_tokens);
    return [
      `${v.name}: ${l.short} of ${l.requests} requests (${pct}%) ended before max_output_tokens (${got}% of the tokens asked for ` +
        'arrived): the endpoint stopped by itself, so output lengths and E2E are not what was asked; where the server honours ' +
        'them (vLLM, SGLang), exact_output: [ignore_eos, min_tokens] makes them exact',
    ];
  });
}

/** Unique prompts that the endpoint still served from its cache: the input was not what reached prefill. */
function cacheWarnings(variants: readonly VariantResult[]): string[] {
  return variants.flatMap((v) => {
    const cached = v.tokens.cached_input ?? 0;
    if (v.tokens.input === 0 || cached < SHORT_SHARE * v.tokens.input) return [];
    return [
      `${v.name}: the endpoint served ${Math.round((100 * cached) / v.tokens.input)}% of the input tokens from its prompt cache ` +
        '(usage cached_tokens) although every prompt differs from its first token: TTFT holds less prefill than the lengths suggest',
    ];
  });
}

function tokenWarnings(variants: readonly VariantResult[]): string[] {
  return variants
    .filter((v) => v.tokens.by_source.chunks > 0 || v.tokens.by_source.tokenizer > 0)
    .map(
      (v) =>
        `${v.name}: ${v.tokens.by_source.tokenizer + v.tokens.by_source.chunks} of ${v.counts.ok} responses reported ` +
        `no usage; their token counts come from the client (o200k tokenizer: ${v.tokens.by_source.tokenizer}, ` +
        `delta count: ${v.tokens.by_source.chunks}), which may differ from the model’s`,
    );
}

const KEEPS_CONNECTIONS: ReadonlySet<string> = new Set(['http-keepalive', 'http2', 'ws-persistent']);

/**
 * A policy that keeps its connections should open none while measuring; when it did, say so, once for
 * every variant it concerns (the counts in the names): the cause and the advice are the same.
 */
function reconnectWarnings(variants: readonly VariantResult[]): string[] {
  const why = (v: VariantResult): string =>
    v.counts.cancelled !== undefined
      ? 'connections opened during the measured window: cancelling a stream closes its connection (HTTP/1.1 ' +
        'cannot abandon a response; Responses WebSocket mode has no cancel), so redirects pay connection ' +
        'set-up, in redirect_ms and in their own TTFT'
      : v.rate !== undefined
        ? 'connections opened during the measured window: in an open loop a request that finds every kept ' +
          'connection busy opens another, so those requests include connection set-up; at a rate the endpoint ' +
          'keeps up with, few do'
        : 'connections opened during the measured window (more requests in flight than warm connections, the ' +
          'server closed some, or requests failed): those requests include connection set-up; a longer warm-up ' +
          'keeps it out';
  return grouped(
    variants
      .filter((v) => KEEPS_CONNECTIONS.has(v.connection) && v.connections.opened > 0)
      .map((v) => [`${v.name} (${v.connections.opened})`, why(v)]),
  );
}

/** `[name, text]` pairs as warnings, the names that share a text on one line: `a (3), b (1): text`. */
function grouped(pairs: readonly (readonly [string, string])[]): string[] {
  const byText = new Map<string, string[]>();
  for (const [name, text] of pairs) byText.set(text, [...(byText.get(text) ?? []), name]);
  return [...byText].map(([text, names]) => `${names.join(', ')}: ${text}`);
}

/** A completion rate below this share of the arrival rate means requests queued: the endpoint fell behind. */
const KEPT_UP_SHARE = 0.9;

/**
 * An open loop past the endpoint's capacity measures its queue: requests arrive faster than they
 * complete and every latency grows with the run's length. Completions are counted over the window less
 * one typical request (the last one's own latency, which a run within capacity also ends with).
 */
function saturationWarnings(variants: readonly VariantResult[]): string[] {
  return variants.flatMap((v) => {
    const done = completedRate(v);
    if (v.rate === undefined || done === undefined || done >= KEPT_UP_SHARE * v.rate.requested) return [];
    const ttft = v.metrics.ttft_ms;
    return [
      `${v.name}: past capacity: ${round2(v.rate.requested)} req/s arrived, ${round2(done)}/s completed, so requests ` +
        `queued${ttft === undefined ? '' : ` (TTFT p50 ${round2(ttft.p50)} ms, p99 ${round2(ttft.p99)} ms)`} and ` +
        'every latency grows with the run: these figures measure the queue; lower load.rate, or sweep it to find the knee',
    ];
  });
}

/** The one line per finished variant printed while a run goes on. */
export function progressLine(name: string, rec: VariantRecorder): string {
  const errors = rec.requests - rec.ok;
  const ttft = rec.ttftMedian();
  const tail = ttft === undefined ? '' : `, TTFT p50 ${ttft.toFixed(1)} ms`;
  return `${name}: ${rec.ok}/${rec.requests} ok${errors > 0 ? `, ${errors} failed` : ''}${tail}`;
}
