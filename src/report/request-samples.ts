import { createReadStream, existsSync } from 'node:fs';
import type { MetricName } from '../metrics/catalog.js';
import {
  completionValues,
  PER_REQUEST_METRICS,
  REQUEST_STAMPS,
  streamedTokens,
  streamValues,
  type PerRequestMetric,
  type RequestStamps,
  type ValueSink,
} from '../metrics/request-metrics.js';
import type { RequestLine } from '../metrics/variant-recorder.js';
import type { SampleSource } from './compare.js';
import { variantKey } from './result.js';

/** Samples held per variant and metric at most (16 MB); beyond, compare resamples the histogram. */
export const SAMPLE_CAP = 2_000_000;

/** Why a per-token or per-session metric has no exact samples. */
export const NOT_PER_REQUEST = 'not one value per request';

/** A Float64Array that grows by doubling up to a cap, and drops its values once a sample would exceed it. */
class Column {
  private values = new Float64Array(0);
  n = 0;
  overflow = false;

  constructor(private readonly cap: number) {}

  push(v: number): void {
    if (this.overflow) return;
    if (this.n === this.cap) {
      this.overflow = true;
      this.values = new Float64Array(0);
      return;
    }
    if (this.n === this.values.length) {
      const grown = new Float64Array(Math.min(this.cap, Math.max(1024, 2 * this.n)));
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.n++] = v;
  }

  get samples(): Float64Array {
    return this.values.subarray(0, this.n);
  }
}

/** Which of a line's metrics the histograms hold: VariantRecorder.commit's branches, in its order. */
export function countedAs(l: RequestLine): 'stream' | 'request' | undefined {
  // A retried attempt, a request the user's stop cut short (the only lines with error class `interrupted`), warm-up.
  if (l.retried || (!l.ok && l.error?.class === 'interrupted') || l.warmup) return undefined;
  // A stream the scenario's interrupt cancelled counts what it measured until the cancel.
  if (l.cancelled) return 'stream';
  return l.ok ? 'request' : undefined;
}

/**
 * A day, ns: a line's times are put on a clock that started this long before the run, so that no stamp
 * reads 0, Timeline's "never happened". Phases are whole µs (3 decimals of ms), so stamps are integers.
 */
const EPOCH = 86_400e9;
const ns = (ms: number): number => Math.round(ms * 1e6);
/** 1 ms, ns: the shortest decode span whose µs rounding stays within the histogram's 0.1%. */
const MIN_DECODE_SPAN = 1e6;

/** A line's stamps and latency origin (its intended start, as the recorder's) in Timeline's terms. */
function stampsOf(l: RequestLine): { stamps: RequestStamps; origin: number } {
  const start = EPOCH + ns(l.start_ms);
  const stamps = { deltas: l.deltas } as Record<keyof RequestStamps, number>;
  for (const p of REQUEST_STAMPS) stamps[p] = l.phases[p] === undefined ? 0 : start + ns(l.phases[p]);
  return { stamps, origin: EPOCH + ns(l.intended_ms) };
}

/**
 * The output tokens that arrived as deltas, as outputTokens counted them; undefined when the line cannot
 * tell: it has the usage's reasoning tokens but not whether any of them streamed, unless they came first.
 */
function streamedOf(l: RequestLine): number | undefined {
  if (l.token_source !== 'usage' || !l.reasoning_tokens) return l.output_tokens;
  return l.first_channel === 'reasoning' ? streamedTokens(l.output_tokens, l.reasoning_tokens, true) : undefined;
}

const isPerRequest = (m: MetricName): m is PerRequestMetric => (PER_REQUEST_METRICS as readonly MetricName[]).includes(m);

/**
 * One variant's per-request metrics from its requests.jsonl lines, computed by the very functions that
 * recorded the histograms, from the same stamps (to the µs the lines keep).
 */
export class VariantSamples implements ValueSink, SampleSource {
  private readonly columns = new Map<PerRequestMetric, Column>();
  /** Set by the first line whose rate the lines cannot reproduce: hidden reasoning (tpot_ms, decode_tps)… */
  private rateUnknown = false;
  /** …or a decode span under 1 ms (decode_tps). */
  private decodeCoarse = false;

  constructor(private readonly cap = SAMPLE_CAP) {}

  record(name: PerRequestMetric, value: number): void {
    let c = this.columns.get(name);
    if (c === undefined) this.columns.set(name, (c = new Column(this.cap)));
    c.push(value);
  }

  add(l: RequestLine): void {
    const counted = countedAs(l);
    if (counted === undefined) return;
    const { stamps, origin } = stampsOf(l);
    streamValues(stamps, origin, this);
    if (counted === 'stream') return;
    const streamed = streamedOf(l);
    if (streamed === undefined) this.rateUnknown = true;
    // decode_tps divides by the decode span, so the µs a line rounds its stamps to weigh 1/span: under
    // 1 ms that is coarser than the histogram's 3 digits (tokens in one burst, as a local server sends them).
    const span = stamps.lastDelta - stamps.firstDelta;
    if (span > 0 && span < MIN_DECODE_SPAN) this.decodeCoarse = true;
    // Without the streamed count no rate is recorded (0 tokens), the request's end still is.
    completionValues(stamps, origin, streamed ?? 0, this);
  }

  /**
   * The samples of `metric` if they are all the histogram's: as many as its `count` — a requests.jsonl
   * from another run, edited, or cut short says so by its count, and then the histogram serves.
   */
  exact(metric: MetricName, count: number): Float64Array | string {
    if (!isPerRequest(metric)) return NOT_PER_REQUEST;
    if (this.rateUnknown && (metric === 'tpot_ms' || metric === 'decode_tps')) return 'hidden reasoning tokens: streamed count not in requests.jsonl';
    if (this.decodeCoarse && metric === 'decode_tps') return 'decode spans under 1 ms: the µs in requests.jsonl are too coarse';
    const c = this.columns.get(metric) ?? new Column(0);
    if (c.overflow) return `more than ${this.cap} samples`;
    return c.n === count ? c.samples : `requests.jsonl has ${c.n} samples, the histogram ${count}`;
  }
}

/** requests.jsonl read for compare: per variant key asked for, its samples; and what was tolerated. */
export interface RequestSamples {
  variants: Map<string, VariantSamples>;
  warnings: string[];
}

const finite = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);

/** What makes a parsed line unusable, checked by hand: a schema library would cost more than the parse. */
function problem(x: unknown): string | undefined {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return 'not an object';
  const l = x as Record<string, unknown>;
  if (typeof l.variant !== 'string') return 'no variant name';
  if (l.step !== undefined && !(Number.isInteger(l.step) && (l.step as number) >= 0)) return 'step is not a step number';
  for (const k of ['warmup', 'ok']) if (typeof l[k] !== 'boolean') return `${k} is not true or false`;
  for (const k of ['intended_ms', 'start_ms', 'deltas', 'output_tokens']) if (!finite(l[k])) return `${k} is not a number`;
  if (l.reasoning_tokens !== undefined && !finite(l.reasoning_tokens)) return 'reasoning_tokens is not a number';
  if (typeof l.phases !== 'object' || l.phases === null || !Object.values(l.phases).every(finite)) return 'phases are not all numbers';
  return undefined;
}

function parse(text: string): RequestLine {
  let x: unknown;
  try {
    x = JSON.parse(text);
  } catch (err) {
    throw new Error(`not JSON (${(err as Error).message})`);
  }
  const why = problem(x);
  if (why !== undefined) throw new Error(why);
  return x as RequestLine;
}

/**
 * Streams `file` (a result's requests.jsonl, possibly millions of lines) into the samples of the variants
 * `keys` names (compare's names: `step2.ws` in a sweep); undefined when there is no such file.
 *
 * A line that is not a request line throws, naming file and line: a file damaged or edited mid-way is a
 * surprise to stop on rather than to average over silently (`--no-requests` compares the histograms
 * alone). Only an incomplete last line, which is what a killed run leaves, is skipped with a warning.
 */
export async function readRequestSamples(file: string, keys: Iterable<string>, cap = SAMPLE_CAP): Promise<RequestSamples | undefined> {
  if (!existsSync(file)) return undefined;
  const variants = new Map([...keys].map((k) => [k, new VariantSamples(cap)]));
  const warnings: string[] = [];
  let lineNo = 0;
  const take = (text: string): void => {
    lineNo++;
    if (text.trim() === '') return;
    let l: RequestLine;
    try {
      l = parse(text);
    } catch (err) {
      throw new Error(`${file}:${lineNo}: not a request line: ${(err as Error).message} (--no-requests compares the histograms alone)`);
    }
    variants.get(variantKey(l.variant, l.step))?.add(l);
  };
  let rest = '';
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    const lines = (rest + (chunk as string)).split('\n');
    rest = lines.pop()!;
    for (const text of lines) take(text);
  }
  if (rest.trim() !== '') {
    try {
      take(rest);
    } catch {
      warnings.push(`${file}:${lineNo}: incomplete last line ignored (the run was cut short?)`);
    }
  }
  return { variants, warnings };
}
