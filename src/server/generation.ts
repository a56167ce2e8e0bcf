import { rng, streamSeed } from '../shared/rng.js';
import type { FaultOut } from './fault-out.js';
import { FAULT_AFTER_TOKENS, type StreamFault } from './faults.js';
import type { RequestSeries } from './prom.js';
import type { SlotQueue, Waiter } from './queue.js';
import { WordSource } from './text.js';
import { DeltaClock, Ticker } from './timing.js';

/**
 * A protocol's view of one streamed response. The generation calls `open`, then any of `ack`, `delta`
 * and `done` for everything due, then `flush`: one batch, one write.
 */
export interface Emitter {
  /** Starts a batch; every event JSON of it must end with `tail` (`}` or the stamp and `}`). */
  open(tail: string): void;
  /** The events that accept the request (response.created, the role-only chat chunk, …). */
  ack(): void;
  delta(text: string): void;
  done(text: string, outputTokens: number): void;
  /** Writes the batch; `last` when the response is complete, so the end of the stream joins the write. */
  flush(last: boolean): void;
}

/** The end of every event JSON of a batch: `}`, or with stamping the write time as the last field. */
export function eventTail(stamp: boolean): string {
  return stamp ? `,"wb_t":"${process.hrtime.bigint()}"}` : '}';
}

export interface GenerationPlan {
  /** When the request was fully received (performance.now() ms). */
  t0: number;
  overheadMs: number;
  ttftMs: number;
  /** Added to ttftMs: the cost of this request's input. */
  prefillMs: number;
  tps: number;
  jitter: number;
  chunkTokens: number;
  tokens: number;
  /** Server seed and request sequence number, from which the text and timing streams derive. */
  seed: number;
  seq: number;
  stamp: boolean;
}

/** A mid-stream fault a response is to suffer, and how its protocol shows it. */
export interface Strike {
  kind: StreamFault;
  out: FaultOut;
}

export interface GenerationHooks {
  /** Where a response with tokens to generate waits for a slot after its ack. */
  slots: SlotQueue;
  /** Where its timings are observed, as written: times of the ticks that wrote, not due times. */
  series: RequestSeries;
  /** After the last write of a complete response. */
  done(text: string, outputTokens: number): void;
  /** After an injected fault ended the response (a stall too: nothing more is written). */
  faulted(kind: StreamFault): void;
}

const enum Stage {
  Ack,
  /** Acked, waiting for a slot: the first token's schedule has not started. */
  Queued,
  Deltas,
  /** A reset fault struck: the tokens are out, the RST is due. */
  Resetting,
  Over,
}

/**
 * How long after its last write a reset fault's RST follows: time for even a busy client to read the
 * tokens (see `fault`).
 */
const RESET_GAP_MS = 100;

/**
 * Drives one response on the absolute schedule: ack at T0 + overhead, first token ttft + prefill
 * after the ack or, when it had to queue, after its slot freed; then every delta at its due time, all
 * due events of a timer tick written together.
 */
export class Generation implements Waiter {
  private stage = Stage.Ack;
  /** Built when the slot is taken, the moment the first token's schedule is anchored to. */
  private clock!: DeltaClock;
  private readonly words: WordSource;
  private readonly ticker = new Ticker(
    (now) => this.tick(now),
    // The ack and the first token are what overhead and TTFT measure: those are timed precisely.
    () => this.emitted === 0,
  );
  private emitted = 0;
  /** When the latest delta was written (ITL). */
  private deltaAt = 0;
  /** Entered the slot queue and not yet left it. */
  private slotted = false;
  private tail = '}';

  constructor(
    private readonly plan: GenerationPlan,
    private readonly emitter: Emitter,
    private readonly hooks: GenerationHooks,
    private readonly strike: Strike | undefined,
  ) {
    this.words = new WordSource(rng(streamSeed(plan.seed, plan.seq, 1)));
  }

  start(): void {
    this.ticker.at(this.ackAt());
  }

  /** Stops without writing anything more (the client left or the server is closing). */
  cancel(): void {
    this.end();
  }

  /** The text and tokens written so far: what a response cancelled mid-stream reports. */
  progress(): { text: string; outputTokens: number } {
    return { text: this.words.text(), outputTokens: this.emitted };
  }

  admit(now: number): void {
    this.hooks.series.queue.observe((now - this.ackAt()) / 1000);
    this.begin(now);
    this.ticker.at(this.clock.due);
  }

  /**
   * The ack's due time: the engine's admission, which the first token's schedule is anchored on, and
   * what TTFT, E2E and queue time count from. Not when the ack tick ran: the server's own work before
   * it (parsing, a cold start) delays the ack but not the tokens, so it belongs to neither.
   */
  private ackAt(): number {
    return this.plan.t0 + this.plan.overheadMs;
  }

  private begin(at: number): void {
    const p = this.plan;
    this.clock = new DeltaClock(
      {
        firstAt: at + p.ttftMs + p.prefillMs,
        tps: p.tps,
        jitter: p.jitter,
        chunkTokens: p.chunkTokens,
        tokens: p.tokens,
      },
      rng(streamSeed(p.seed, p.seq, 2)),
    );
    this.clock.next();
    this.stage = Stage.Deltas;
  }

  private tick(now: number): number | undefined {
    if (this.stage === Stage.Over) return undefined;
    if (this.stage === Stage.Resetting) {
      this.strike?.out.reset();
      return this.struck('reset');
    }
    const e = this.emitter;
    this.tail = eventTail(this.plan.stamp);
    e.open(this.tail);
    const series = this.hooks.series;
    if (this.stage === Stage.Ack) {
      e.ack();
      // Nothing to decode (a warm-up, max tokens 0): no batch slot to wait for.
      if (this.plan.tokens === 0) {
        series.queue.observe(0);
        return this.finish(now);
      }
      this.slotted = true;
      if (!this.hooks.slots.enter(this)) {
        this.stage = Stage.Queued;
        e.flush(false);
        return undefined;
      }
      series.queue.observe(0);
      this.begin(this.ackAt());
    }
    const clock = this.clock;
    while (clock.due <= now) {
      if (this.strike !== undefined && this.emitted >= FAULT_AFTER_TOKENS) return this.fault(this.strike);
      e.delta(this.words.take(clock.size));
      // The first delta is the first token; each later one is a gap, 0 after the first of this write.
      if (this.emitted === 0) series.ttft.observe((now - this.ackAt()) / 1000);
      else series.itl.observe((now - this.deltaAt) / 1000);
      this.deltaAt = now;
      this.emitted += clock.size;
      if (!clock.next()) return this.finish(now);
    }
    e.flush(false);
    return clock.due;
  }

  private finish(now: number): number | undefined {
    if (this.strike !== undefined) return this.fault(this.strike);
    this.stage = Stage.Over;
    const text = this.words.text();
    this.emitter.done(text, this.emitted);
    this.emitter.flush(true);
    const series = this.hooks.series;
    series.e2e.observe((now - this.ackAt()) / 1000);
    series.success++;
    this.end();
    this.hooks.done(text, this.emitted);
    return undefined;
  }

  /** Replaces the rest of the response with the fault, in place of the next delta (or the done). */
  private fault({ kind, out }: Strike): number | undefined {
    const e = this.emitter;
    switch (kind) {
      case 'mid-stream-error':
        out.error(this.tail);
        e.flush(true);
        break;
      case 'malformed':
        out.malformed();
        e.flush(true);
        break;
      case 'stall':
        // Nothing more, but the connection stays open until the client gives up.
        e.flush(false);
        break;
      case 'reset':
        e.flush(false);
        // An RST that arrives while the tokens still sit unread in the client's receive queue reads
        // there (Linux) as a plain end of stream after them, not as ECONNRESET: reset a moment later.
        this.stage = Stage.Resetting;
        return performance.now() + RESET_GAP_MS;
    }
    return this.struck(kind);
  }

  private struck(kind: StreamFault): undefined {
    this.end();
    this.hooks.faulted(kind);
    return undefined;
  }

  /** Stops the schedule and frees the slot (the next queued response starts on it). */
  private end(): void {
    this.stage = Stage.Over;
    this.ticker.cancel();
    if (this.slotted) {
      this.slotted = false;
      this.hooks.slots.leave(this);
    }
  }
}
