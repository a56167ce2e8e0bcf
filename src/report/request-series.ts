import { HIGHEST_TRACKABLE, type Histogram, newHistogram, SCALE } from '../metrics/histogram.js';
import { countedAs } from '../result/requests/counted.js';
import type { RequestLine } from '../result/requests/line.js';
import { readRequestLines } from '../result/requests/read.js';
import { variantKey } from '../result/result.js';
import { type Rng, rng } from '../shared/rng.js';

/** A sample request of the waterfall: its phases and token arrivals (ms since it started). */
export interface SampleRequest {
  i: number;
  /** When the load meant it to start, and when it did (open loop: the gap is queueing in the client). */
  intended_ms: number;
  start_ms: number;
  phases: Record<string, number>;
  token_ms: number[];
  /** A failed request: its error class (and code). */
  error?: string;
}

/** What the report draws over time for one variant (of one sweep step): bounded however long the run. */
export interface VariantSeries {
  /** `step<k>.<variant>` with a sweep (as the .hgrm files), else the variant. */
  label: string;
  /**
   * [seconds since the run started, TTFT ms]: a uniform sample of the requests the histograms count
   * (successes, and the streams an interrupt cancelled on purpose).
   */
  ttft: [number, number][];
  /** [seconds since the run started, mean inter-token gap of the request, ms]: same requests. */
  gap: [number, number][];
  /** [input tokens, TTFT ms] of the sampled requests with an input length: of `withInput` requests. */
  ttftByInput: [number, number][];
  /** [output tokens, E2E ms] of the sampled requests that completed (not cancelled): of `completed`. */
  e2eByOutput: [number, number][];
  withInput: number;
  completed: number;
  /**
   * max_output_tokens of every completed request that says (as tokens × SCALE, the layout of result.json's
   * histograms): what the output_tokens histogram received, asked for.
   */
  requested?: Histogram;
  /** [second of the run, failed measured requests that started in it], for the seconds that had any. */
  failures: [number, number][];
  /** Requests that carried their token arrivals (the 1st, 2nd, 4th… success: see variant-recorder). */
  samples: SampleRequest[];
  /** The first measured failure, drawn with the samples to show where a request died. */
  failure?: SampleRequest;
  /** Requests with a first token seen (successes and cancelled streams), of which `ttft` holds a sample. */
  ok: number;
  failed: number;
}

/** Points kept per variant and series: more than a chart's width in pixels, few enough for one page. */
export const MAX_POINTS = 1500;
const MAX_SAMPLES = 8;

/**
 * Reservoir sampling (Algorithm R), seeded: a uniform sample of a stream of unknown length in fixed
 * memory, and the same file always gives the same page.
 */
class Reservoir<T> {
  readonly items: T[] = [];
  private seen = 0;
  constructor(
    private readonly size: number,
    private readonly rand: Rng,
  ) {}

  offer(item: T): void {
    this.seen++;
    if (this.items.length < this.size) this.items.push(item);
    else {
      const j = Math.floor(this.rand() * this.seen);
      if (j < this.size) this.items[j] = item;
    }
  }
}

/** One sampled request; NaN where it has no such value. */
interface Point {
  t: number;
  ttft: number;
  gap: number;
  input: number;
  output: number;
  e2e: number;
}

interface Building {
  points: Reservoir<Point>;
  /** Failures per whole second of the run: one entry per second that had any, so bounded by its length. */
  failures: Map<number, number>;
  samples: SampleRequest[];
  failure?: SampleRequest;
  ok: number;
  failed: number;
  withInput: number;
  completed: number;
  requested?: Histogram;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** A length into a histogram the way MetricSet records one; out of its range, it is left out. */
function record(h: Histogram, tokens: number): void {
  const v = Math.round(tokens * SCALE);
  if (v >= 0 && v <= HIGHEST_TRACKABLE) h.recordValue(v);
}

const sampleOf = (l: RequestLine) => ({ i: l.i, intended_ms: l.intended_ms, start_ms: l.start_ms, phases: l.phases });

/**
 * Reads a result's requests.jsonl line by line (a long run's file is far larger than memory should hold)
 * into per-variant series for the report: the lines the histograms count (the recorder's countedAs) and,
 * apart, the failures; with each sampled request its lengths, and the max_output_tokens every completed
 * one asked for. Latencies count from the intended start, as the histograms do (open loop:
 * queueing in the client is part of them). A line that is not a request line — the last one of a run
 * killed while writing — is skipped: a picture can do without it, unlike compare's statistics.
 */
export async function readRequestSeries(file: string, maxPoints = MAX_POINTS): Promise<Map<string, VariantSeries>> {
  const building = new Map<string, Building>();
  const rand = rng(1);
  for await (const line of readRequestLines(file, { skipDamaged: true })) {
    const counted = countedAs(line);
    if (counted !== 'ok' && counted !== 'cancelled' && counted !== 'failed') continue;
    const failed = counted === 'failed';
    const label = variantKey(line.variant, line.step);
    let b = building.get(label);
    if (b === undefined) {
      b = {
        points: new Reservoir(maxPoints, rand),
        failures: new Map(),
        samples: [],
        ok: 0,
        failed: 0,
        withInput: 0,
        completed: 0,
      };
      building.set(label, b);
    }
    const t = line.start_ms / 1000;
    if (failed) {
      b.failed++;
      const second = Math.floor(t);
      b.failures.set(second, (b.failures.get(second) ?? 0) + 1);
      const e = line.error;
      b.failure ??= {
        ...sampleOf(line),
        token_ms: [],
        error:
          e === undefined ? 'error' : e.code === undefined || e.code === e.class ? e.class : `${e.class}: ${e.code}`,
      };
      continue;
    }
    const first = line.phases.firstDelta;
    if (first === undefined) continue;
    b.ok++;
    const queued = line.start_ms - line.intended_ms;
    const last = line.phases.lastDelta ?? first;
    const gap = line.deltas > 1 ? (last - first) / (line.deltas - 1) : Number.NaN;
    // The lengths the histograms record: the server's input count, else the client's of a prompt it made.
    const input = line.input_tokens ?? (line.prompt_tokens || Number.NaN);
    const done = counted === 'ok' ? line.phases.doneAt : undefined;
    if (Number.isFinite(input)) b.withInput++;
    if (done !== undefined) {
      b.completed++;
      if (line.max_output_tokens !== undefined) record((b.requested ??= newHistogram()), line.max_output_tokens);
    }
    b.points.offer({
      t: round3(t),
      ttft: round3(first + queued),
      gap: round3(gap),
      input,
      output: done === undefined ? Number.NaN : line.output_tokens,
      e2e: done === undefined ? Number.NaN : round3(done + queued),
    });
    if (line.token_ms !== undefined) {
      if (b.samples.length === MAX_SAMPLES) b.samples.shift();
      b.samples.push({ ...sampleOf(line), token_ms: line.token_ms });
    }
  }
  const out = new Map<string, VariantSeries>();
  for (const [label, b] of building) {
    const points = b.points.items.sort((x, y) => x.t - y.t);
    const pairs = (x: keyof Point, y: keyof Point): [number, number][] =>
      points.filter((p) => Number.isFinite(p[x]) && Number.isFinite(p[y])).map((p) => [p[x], p[y]]);
    out.set(label, {
      label,
      ttft: pairs('t', 'ttft'),
      gap: pairs('t', 'gap'),
      ttftByInput: pairs('input', 'ttft'),
      e2eByOutput: pairs('output', 'e2e'),
      withInput: b.withInput,
      completed: b.completed,
      ...(b.requested === undefined ? {} : { requested: b.requested }),
      failures: [...b.failures].sort((x, y) => x[0] - y[0]),
      samples: b.samples,
      ...(b.failure === undefined ? {} : { failure: b.failure }),
      ok: b.ok,
      failed: b.failed,
    });
  }
  return out;
}
