import type { Connection, InputItem, RequestInput, SessionOutcome } from '../core/types.js';
import type { Timeline } from '../metrics/timeline.js';
import { DEFAULT_TURNS } from '../scenario/load-schema.js';
import { type Rng, rng } from '../shared/rng.js';
import type { WorkItem } from '../workload/types.js';
import { type ClaimLimits, Claims, rampDelay } from './claims.js';
import type { LoopRun } from './closed.js';
import { exchangeWithDeadline } from './exchange.js';
import { allUsers } from './settle.js';
import { sleep } from './sleep.js';
import { inputItems, requestInput, timelineOf, type Work } from './work.js';

/** Seconds a tool takes between turns: fixed, or drawn from a seeded distribution. */
export type ToolTime =
  | number
  | { distribution: 'uniform'; min: number; max: number }
  | { distribution: 'exponential'; mean: number }
  /** Each turn after the pause its recorded conversation had before it (`wirebench record`'s gaps). */
  | 'recorded';

export interface SessionLoad extends ClaimLimits {
  concurrency: number;
  ramp_up: number;
  /** Turns per session (the agent loop's; a conversation's at most). */
  turns?: number;
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

/** Seconds before turn `k` of a session from `item`. */
type ToolTimeSampler = (item: WorkItem, k: number) => number;

function toolTimeSampler(t: ToolTime, rand: Rng): ToolTimeSampler {
  if (t === 'recorded') return (item, k) => (item.turnGapsMs?.[k] ?? 0) / 1000;
  if (typeof t === 'number') return () => t;
  if (t.distribution === 'uniform') return () => t.min + (t.max - t.min) * rand();
  return () => -t.mean * Math.log(1 - rand());
}

/** One turn of a session: what it sends and, for the next, what it adds to the conversation. */
interface Turn {
  input: RequestInput;
  last: boolean;
  /** The turn's timeline is over: the items the conversation gains (its answer's, the tool's output). */
  next?: (tl: Timeline) => { fresh: InputItem[]; history: InputItem[] };
}

/**
 * The turns of one session. The agent loop: every turn but the last offers the benchmark's tool and
 * requires a call, the next answers every call with a `function_call_output`. A dataset conversation:
 * turn k sends the k-th user message, after the recorded conversation up to it (full history — the
 * recorded replies, as replay tools send them) or chained to the previous response.
 */
function turnsOf(
  run: SessionRun,
  work: Work,
): { count: number; turn: (k: number, fresh: InputItem[], history: InputItem[]) => Turn } {
  const { load } = run;
  const item = work.item;
  const base = run.work.base;
  const store = load.history === 'chain' ? run.store : false;
  if (item.turnOutputTokens === undefined || item.messages === undefined) {
    const count = load.turns ?? DEFAULT_TURNS;
    return {
      count,
      turn: (k, fresh, history) => {
        const last = k === count - 1;
        const chain = load.history === 'chain';
        return {
          input: { ...work.input, items: chain ? fresh : history, tool: last ? 'none' : 'required', store },
          last,
          next: (tl) => {
            const outputs: InputItem[] = tl.toolCalls.map((call) => ({
              kind: 'output',
              callId: call.callId,
              output: run.toolOutput,
            }));
            return {
              fresh: outputs,
              history: [...tl.toolCalls.map((call): InputItem => ({ kind: 'call', call })), ...outputs],
            };
          },
        };
      },
    };
  }
  const messages = inputItems(item.messages);
  const users = messages.flatMap((m, k) => (m.kind === 'user' ? [k] : []));
  const count = Math.min(users.length, load.turns ?? Infinity);
  return {
    count,
    turn: (k) => {
      const upTo = users[k] + 1;
      const from = load.history === 'chain' && k > 0 ? users[k] : 0;
      const input = requestInput(base, item, item.turnOutputTokens![k], messages.slice(from, upTo));
      return { input: { ...input, store }, last: k === count - 1 };
    },
  };
}

/**
 * Agent loops and conversations: each virtual user runs whole sessions on its own connection, one after
 * another, each session from the variant's next work item (a synthetic task or a dataset conversation).
 * A turn chains to the previous response by id (only the new items travel) or resends the whole
 * conversation; between turns the tool runs (or the user thinks) for `tool_time`. Each turn is an
 * ordinary request for the metrics; the session adds `session_e2e_ms` (first send → last turn done) and
 * `session_turns`. A failed turn ends its session: the next turn could not be built on it.
 */
export async function runSessions(run: SessionRun): Promise<void> {
  const { load, clock } = run;
  const claims = new Claims(load, clock, run.stopping, run.onMeasuring);
  const toolTime = toolTimeSampler(load.tool_time, rng(load.seed));
  let requestIndex = 0;
  let sessionIndex = run.firstSession;

  const session = async (conn: Connection, s: number, warmup: boolean, work: Work): Promise<SessionOutcome> => {
    const start = clock.now();
    const { count, turn } = turnsOf(run, work);
    const history: InputItem[] = work.item.messages === undefined ? [{ kind: 'user', text: work.input.prompt }] : [];
    let fresh: InputItem[] = history.slice();
    let previous: string | undefined;
    let turns = 0;
    for (let k = 0; ; k++) {
      const t = turn(k, fresh, history);
      const input: RequestInput = { ...t.input, previousResponseId: load.history === 'chain' ? previous : undefined };
      const now = clock.now();
      const tl = timelineOf({ input, item: work.item }, now, now, run.keepText());
      tl.promptTokens = k === 0 ? tl.promptTokens : 0;
      tl.session = s;
      tl.turn = k;
      tl.previousId = input.previousResponseId;
      await exchangeWithDeadline(conn, input, tl, run);
      if (tl.ok && t.next !== undefined && !t.last && tl.toolCalls.length === 0) {
        // The endpoint ignored tool_choice: the loop cannot go on, and saying why beats a vague failure.
        tl.reject(
          clock.now(),
          'protocol',
          'no_tool_call',
          `turn ${k + 1} of ${count} ended without the required function call`,
        );
      }
      run.onDone(tl, requestIndex++, warmup);
      if (!tl.ok) return { start, end: tl.endAt, turns, ok: false, interrupted: tl.interrupted };
      turns++;
      if (t.last) return { start, end: tl.doneAt, turns, ok: true, interrupted: false };
      if (run.stopping()) return { start, end: tl.doneAt, turns, ok: false, interrupted: true };
      const gained = t.next?.(tl);
      if (gained !== undefined) {
        history.push(...gained.history);
        fresh = gained.fresh;
      }
      previous = tl.responseId;
      await sleep(toolTime(work.item, k + 1) * 1000, run.hardStop);
    }
  };

  const user = async (conn: Connection, k: number): Promise<void> => {
    await rampDelay(load.ramp_up, k, run.connections.length);
    let userWarmed = false;
    for (let kind = claims.next(userWarmed); kind !== undefined; kind = claims.next(userWarmed)) {
      const work = run.work.take() ?? (await run.work.next());
      if (work === undefined) break;
      const i = sessionIndex++;
      const outcome = await session(conn, i, kind === 'warmup', work);
      userWarmed = true;
      run.onSession(outcome, i, kind === 'warmup');
    }
  };

  await allUsers(run.connections.map(user));
}
