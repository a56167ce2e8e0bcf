import { Timeline } from '../metrics/timeline.js';
import { rng, type Rng } from '../shared/rng.js';
import { Claims, rampDelay, type ClaimLimits } from './claims.js';
import type { LoopRun } from './closed.js';
import { exchangeWithDeadline } from './exchange.js';
import { sleep } from './sleep.js';
import type { Connection, InputItem, RequestInput, SessionOutcome } from './types.js';

/** Seconds a tool takes between turns: fixed, or drawn from a seeded distribution. */
export type ToolTime =
  | number
  | { distribution: 'uniform'; min: number; max: number }
  | { distribution: 'exponential'; mean: number };

export interface SessionLoad extends ClaimLimits {
  concurrency: number;
  ramp_up: number;
  /** Turns per session: every turn but the last ends with a tool call the next one answers. */
  turns: number;
  /** `chain`: previous_response_id plus the new items; `full`: the whole conversation every turn. */
  history: 'chain' | 'full';
  tool_time: ToolTime;
  seed: number;
}

export interface SessionRun extends LoopRun {
  connections: readonly Connection[];
  load: SessionLoad;
  /** Chained turns ask the server to store responses (HTTP, or a WebSocket that is not kept). */
  store: boolean;
  /** What the tool returns (the item every turn after the first sends). */
  toolOutput: string;
  /** The number of this run's first session: a variant's sessions are numbered across its blocks. */
  firstSession: number;
  /** A session is over; `index` numbers the variant's sessions, warm-up included. */
  onSession: (s: SessionOutcome, index: number, warmup: boolean) => void;
}

function toolTimeSampler(t: ToolTime, rand: Rng): () => number {
  if (typeof t === 'number') return () => t;
  if (t.distribution === 'uniform') return () => t.min + (t.max - t.min) * rand();
  return () => -t.mean * Math.log(1 - rand());
}

/**
 * Agent loops: each virtual user runs whole sessions on its own connection, one after another. A turn
 * offers the benchmark's tool and requires a call (the last turn asks for text); after `tool_time` the
 * next turn answers every call with a `function_call_output`, chained to the previous response by id
 * (only the new items travel) or resending the whole conversation. Each turn is an ordinary request for
 * the metrics; the session adds `session_e2e_ms` (first send → last turn done, tool time included) and
 * `session_turns`. A failed turn ends its session: the next turn could not be built on it.
 */
export async function runSessions(run: SessionRun): Promise<void> {
  const { load, clock } = run;
  const claims = new Claims(load, clock, run.stopping, run.onMeasuring);
  const toolTime = toolTimeSampler(load.tool_time, rng(load.seed));
  let requestIndex = 0;
  let sessionIndex = run.firstSession;

  const turnInput = (items: readonly InputItem[], last: boolean, previousResponseId: string | undefined): RequestInput => ({
    ...run.input,
    items,
    previousResponseId,
    tool: last ? 'none' : 'required',
    store: load.history === 'chain' ? run.store : false,
  });

  const session = async (conn: Connection, s: number, warmup: boolean): Promise<SessionOutcome> => {
    const start = clock.now();
    const history: InputItem[] = [{ kind: 'user', text: run.input.prompt }];
    let fresh: InputItem[] = history.slice();
    let previous: string | undefined;
    let turns = 0;
    for (let turn = 0; ; turn++) {
      const last = turn === load.turns - 1;
      const chain = load.history === 'chain';
      const input = turnInput(chain ? fresh : history, last, chain ? previous : undefined);
      const t = clock.now();
      const tl = new Timeline(t, t, run.keepText());
      tl.session = s;
      tl.turn = turn;
      tl.previousId = input.previousResponseId;
      await exchangeWithDeadline(conn, input, tl, run);
      if (tl.ok && !last && tl.toolCalls.length === 0) {
        // The endpoint ignored tool_choice: the loop cannot go on, and saying why beats a vague failure.
        tl.reject(clock.now(), 'protocol', 'no_tool_call', `turn ${turn + 1} of ${load.turns} ended without the required function call`);
      }
      run.onDone(tl, requestIndex++, warmup);
      if (!tl.ok) return { start, end: tl.endAt, turns, ok: false, interrupted: tl.interrupted };
      turns++;
      if (last) return { start, end: tl.doneAt, turns, ok: true, interrupted: false };
      if (run.stopping()) return { start, end: tl.doneAt, turns, ok: false, interrupted: true };
      const outputs: InputItem[] = tl.toolCalls.map((call) => ({ kind: 'output', callId: call.callId, output: run.toolOutput }));
      history.push(...tl.toolCalls.map((call): InputItem => ({ kind: 'call', call })), ...outputs);
      fresh = outputs;
      previous = tl.responseId;
      await sleep(toolTime() * 1000, run.hardStop);
    }
  };

  const user = async (conn: Connection, k: number): Promise<void> => {
    await rampDelay(load.ramp_up, k, run.connections.length);
    let userWarmed = false;
    for (let kind = claims.next(userWarmed); kind !== undefined; kind = claims.next(userWarmed)) {
      const i = sessionIndex++;
      const outcome = await session(conn, i, kind === 'warmup');
      userWarmed = true;
      run.onSession(outcome, i, kind === 'warmup');
    }
  };

  await Promise.all(run.connections.map(user));
}
