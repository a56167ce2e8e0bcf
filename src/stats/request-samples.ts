import { existsSync } from 'node:fs';

import type { MetricName } from '../core/catalog.js';
import {
  completionValues,
  lengthValues,
  PER_REQUEST_METRICS,
  type PerRequestMetric,
  type RequestStamps,
  streamedTokens,
  streamValues,
  type ValueSink,
} from '../metrics/request-metrics.js';
import { countedAs } from '../result/requests/counted.js';
import { PHASES, type RequestLine } from '../result/requests/line.js';
import { readRequestLines } from '../result/requests/read.js';
import { variantKey } from '../result/result.js';
import type { SampleSource } from './compare.js';

/**
 * Exact samples held per variant and metric at most. Beyond ~100k the histogram (3 significant digits,
 * < 0.1%) already pins p50 and p99 tighter than their bootstrap intervals are wide: exact values would
 * only cost memory, so compare resamples the histogram.
 */
export const SAMPLE_CAP = 200_000;

/**
 * Bytes of exact samples one compare holds at most, all variants and both results together: with a sweep's
 * dozens of variants, the per-column cap alone would not bound it. Two results of 4 variants at the cap in
 * the 6 columns most runs fill (ttfb, overhead, ttft, e2e as whole µs, 4 bytes; tpot, decode_tps as float64)
 * take 51 MB; with all 10 (DNS, connect, TLS, handshake on every request) 77 MB, so some fall back.
 */
export const SAMPLE_BUDGET = 64 * 2 ** 20;

const size = (bytes: number): string =>
  bytes >= 2 ** 20 ? `${+(bytes / 2 ** 20).toFixed(1)} MB` : `${+(bytes / 1024).toFixed(1)} kB`;

/**
 * What one compare may hold of exact samples: at most `cap` per variant and metric, and `bytes` over all
 * of them (shared by every VariantSamples of both results; allocations are charged, a column dropped gives
 * its bytes back). Past either, the column is dropped and its metric compared from the histograms, the
 * reason in `source_note`.
 */
export class SampleMemory {
  used = 0;

  constructor(
    readonly cap = SAMPLE_CAP,
    readonly bytes = SAMPLE_BUDGET,
  ) {}

  take(n: number): boolean {
    if (this.used + n > this.bytes) return false;
    this.used += n;
    return true;
  }

  give(n: number): void {
    this.used -= n;
  }

  get capNote(): string {
    return `more than ${this.cap} samples (compare holds no more per variant and metric: the histogram's 0.1% is as precise)`;
  }

  get budgetNote(): string {
    return `exact samples beyond compare's ${size(this.bytes)} for all variants (the histogram's 0.1% is as precise)`;
  }
}

/** Why a per-token or per-session metric has no exact samples. */
export const NOT_PER_REQUEST = 'not one value per request';

/** Whole µs as a Uint32Array holds them, when `v` (ms) is one exactly — as every phase difference of a line is. */
function micros(v: number): number | undefined {
  const us = Math.round(v * 1000);
  return us >= 0 && us <= 0xffffffff && us / 1000 === v ? us : undefined;
}

/**
 * One variant's samples of one metric, growing by doubling up to the cap: whole µs in a Uint32Array (4
 * bytes) while every value is one — the ms metrics, whose stamps the lines keep to the µs — else float64
 * (tpot_ms, decode_tps). Either way exact: a value is kept as µs only if it decodes to itself. Dropped,
 * with the reason, at the cap or when the shared budget refuses to grow it.
 */
class Column {
  private us: Uint32Array | undefined = new Uint32Array(0);
  private fl: Float64Array | undefined;
  n = 0;
  dropped: string | undefined;

  constructor(private readonly memory: SampleMemory) {}

  private get bytes(): number {
    return this.us !== undefined ? this.us.byteLength : (this.fl?.byteLength ?? 0);
  }

  private drop(why: string): void {
    this.memory.give(this.bytes);
    this.us = this.fl = undefined;
    this.dropped = why;
  }

  /** Room for one more value, as µs or as float64: false once dropped. */
  private room(float: boolean): boolean {
    const capacity = this.us?.length ?? this.fl!.length;
    const next = this.n === capacity ? Math.min(this.memory.cap, Math.max(1024, 2 * this.n)) : capacity;
    if (next === capacity && !(float && this.us !== undefined)) return true;
    const more = next * (float ? 8 : 4) - this.bytes;
    if (!this.memory.take(more)) {
      this.drop(this.memory.budgetNote);
      return false;
    }
    if (float) {
      const grown = new Float64Array(next);
      if (this.us !== undefined) for (let i = 0; i < this.n; i++) grown[i] = this.us[i] / 1000;
      else grown.set(this.fl!.subarray(0, this.n));
      this.fl = grown;
      this.us = undefined;
    } else {
      const grown = new Uint32Array(next);
      grown.set(this.us!.subarray(0, this.n));
      this.us = grown;
    }
    return true;
  }

  push(v: number): void {
    if (this.dropped !== undefined) return;
    if (this.n === this.memory.cap) return this.drop(this.memory.capNote);
    const us = this.us === undefined ? undefined : micros(v);
    if (!this.room(us === undefined)) return;
    if (us !== undefined) this.us![this.n++] = us;
    else this.fl![this.n++] = v;
  }

  /** The values in ms (or tok/s): a float64 copy of µs, the float64 column's own values else. */
  get samples(): Float64Array {
    if (this.fl !== undefined) return this.fl.subarray(0, this.n);
    const out = new Float64Array(this.n);
    for (let i = 0; i < this.n; i++) out[i] = this.us![i] / 1000;
    return out;
  }

  /** Whether the values are held as whole µs (4 bytes each) or float64; undefined once dropped. */
  get asMicros(): boolean | undefined {
    return this.dropped !== undefined ? undefined : this.us !== undefined;
  }
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
export function stampsOf(l: RequestLine): { stamps: RequestStamps; origin: number } {
  const start = EPOCH + ns(l.start_ms);
  const stamps = { deltas: l.deltas } as Record<keyof RequestStamps, number>;
  for (const p of PHASES) stamps[p] = l.phases[p] === undefined ? 0 : start + ns(l.phases[p]);
  return { stamps, origin: EPOCH + ns(l.intended_ms) };
}

/**
 * The output tokens that arrived as deltas, as outputTokens counted them; undefined when the line cannot
 * tell: it has the usage's reasoning tokens but not whether any of them streamed, unless they came first.
 */
export function streamedOf(l: RequestLine): number | undefined {
  if (l.token_source !== 'usage' || !l.reasoning_tokens) return l.output_tokens;
  return l.first_channel === 'reasoning' ? streamedTokens(l.output_tokens, l.reasoning_tokens, true) : undefined;
}

const isPerRequest = (m: MetricName): m is PerRequestMetric =>
  (PER_REQUEST_METRICS as readonly MetricName[]).includes(m);

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

  constructor(private readonly memory = new SampleMemory()) {}

  record(name: PerRequestMetric, value: number): void {
    let c = this.columns.get(name);
    if (c === undefined) this.columns.set(name, (c = new Column(this.memory)));
    c.push(value);
  }

  /** Whether `metric`'s samples are held as whole µs (4 bytes each) rather than float64; undefined if none are. */
  asMicros(metric: PerRequestMetric): boolean | undefined {
    return this.columns.get(metric)?.asMicros;
  }

  add(l: RequestLine): void {
    // The lines whose values the histograms hold: successes, and what a cancelled stream measured.
    const counted = countedAs(l);
    if (counted !== 'ok' && counted !== 'cancelled') return;
    const { stamps, origin } = stampsOf(l);
    streamValues(stamps, origin, this);
    if (counted === 'cancelled') return;
    const streamed = streamedOf(l);
    if (streamed === undefined) this.rateUnknown = true;
    // decode_tps divides by the decode span, so the µs a line rounds its stamps to weigh 1/span: under
    // 1 ms that is coarser than the histogram's 3 digits (tokens in one burst, as a local server sends them).
    const span = stamps.lastDelta - stamps.firstDelta;
    if (span > 0 && span < MIN_DECODE_SPAN) this.decodeCoarse = true;
    // Without the streamed count no rate is recorded (0 tokens), the request's end still is.
    completionValues(stamps, origin, streamed ?? 0, this);
    lengthValues(l.input_tokens ?? l.prompt_tokens, l.output_tokens, this);
  }

  /**
   * The samples of `metric` if they are all the histogram's: as many as its `count` — a requests.jsonl
   * from another run, edited, or cut short says so by its count, and then the histogram serves.
   */
  exact(metric: MetricName, count: number): Float64Array | string {
    if (!isPerRequest(metric)) return NOT_PER_REQUEST;
    if (this.rateUnknown && (metric === 'tpot_ms' || metric === 'decode_tps'))
      return 'hidden reasoning tokens: streamed count not in requests.jsonl';
    if (this.decodeCoarse && metric === 'decode_tps')
      return 'decode spans under 1 ms: the µs in requests.jsonl are too coarse';
    const c = this.columns.get(metric);
    if (c?.dropped !== undefined) return c.dropped;
    const n = c?.n ?? 0;
    return n === count
      ? (c?.samples ?? new Float64Array(0))
      : `requests.jsonl has ${n} samples, the histogram ${count}`;
  }
}

/** requests.jsonl read for compare: per variant key asked for, its samples; and what was tolerated. */
export interface RequestSamples {
  variants: Map<string, VariantSamples>;
  warnings: string[];
}

/**
 * Streams `file` (a result's requests.jsonl, possibly millions of lines) into the samples of the variants
 * `keys` names (compare's names: `step2.ws` in a sweep); undefined when there is no such file. A damaged
 * line throws (see readRequestLines), saying how to compare without the file; an incomplete last line is
 * skipped with a warning.
 */
export async function readRequestSamples(
  file: string,
  keys: Iterable<string>,
  memory = new SampleMemory(),
): Promise<RequestSamples | undefined> {
  if (!existsSync(file)) return undefined;
  const variants = new Map([...keys].map((k) => [k, new VariantSamples(memory)]));
  const warnings: string[] = [];
  const onCut = (where: string) => warnings.push(`${where}: incomplete last line ignored (the run was cut short?)`);
  try {
    for await (const l of readRequestLines(file, { onCut })) variants.get(variantKey(l.variant, l.step))?.add(l);
  } catch (err) {
    throw new Error(`${(err as Error).message} (--no-requests compares the histograms alone)`, { cause: err });
  }
  return { variants, warnings };
}
