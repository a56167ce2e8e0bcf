import type { Timeline } from '../metrics/timeline.js';
import { synthesizePrompt } from '../workload/prompt.js';

/** One recorded turn: what it added to the conversation and what it got back, in tokens. */
interface Turn {
  input: number;
  output: number;
  /** Since the previous turn of the session ended (the client's own time: tools, the user), ms. */
  gapMs: number;
}

interface Session {
  turns: Turn[];
  /** Tokens of the conversation so far (the last turn's input and output), from the endpoint's usage. */
  context: number;
  lastEnd: number;
}

/**
 * The sessions a recording saw, as a conversation dataset `wirebench run` replays (`jsonl` with
 * `messages`, docs/workloads.md): a turn chained to an earlier answer by `previous_response_id` continues
 * that answer's session, any other request starts one. Each user message is synthesized text of the
 * turn's new input tokens (the endpoint's usage less the context the chain carried), each assistant
 * message of its output tokens, so a replay asks for the same lengths — the content itself is not kept.
 * The pauses before the turns go along (`wirebench.gaps_ms`), for a replay with `tool_time: recorded`.
 */
export class SessionLog {
  private readonly sessions: Session[] = [];
  private readonly byResponse = new Map<string, Session>();

  add(tl: Timeline, request: Buffer): void {
    if (!tl.ok) return;
    const previous = previousResponseId(request);
    const chained = previous === undefined ? undefined : this.byResponse.get(previous);
    const session = chained ?? { turns: [], context: 0, lastEnd: tl.start };
    if (chained === undefined) this.sessions.push(session);
    const output = Math.max(1, tl.usageOutputTokens ?? tl.deltas);
    const input = Math.max(1, (tl.inputTokens ?? 1) - session.context);
    session.turns.push({ input, output, gapMs: Math.round((tl.start - session.lastEnd) / 1e3) / 1e3 });
    session.context = (tl.inputTokens ?? session.context + input) + output;
    session.lastEnd = tl.endAt;
    if (tl.responseId !== undefined) this.byResponse.set(tl.responseId, session);
  }

  /** The dataset's lines, a session each, in the order the sessions started. */
  lines(): string[] {
    return this.sessions.map((s, i) => {
      const messages = s.turns.flatMap((t, k) => [
        { role: 'user', content: synthesizePrompt(t.input, (i + 1) * 1000 + k) },
        { role: 'assistant', content: synthesizePrompt(t.output, (i + 1) * 1000 + k + 500) },
      ]);
      return JSON.stringify({ messages, wirebench: { gaps_ms: s.turns.map((t) => t.gapMs) } });
    });
  }
}

/** The request's `previous_response_id` (Responses, over HTTP or WebSocket), read without trusting the body. */
function previousResponseId(request: Buffer): string | undefined {
  try {
    const body = JSON.parse(request.toString('utf8')) as { previous_response_id?: unknown; response?: unknown };
    const id = body.previous_response_id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}
