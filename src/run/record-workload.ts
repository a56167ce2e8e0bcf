import type { Timeline } from '../metrics/timeline.js';
import { PromptSynth } from '../workload/prompt.js';

/** One recorded turn: what it added to the conversation and what it got back, in tokens. */
interface Turn {
  input: number;
  output: number;
  /** With `keepContent`: the turn's new input and its answer as sent and received. */
  text?: { input: string; output: string };
  /** Since the previous turn of the session ended (the client's own time: tools, the user), ms. */
  gapMs: number;
}

/** An answer the client cut short (an interrupt): before which turn, after how much of it. */
interface Interrupt {
  turn: number;
  after_tokens: number;
  after_ms: number;
}

interface Session {
  turns: Turn[];
  interrupts: Interrupt[];
  /** Tokens of the conversation so far (the last turn's input and output), from the endpoint's usage. */
  context: number;
  lastEnd: number;
}

/**
 * The sessions a recording saw, as a conversation dataset `wirebench run` replays (`jsonl` with
 * `messages`, docs/workloads.md): a turn chained to an earlier answer by `previous_response_id` continues
 * that answer's session, any other request starts one. Each user message is synthesized text of the
 * turn's new input tokens (the endpoint's usage less the context the chain carried), each assistant
 * message of its output tokens, so a replay asks for the same lengths — the content itself is not kept,
 * unless `keepContent` (`record --keep-content`): then the messages are the turn's own new input text and
 * the answer's text as received.
 * The pauses before the turns go along (`wirebench.gaps_ms`), for a replay with `tool_time: recorded`;
 * so do the answers the client cut short (`wirebench.interrupts`: before which turn, after how many
 * deltas and ms), which a replay does not repeat yet.
 */
export class SessionLog {
  private readonly sessions: Session[] = [];
  private readonly byResponse = new Map<string, Session>();

  constructor(private readonly keepContent = false) {}

  add(tl: Timeline, request: Buffer): void {
    const cut = tl.cancelledAt !== 0;
    if (!tl.ok && !cut) return;
    const body = parse(request);
    const previous = typeof body?.previous_response_id === 'string' ? body.previous_response_id : undefined;
    const chained = previous === undefined ? undefined : this.byResponse.get(previous);
    const session = chained ?? { turns: [], interrupts: [], context: 0, lastEnd: tl.start };
    if (chained === undefined) this.sessions.push(session);
    if (cut) {
      // Kept as what it was, not as a turn: the next request goes on from before it.
      const after = { after_tokens: tl.deltas, after_ms: Math.round((tl.cancelledAt - tl.start) / 1e3) / 1e3 };
      session.interrupts.push({ turn: session.turns.length, ...after });
      session.lastEnd = tl.cancelledAt;
      return;
    }
    const output = Math.max(1, tl.usageOutputTokens ?? tl.deltas);
    const input = Math.max(1, (tl.inputTokens ?? 1) - session.context);
    const gapMs = Math.round((tl.start - session.lastEnd) / 1e3) / 1e3;
    const text = this.keepContent ? { input: newInputText(body), output: tl.texts.join('') } : undefined;
    session.turns.push({ input, output, gapMs, ...(text !== undefined ? { text } : {}) });
    session.context = (tl.inputTokens ?? session.context + input) + output;
    session.lastEnd = tl.endAt;
    if (tl.responseId !== undefined) this.byResponse.set(tl.responseId, session);
  }

  /** The dataset's lines, a session each, in the order the sessions started. */
  lines(): string[] {
    if (this.sessions.length === 0) return [];
    // Exact lengths by construction, each message its own text: nothing is tokenized, however long.
    const synth = new PromptSynth(1);
    let key = 0;
    const text = (kept: string | undefined, tokens: number): string => kept || synth.unique(key++, tokens);
    return this.sessions.map((s) => {
      const messages = s.turns.flatMap((t) => [
        { role: 'user', content: text(t.text?.input, t.input) },
        { role: 'assistant', content: text(t.text?.output, t.output) },
      ]);
      const interrupts = s.interrupts.length > 0 ? { interrupts: s.interrupts } : {};
      return JSON.stringify({ messages, wirebench: { gaps_ms: s.turns.map((t) => t.gapMs), ...interrupts } });
    });
  }
}

type Body = Record<string, unknown>;

/** The request's JSON body, read without trusting it. */
function parse(request: Buffer): Body | undefined {
  try {
    const body = JSON.parse(request.toString('utf8')) as unknown;
    return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Body) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The text a turn adds: Responses' `input` (a string, or the text of its items — messages' text parts,
 * function call outputs), or Chat's last user message. Empty when the body has none.
 */
function newInputText(body: Body | undefined): string {
  if (body === undefined) return '';
  if (typeof body.input === 'string') return body.input;
  const items = Array.isArray(body.input) ? body.input : lastUser(body.messages);
  return items
    .map(itemText)
    .filter((t) => t !== '')
    .join('\n');
}

function lastUser(messages: unknown): unknown[] {
  if (!Array.isArray(messages)) return [];
  const users = messages.filter((m) => (m as Body | null)?.role === 'user');
  return users.slice(-1);
}

function itemText(item: unknown): string {
  const i = item as Body | null;
  if (i === null || typeof i !== 'object') return '';
  if (typeof i.output === 'string') return i.output;
  if (typeof i.content === 'string') return i.content;
  if (!Array.isArray(i.content)) return '';
  return i.content
    .map((p) => (p as Body | null)?.text)
    .filter((t): t is string => typeof t === 'string')
    .join('\n');
}
