import type { InputItem, Nanos, RequestInput } from '../core/types.js';
import { Timeline } from '../metrics/timeline.js';
import type { Feed } from '../workload/feed.js';
import type { Message, WorkItem } from '../workload/types.js';

/** Body fields that make vLLM-style servers generate exactly the requested length (`exact_output`). */
export type OutputKnob = 'ignore_eos' | 'min_tokens';

/** What every request of a variant shares: the model, the scenario's extra body fields and knobs. */
export interface RequestBase {
  model: string;
  extra: Record<string, unknown>;
  knobs: readonly OutputKnob[];
}

/** One request (or session) of a load: what it sends, and the item it was made from (its lengths, record). */
export interface Work {
  input: RequestInput;
  item: WorkItem;
}

export function inputItems(messages: readonly Message[]): InputItem[] {
  return messages.map((m) => ({ kind: m.role, text: m.text }));
}

/** The body fields of the knobs for a request asking `max` tokens. */
function knobFields(knobs: readonly OutputKnob[], max: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of knobs) out[k] = k === 'ignore_eos' ? true : max;
  return out;
}

/** The input of a request that sends `item` (its prompt, or its messages) asking for `max` tokens. */
export function requestInput(
  base: RequestBase,
  item: WorkItem,
  max = item.maxOutputTokens,
  items?: readonly InputItem[],
): RequestInput {
  return {
    model: base.model,
    prompt: item.prompt ?? '',
    maxOutputTokens: max,
    // Knobs before the scenario's own body fields would be overwritten by them: they go last.
    extra: base.knobs.length === 0 ? base.extra : { ...base.extra, ...knobFields(base.knobs, max) },
    ...(items !== undefined ? { items } : item.messages !== undefined ? { items: inputItems(item.messages) } : {}),
  };
}

/** The timeline of a request that sends `work`, knowing what it asked for. */
export function timelineOf(work: Work, intended: Nanos, start: Nanos, keepText: boolean): Timeline {
  const tl = new Timeline(intended, start, keepText);
  tl.promptTokens = work.item.promptTokens ?? 0;
  tl.maxOutputTokens = work.input.maxOutputTokens;
  tl.record = work.item.record ?? 0;
  return tl;
}

/** A variant's requests, in order: its feed's items with what they send. */
export class WorkSource {
  constructor(
    private readonly feed: Feed,
    readonly base: RequestBase,
  ) {}

  get ended(): boolean {
    return this.feed.ended;
  }

  /** The next request, or undefined when none is ready yet (`more`) or the feed is over (`ended`). */
  take(): Work | undefined {
    const item = this.feed.take();
    return item === undefined ? undefined : { input: requestInput(this.base, item), item };
  }

  more(): Promise<void> {
    return this.feed.more();
  }

  /** The next request, waiting for the feed when it is behind; undefined once it is over. */
  async next(): Promise<Work | undefined> {
    for (;;) {
      const work = this.take();
      if (work !== undefined || this.ended) return work;
      await this.more();
    }
  }

  close(): Promise<void> {
    return this.feed.close();
  }
}
