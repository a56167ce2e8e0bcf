import { systemClock } from '../core/clock.js';
import type { Connection, TransportOptions } from '../core/types.js';
import { runClosed } from '../load/closed.js';
import type { Interrupt } from '../load/interrupt.js';
import { arrivalSchedule, runScheduled, traceSchedule } from '../load/open.js';
import { runSessions } from '../load/session.js';
import type { WorkSource } from '../load/work.js';
import type { Timeline } from '../metrics/timeline.js';
import type { VariantRecorder } from '../metrics/variant-recorder.js';
import { genericAdapter } from '../protocols/generic.js';
import { getProtocol } from '../protocols/registry.js';
import type { Scenario } from '../scenario/schema.js';
import { countText } from '../shared/tokens.js';
import { getTransport } from '../transport/registry.js';
import { synthesizePrompt } from '../workload/prompt.js';

type Variant = Scenario['variants'][number];

/** Where a variant's connections go and how they trust it: resolved by the runner (embedded server, relay, CA file). */
export type Endpoint = Pick<TransportOptions, 'target' | 'dial' | 'tls'>;

/** A worker's (or shard's) place in a shared arrival schedule. */
export interface SchedulePart {
  /** Where its first arrival is, so that the parts' constant rates interleave instead of coinciding. */
  phaseNs?: number;
  /** The block's start shared by every worker (harness time), so their schedules count from one instant. */
  origin?: () => number | undefined;
}

/**
 * One variant across the blocks of an interleaved run: its connections stay open from one block to the
 * next (a persistent WebSocket must not be re-opened because another variant ran in between), its
 * warm-up and ramp happen in its first block only, and its request numbering continues.
 */
export class VariantRun {
  private readonly connections: Connection[] = [];
  private readonly connect: () => Connection;
  private readonly interrupt: Interrupt | undefined;
  private blocks = 0;
  private done_ = false;
  /** Requests (warm-up included) of earlier blocks: the numbering of requests.jsonl continues. */
  private base = 0;
  /** Sessions of earlier blocks (session loads), for the same reason. */
  private sessions = 0;
  private measuredLeft: number;
  private secondsLeft: number;
  /** Why the variant stopped short of its load: its dataset could not be read. */
  failure: string | undefined;

  constructor(
    private readonly scenario: Scenario,
    readonly variant: Variant,
    endpoint: Endpoint,
    private readonly work: WorkSource,
    readonly rec: VariantRecorder,
    private readonly stopping: () => boolean,
    private readonly hardStop?: AbortSignal,
    private readonly part: SchedulePart = {},
  ) {
    const protocol = variant.generic !== undefined ? genericAdapter(variant.generic) : getProtocol(variant.protocol);
    if (protocol === undefined) throw new Error(`unknown protocol ${variant.protocol}`);
    const transport = getTransport(variant.connection);
    const opts: TransportOptions = {
      ...endpoint,
      headers: variant.headers, // already merged over the scenario's top-level headers
      perMessageDeflate: variant.per_message_deflate ?? false,
    };
    this.connect = () => transport.connection(protocol, opts);
    const int = scenario.interrupt;
    this.interrupt =
      int === undefined ? undefined : { afterTokens: int.after_tokens, redirect: int.redirect, countTokens: countText };
    const load = scenario.load;
    this.measuredLeft = (load.kind === 'session' ? load.sessions : load.requests) ?? Infinity;
    this.secondsLeft = scenario.load.duration ?? Infinity;
  }

  get done(): boolean {
    return this.done_;
  }

  /**
   * Runs the variant's next block: at most `requests` measured requests, or `seconds` of measuring for a
   * duration load. `onMeasuring` fires when the block's first measured request starts.
   */
  async block(requests: number, seconds: number, onMeasuring: () => void): Promise<void> {
    try {
      await this.run(requests, seconds, onMeasuring);
    } catch (err) {
      // A dataset that fails mid-run (the file went away) ends this variant; what it measured stands.
      this.failure = (err as Error).message;
      this.done_ = true;
    }
    await this.rec.settled();
  }

  private async run(requests: number, seconds: number, onMeasuring: () => void): Promise<void> {
    const first = this.blocks++ === 0;
    const load = this.scenario.load;
    let count = 0;
    const common = {
      work: this.work,
      timeoutMs: this.scenario.timeout * 1000,
      idleTimeoutMs: (this.scenario.idle_timeout ?? 0) * 1000,
      clock: systemClock,
      stopping: this.stopping,
      hardStop: this.hardStop,
      keepText: () => this.rec.needsText,
      onMeasuring,
      // `intended` is the start for closed loops and the schedule's for open ones: CO-safe either way.
      interrupt: this.interrupt,
      retries:
        this.scenario.retries === undefined || this.scenario.retries.max === 0
          ? undefined
          : {
              max: this.scenario.retries.max,
              on: this.scenario.retries.on,
              backoffMs: this.scenario.retries.backoff_ms,
            },
      onDone: (tl: Timeline, i: number, warmup: boolean) => {
        if (tl.redirectFrom === 0 && tl.attempt === 0) count++;
        this.rec.commit(tl, this.base + i, warmup, tl.intended);
      },
    };
    if (load.kind === 'open' || load.kind === 'trace') {
      // An arrival schedule is one process: an open load or a trace runs whole, in one block.
      const schedule =
        load.kind === 'open' ? arrivalSchedule(load, this.work, this.part.phaseNs) : traceSchedule(this.work);
      const origin = this.part.origin?.();
      await runScheduled({
        ...common,
        load,
        schedule,
        ...(origin !== undefined ? { origin } : {}),
        connect: this.connect,
        connections: this.connections,
      });
      this.done_ = !this.stopping();
    } else {
      if (first) for (let k = 0; k < load.concurrency; k++) this.connections.push(this.connect());
      const measured = Math.min(requests, this.measuredLeft);
      const span = Math.min(seconds, this.secondsLeft);
      // A block's share of the measuring, in the load's own unit (requests, or sessions).
      const limits = {
        concurrency: load.concurrency,
        requests: load.duration === undefined ? measured : undefined,
        duration: load.duration === undefined ? undefined : span,
        warmup: first ? load.warmup : 0,
        ramp_up: first ? load.ramp_up : 0,
      };
      if (load.kind === 'session') {
        await runSessions({
          ...common,
          connections: this.connections,
          load: { ...load, ...limits },
          // A kept WebSocket remembers its last response; anything else needs the server to store it.
          store: this.variant.connection !== 'ws-persistent',
          // Its own seed, so the tool's answer does not repeat the prompt's text.
          toolOutput: synthesizePrompt(load.tool_output_tokens, 2),
          firstSession: this.sessions,
          onSession: (outcome, _i, warmup) => {
            this.sessions++;
            this.rec.commitSession(outcome, warmup);
          },
        });
      } else {
        await runClosed({ ...common, connections: this.connections, load: limits });
      }
      this.measuredLeft -= measured;
      this.secondsLeft -= span;
      this.done_ = !this.stopping() && (this.measuredLeft <= 0 || this.secondsLeft <= 0);
    }
    this.base += count;
  }

  async close(): Promise<void> {
    await Promise.all([...this.connections.map((c) => c.close()), this.work.close()]);
  }
}
