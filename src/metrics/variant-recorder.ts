import type { Nanos, SessionOutcome } from '../core/types.js';
import { countedAs, failureClass } from '../result/requests/counted.js';
import { type LineOwner, type RequestLine, requestLine, tokenArrivals } from '../result/requests/line.js';
import type { TokenSource } from '../result/result.js';
import type { DefinitionSet } from './definition-set.js';
import { SCALE } from './histogram.js';
import { MetricSet } from './metric-set.js';
import { type CountTokens, meetsSlo, outputTokens, recordRequest, recordStream, type Slo } from './request-metrics.js';
import type { Timeline } from './timeline.js';

/**
 * Which successful measured requests carry their token arrivals: the 1st, 2nd, 4th, 8th… so the samples
 * spread over the whole run (start-up and steady state) and their number grows with log2 of its length.
 */
const SAMPLED = (ok: number): boolean => (ok & (ok - 1)) === 0;

/** A failure as a summary shows it: `code: message`, cut to one short line. */
function errorText(line: RequestLine): string {
  const e = line.error;
  const text = [e?.code, e?.message].filter((x) => x !== undefined && x !== '').join(': ');
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > 200 ? `${one.slice(0, 199)}…` : one || 'no message';
}

/**
 * Folds finished requests of one variant into histograms and counters, and streams one JSONL line per
 * request; nothing per request is kept, so memory stays flat however long the run.
 */
export class VariantRecorder {
  readonly metrics = new MetricSet();
  requests = 0;
  ok = 0;
  warmup = 0;
  /** Measured requests cut short by the user's stop (not in `requests`). */
  interrupted = 0;
  /** Failed attempts that were retried (not in `requests` or `errors`: their request's last attempt is). */
  retries = 0;
  /** Streams the scenario's `interrupt` cancelled on purpose (not in `requests`; their redirects are). */
  cancelled = 0;
  readonly errors: Record<string, number> = {};
  /** The first failure of each class, as `code: message`: the cause a summary shows beside the count. */
  readonly firstErrors: Record<string, string> = {};
  output = 0;
  input = 0;
  readonly bySource: Record<TokenSource, number> = { usage: 0, tokenizer: 0, chunks: 0 };
  connectionsOpened = 0;
  /** Measured requests that succeeded within every limit of `slo` (0 without one). */
  good = 0;
  /** Input tokens the endpoint said it served from its prompt cache (successful requests that said). */
  cached = 0;
  cachedReported = 0;
  /**
   * Successful requests whose output can be held against what they asked (counted by usage or the
   * tokenizer, not by deltas), how many of them received fewer tokens, and the tokens asked and received.
   */
  readonly lengths = { checked: 0, short: 0, requested: 0, received: 0 };
  /** Wire bytes of successful responses whose bytes could be attributed, and their output tokens. */
  wireBytes = 0;
  wireTokens = 0;
  /** Whether new requests should keep their text: until a response has come with usage. */
  needsText = true;
  /** First and last measured actual starts: the rate requests really started at (open loop). */
  firstStart = Infinity;
  lastStart = 0;
  /**
   * The measured window is the sum of the blocks' spans (first start → last end of each), so a variant
   * that ran interleaved with others is not charged for the time the others ran.
   */
  private spanNs = 0;
  private blockStart = Infinity;
  private blockEnd = 0;
  /** Last measured end of the blocks already closed (`blockEnd` is reset per block). */
  private closedEnd = 0;
  /** What every line of this variant says about whose it is. */
  private readonly owner: LineOwner;
  /** Committed requests whose text is being counted off the loop. */
  private readonly counting = new Set<Promise<void>>();

  constructor(
    readonly name: string,
    runStart: Nanos,
    private readonly countTokens: CountTokens | undefined,
    private readonly writeLine: (line: RequestLine) => void,
    /** The sweep step this variant runs in, written on every line. */
    step?: number,
    /** The scenario's per-request limits, which goodput counts against. */
    readonly slo?: Slo,
    /** Other tools' metrics to compute too (`run --definitions`), from each successful request. */
    readonly definitions?: DefinitionSet,
  ) {
    this.owner = { variant: name, step, runStart };
  }

  commit(tl: Timeline, index: number, isWarmup: boolean, origin: Nanos): void {
    if (tl.usageOutputTokens !== undefined) this.needsText = false;
    // A response without usage after others had it was not kept for the tokenizer: it counts its deltas.
    const count = tl.usageOutputTokens === undefined && tl.ok && tl.texts.length > 0 ? this.countTokens : undefined;
    if (count === undefined) return this.record(tl, index, isWarmup, origin, undefined);
    const n = count(tl.texts.join(''));
    if (typeof n === 'number') return this.record(tl, index, isWarmup, origin, n);
    // Counted off the loop: its stamps are taken, so only its recording waits (see `settled`).
    const later: Promise<void> = n
      .catch(() => undefined)
      .then((k) => {
        this.counting.delete(later);
        this.record(tl, index, isWarmup, origin, k);
      });
    this.counting.add(later);
    // A failure here is a bug; `settled` hands it to the run, which awaits it.
    later.catch(() => {});
  }

  /** Resolves once every committed request is recorded: before a block closes or a result is read. */
  async settled(): Promise<void> {
    while (this.counting.size > 0) await Promise.all(this.counting);
  }

  private record(tl: Timeline, index: number, isWarmup: boolean, origin: Nanos, tokenized: number | undefined): void {
    const tokens = outputTokens(tl, tokenized);
    const line = requestLine(this.owner, tl, index, isWarmup, tokens.output, tokens.source);
    // Counted as the line says it was: readers of requests.jsonl classify it by the same function.
    const counted = countedAs(line);
    let sample = false;
    if (counted === 'retried') {
      if (!isWarmup) this.retries++;
    } else if (counted === 'interrupted') {
      if (!isWarmup) this.interrupted++;
    } else if (counted === 'warmup') {
      this.warmup++;
    } else if (counted === 'cancelled') {
      this.cancelled++;
      recordStream(tl, this.metrics, origin);
    } else {
      this.requests++;
      // A connection that never connected (refused, out of descriptors) was not opened.
      if (tl.connectEnd !== 0) this.connectionsOpened++;
      this.firstStart = Math.min(this.firstStart, tl.start);
      this.lastStart = Math.max(this.lastStart, tl.start);
      this.blockStart = Math.min(this.blockStart, tl.start);
      this.blockEnd = Math.max(this.blockEnd, tl.endAt || tl.start);
      if (counted === 'ok') {
        this.ok++;
        sample = SAMPLED(this.ok) && tl.firstDelta !== 0;
        this.output += tokens.output;
        this.input += tl.inputTokens ?? 0;
        if (tl.cachedTokens !== undefined) {
          this.cached += tl.cachedTokens;
          this.cachedReported++;
        }
        if (tl.maxOutputTokens > 0 && tokens.source !== 'chunks') {
          const l = this.lengths;
          l.checked++;
          l.requested += tl.maxOutputTokens;
          l.received += tokens.output;
          if (tokens.output < tl.maxOutputTokens) l.short++;
        }
        this.bySource[tokens.source]++;
        if (tl.bytesIn > 0) {
          this.wireBytes += tl.bytesIn;
          this.wireTokens += tokens.output;
        }
        recordRequest(tl, this.metrics, origin, tokens);
        this.definitions?.add(tl, tokens);
        if (this.slo !== undefined && meetsSlo(tl, origin, tokens, this.slo)) this.good++;
      } else {
        const cls = failureClass(line);
        this.errors[cls] = (this.errors[cls] ?? 0) + 1;
        this.firstErrors[cls] ??= errorText(line);
      }
    }
    if (sample) line.token_ms = tokenArrivals(tl);
    this.writeLine(line);
  }

  /** Agent-loop sessions ended (measured only); not set for other loads. */
  sessions: { total: number; ok: number; interrupted: number } | undefined;

  commitSession(s: SessionOutcome, isWarmup: boolean): void {
    if (isWarmup) return;
    const c = (this.sessions ??= { total: 0, ok: 0, interrupted: 0 });
    if (s.interrupted) {
      c.interrupted++;
      return;
    }
    c.total++;
    this.metrics.record('session_turns', s.turns);
    if (s.ok) {
      c.ok++;
      this.metrics.record('session_e2e_ms', (s.end - s.start) / 1e6);
    }
  }

  /** Closes a block of this variant's requests (another variant's block may follow). */
  endBlock(): void {
    if (this.blockEnd > this.blockStart) this.spanNs += this.blockEnd - this.blockStart;
    this.closedEnd = Math.max(this.closedEnd, this.blockEnd);
    this.blockStart = Infinity;
    this.blockEnd = 0;
  }

  /**
   * TTFT median so far, for progress displays: one percentile off one histogram, not the summaries of
   * every metric (which also encode each histogram) that the result needs once at the end.
   */
  ttftMedian(): number | undefined {
    const h = this.metrics.histogram('ttft_ms');
    return h.totalCount > 0 ? h.getValueAtPercentile(50) / SCALE : undefined;
  }

  /**
   * Where the measured window ends: the last measured request's end (0 before any). With the first
   * measured start it bounds the window on the clock, which `windowSeconds` (a sum of block spans) cannot.
   */
  get lastEnd(): Nanos {
    return Math.max(this.closedEnd, this.blockEnd);
  }

  get windowSeconds(): number {
    const open = this.blockEnd > this.blockStart ? this.blockEnd - this.blockStart : 0;
    return (this.spanNs + open) / 1e9;
  }
}
