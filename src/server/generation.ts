import { WordSource } from './text.js';
import { rng } from '../shared/rng.js';
import { DeltaClock, streamSeed, Ticker } from './timing.js';

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

const enum Stage {
  Ack,
  Deltas,
  Over,
}

/**
 * Drives one response on the absolute schedule: ack at T0 + overhead, first token ttft + prefill
 * later, then every delta at its due time, all due events of a timer tick written together.
 */
export class Generation {
  private stage = Stage.Ack;
  private readonly clock: DeltaClock;
  private readonly words: WordSource;
  private readonly ticker = new Ticker(
    (now) => this.tick(now),
    // The ack and the first token are what overhead and TTFT measure: those are timed precisely.
    () => this.emitted === 0,
  );
  private emitted = 0;

  constructor(
    private readonly plan: GenerationPlan,
    private readonly emitter: Emitter,
    private readonly onDone: (text: string, outputTokens: number) => void,
  ) {
    const ackAt = plan.t0 + plan.overheadMs;
    this.clock = new DeltaClock(
      { firstAt: ackAt + plan.ttftMs + plan.prefillMs, tps: plan.tps, jitter: plan.jitter, chunkTokens: plan.chunkTokens, tokens: plan.tokens },
      rng(streamSeed(plan.seed, plan.seq, 2)),
    );
    this.words = new WordSource(rng(streamSeed(plan.seed, plan.seq, 1)));
  }

  start(): void {
    this.ticker.at(this.plan.t0 + this.plan.overheadMs);
  }

  /** Stops without writing anything more (the client left or the server is closing). */
  cancel(): void {
    this.stage = Stage.Over;
    this.ticker.cancel();
  }

  private tick(now: number): number | undefined {
    if (this.stage === Stage.Over) return undefined;
    const e = this.emitter;
    e.open(this.plan.stamp ? `,"wb_t":"${process.hrtime.bigint()}"}` : '}');
    if (this.stage === Stage.Ack) {
      e.ack();
      this.stage = Stage.Deltas;
      if (!this.clock.next()) return this.finish();
    }
    const clock = this.clock;
    while (clock.due <= now) {
      e.delta(this.words.take(clock.size));
      this.emitted += clock.size;
      if (!clock.next()) return this.finish();
    }
    e.flush(false);
    return clock.due;
  }

  private finish(): undefined {
    this.stage = Stage.Over;
    const text = this.words.text();
    this.emitter.done(text, this.emitted);
    this.emitter.flush(true);
    this.onDone(text, this.emitted);
    return undefined;
  }
}
