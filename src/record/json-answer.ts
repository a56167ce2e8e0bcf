import type { Nanos } from '../core/types.js';
import type { Timeline } from '../metrics/timeline.js';

/** A whole JSON answer larger than this is timed without its usage rather than buffered. */
export const JSON_ANSWER_LIMIT = 4 * 1024 * 1024;

type Usage = Record<string, unknown>;
const count = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * A non-streamed answer (`stream: false`) of a known protocol: accepted when its headers came, done when
 * its body ended, its token counts from the body's `usage` (Responses and Anthropic `input_tokens` /
 * `output_tokens`, Chat `prompt_tokens` / `completion_tokens`). It has no first token to time: TTFT and
 * ITL stay empty, E2E and the overhead are measured.
 */
export function recordJsonAnswer(tl: Timeline, text: string | undefined, t: Nanos): void {
  tl.ack(tl.firstByte || t);
  let id: string | undefined;
  if (text !== undefined) {
    try {
      const body = JSON.parse(text) as { id?: unknown; usage?: Usage } | null;
      const u = body?.usage;
      const output = count(u?.output_tokens) ?? count(u?.completion_tokens);
      if (output !== undefined) tl.usage(count(u?.input_tokens) ?? count(u?.prompt_tokens), output, undefined);
      if (typeof body?.id === 'string') id = body.id;
    } catch {
      // Not JSON after all: timed, without counts.
    }
  }
  tl.done(t, id);
}
