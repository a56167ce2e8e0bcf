/**
 * How a request's prompt and lengths are made: synthesized from the scenario's lengths, or from a dataset
 * record. Every text is keyed so that no two requests of a run share a prefix the workload did not ask
 * them to (variants included, so one never reads another's prompt cache), and no run shares one with an
 * earlier run (the salt).
 */
import { countText } from '../shared/tokens.js';
import { lengthOf } from './lengths.js';
import type { PromptSynth } from './prompt.js';
import type { DatasetFormat, DatasetRecord, LengthSpec, Message, WorkItem } from './types.js';

/** What makes the items of one variant (one slot of the run's step × variant grid). */
export interface ItemContext {
  synth: PromptSynth;
  /** This variant's slot and the number of slots: request i's key is i · slots + slot, unique in the run. */
  slot: number;
  slots: number;
  seed: number;
  maxOutput: LengthSpec;
  /** Dataset texts: the tag before each (isolation per variant and run), or '' for the text as written. */
  tag: string;
  /** Mooncake hash ids: kept apart per variant (isolation) or shared by all. */
  isolate: boolean;
}

/** The seeds of the two length streams, so a request's prompt and output lengths are drawn apart. */
const outputSeed = (seed: number): number => (seed ^ 0x5f3759df) >>> 0;

export function requestKey(ctx: ItemContext, i: number): number {
  return i * ctx.slots + ctx.slot;
}

/** Output tokens to ask for: the record's own, else the scenario's length for request `i`. */
export function outputOf(ctx: ItemContext, i: number, own: number | undefined): number {
  return own ?? lengthOf(ctx.maxOutput, outputSeed(ctx.seed), i);
}

export interface SyntheticPrompt {
  /** A literal prompt, or synthesized text of `tokens`. */
  literal?: string;
  tokens: LengthSpec;
  /** Tokens shared by all prompts of a group (`all`: the whole prompt). */
  shared: number | 'all';
  groups: number;
}

/** Request `i` of a scenario without a dataset. */
export function syntheticItem(ctx: ItemContext, p: SyntheticPrompt, i: number): WorkItem {
  const key = requestKey(ctx, i);
  const maxOutputTokens = outputOf(ctx, i, undefined);
  if (p.literal !== undefined) {
    return { prompt: p.shared === 'all' ? p.literal : ctx.synth.tag(key) + p.literal, maxOutputTokens };
  }
  const tokens = lengthOf(p.tokens, ctx.seed, i);
  const group = (i % p.groups) * ctx.slots + ctx.slot;
  const prompt =
    p.shared === 0
      ? ctx.synth.unique(key, tokens)
      : ctx.synth.sharedPrefix(group, p.shared === 'all' ? tokens : p.shared, key, tokens);
  return { prompt, promptTokens: tokens, maxOutputTokens };
}

/** A record's text as one request: what a chat record asks, and the length of the answer it recorded. */
function request(
  messages: readonly Message[],
  format: DatasetFormat,
): { messages: Message[]; reply: string | undefined } {
  // ShareGPT: the first exchange, as vLLM and its peers replay it; a chat record: everything it asks.
  const users = messages.flatMap((m, k) => (m.role === 'user' ? [k] : []));
  const last = format === 'sharegpt' ? users[0] : users[users.length - 1];
  const next = messages[last + 1];
  return { messages: messages.slice(0, last + 1), reply: next?.role === 'assistant' ? next.text : undefined };
}

function tagged(messages: readonly Message[], tag: string): Message[] {
  if (tag === '' || messages.length === 0) return messages.slice();
  return [{ role: messages[0].role, text: tag + messages[0].text }, ...messages.slice(1)];
}

/**
 * A conversation for a session: its messages from the first user turn on (a leading system message kept),
 * and per user turn the output to ask for — the recorded reply's o200k length, else the scenario's.
 */
function conversation(
  ctx: ItemContext,
  rec: { messages: readonly Message[]; line: number; gapsMs?: readonly number[] },
  i: number,
): WorkItem {
  const first = rec.messages.findIndex((m) => m.role === 'user');
  const messages = rec.messages.filter((m, k) => k >= first || m.role === 'system');
  const turnOutputTokens: number[] = [];
  messages.forEach((m, k) => {
    if (m.role !== 'user') return;
    const reply = messages[k + 1];
    turnOutputTokens.push(
      reply?.role === 'assistant' ? Math.max(1, countText(reply.text)) : outputOf(ctx, i * 1024 + k, undefined),
    );
  });
  return {
    messages: tagged(messages, ctx.tag),
    maxOutputTokens: turnOutputTokens[0],
    turnOutputTokens,
    ...(rec.gapsMs !== undefined ? { turnGapsMs: rec.gapsMs } : {}),
    record: rec.line,
  };
}

/** Request (or, for sessions, conversation) `i` made from a dataset record. */
export function recordItem(
  ctx: ItemContext,
  rec: DatasetRecord,
  i: number,
  format: DatasetFormat,
  conversations: boolean,
): WorkItem {
  const atMs = rec.timestampMs;
  switch (rec.kind) {
    case 'length': {
      const key = requestKey(ctx, i);
      const ids = rec.hashIds;
      const prompt =
        ids !== undefined && ids.length > 0
          ? ctx.synth.blocks(ctx.isolate ? ids.map((h) => h * ctx.slots + ctx.slot) : ids, rec.inputTokens, key)
          : ctx.synth.unique(key, rec.inputTokens);
      return {
        prompt,
        promptTokens: rec.inputTokens,
        maxOutputTokens: outputOf(ctx, i, rec.outputTokens),
        record: rec.line,
        atMs,
      };
    }
    case 'text':
      if (conversations)
        return conversation(ctx, { messages: [{ role: 'user', text: rec.prompt }], line: rec.line }, i);
      return {
        prompt: ctx.tag + rec.prompt,
        maxOutputTokens: outputOf(ctx, i, rec.outputTokens),
        record: rec.line,
        atMs,
      };
    case 'messages': {
      if (conversations) return conversation(ctx, rec, i);
      const { messages, reply } = request(rec.messages, format);
      const own = rec.outputTokens ?? (reply === undefined ? undefined : Math.max(1, countText(reply)));
      return { messages: tagged(messages, ctx.tag), maxOutputTokens: outputOf(ctx, i, own), record: rec.line, atMs };
    }
  }
}
