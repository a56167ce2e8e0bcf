import type { EventSink, MessageDecoder, Nanos, ProtocolAdapter, RequestInput } from '../core/types.js';
import { DeltaTypes, TypedDeltaReader } from './delta-types.js';
import {
  cachedTokens,
  isObject,
  parseObject,
  reportErrorPayload,
  reportIncomplete,
  reportMalformed,
} from './errors.js';
import { textMessages } from './messages.js';

/**
 * OpenAI Realtime API over WebSocket (`wss://…/v1/realtime?model=…`), text output. WebSocket only: it has
 * no HTTP mode. The socket carries a session: the server opens it with `session.created`, then each turn
 * is a `response.create` answered by events ending in `response.done`. The GA API and the beta (the
 * `openai-beta: realtime=v1` upgrade header) name some events differently; both are decoded, and GA
 * request fields are sent (no beta header).
 */

const DELTAS = new DeltaTypes([
  ['response.output_text.delta', 'text'],
  ['response.text.delta', 'text'], // beta
  // The transcript of spoken output is the same answer as text.
  ['response.output_audio_transcript.delta', 'text'],
  ['response.audio_transcript.delta', 'text'], // beta
  ['response.function_call_arguments.delta', 'tool'],
]);

/** What the server answers a response.cancel with when the response had already ended. */
const CANCEL_TOO_LATE = 'response_cancel_not_active';

/**
 * Turns Realtime server events into sink calls for one turn. Deltas, nearly all of a stream, take a
 * byte-scanning fast path; everything else is `JSON.parse`d, and whatever the decoder does not know
 * (session.*, rate_limits.updated, conversation.item.*, response.output_item.*, response.content_part.*,
 * the *.done of each part) is ignored. `fastPath: false` runs the parse path alone, which is how the
 * tests prove the two agree.
 */
export class RealtimeEvents implements MessageDecoder {
  /** done or error has been reported; later events are dropped. */
  finished = false;
  private readonly deltas = new TypedDeltaReader(DELTAS);

  constructor(
    private readonly sink: EventSink,
    private readonly fastPath = true,
  ) {}

  message(data: Buffer, t: Nanos): boolean {
    if (!this.finished && !(this.fastPath && this.fastDelta(data, t))) this.parsed(data.toString('utf8'), t);
    return this.finished;
  }

  private fastDelta(buf: Buffer, t: Nanos): boolean {
    return this.deltas.fast(buf, 0, buf.length, t, this.sink);
  }

  private parsed(json: string, t: Nanos): void {
    const ev = parseObject(json);
    if (ev === undefined) {
      this.finished = true;
      return reportMalformed(this.sink, t, json);
    }
    const type = ev.type;
    if (typeof type !== 'string') return;
    if (this.deltas.parsed(ev, type, t, this.sink)) return;
    switch (type) {
      case 'response.created':
        return this.sink.ack(t);
      case 'response.done':
        return this.done(isObject(ev.response) ? ev.response : {}, t);
      case 'error':
        // A cancel that raced the response's own end: the session is unaffected, and so is the turn.
        if (isObject(ev.error) && ev.error.code === CANCEL_TOO_LATE) return;
        this.finished = true;
        return reportErrorPayload(this.sink, t, ev);
    }
  }

  /** response.done ends every response, whatever became of it: its status says what. */
  private done(response: Record<string, unknown>, t: Nanos): void {
    this.finished = true;
    const details = isObject(response.status_details) ? response.status_details : {};
    switch (response.status) {
      case 'failed':
        return reportErrorPayload(this.sink, t, details, 'server_error');
      case 'incomplete':
        if (details.reason !== 'max_output_tokens') return reportIncomplete(this.sink, t, details.reason);
        break;
      // 'cancelled' is complete too: the client asked for it (an interrupt), and the usage says how far it got.
    }
    const usage = response.usage;
    if (isObject(usage) && typeof usage.output_tokens === 'number') {
      const input = typeof usage.input_tokens === 'number' ? usage.input_tokens : undefined;
      this.sink.usage(input, usage.output_tokens, undefined, cachedTokens(usage.input_token_details));
    }
    this.sink.done(t, typeof response.id === 'string' ? response.id : undefined);
  }
}

/** The session is ready once the server's greeting is in. */
function sessionCreated(data: Buffer): boolean {
  return parseObject(data.toString('utf8'))?.type === 'session.created';
}

/**
 * The prompt (or the conversation) as the response's own input, so each turn is answered from it alone rather than from the
 * conversation the socket has accumulated.
 */
function encode(req: RequestInput): string {
  return JSON.stringify({
    type: 'response.create',
    response: {
      output_modalities: ['text'],
      input: textMessages(req).map((m) => ({
        type: 'message',
        role: m.role,
        content: [{ type: m.role === 'assistant' ? 'output_text' : 'input_text', text: m.text }],
      })),
      max_output_tokens: req.maxOutputTokens,
      ...req.extra,
    },
  });
}

/**
 * What an interrupt sends to stop the response in progress. Realtime, unlike Responses WebSocket mode,
 * can cancel a response without closing the socket: the server stops generating and ends the turn with a
 * `response.done` whose status is `cancelled`, and the session stays ready for the next turn.
 */
export function cancelMessage(): string {
  return '{"type":"response.cancel"}';
}

export const openaiRealtime = {
  kind: 'openai-realtime',
  ws: {
    path: '/v1/realtime',
    // The GA API needs no beta header (the beta wanted `openai-beta: realtime=v1`; a scenario can add it).
    headers: {},
    query: (req: RequestInput) => ({ model: req.model }),
    ready: sessionCreated,
    cancel: cancelMessage(),
    encode,
    decoder: (sink: EventSink, fastPath = true): MessageDecoder => new RealtimeEvents(sink, fastPath),
  },
} satisfies ProtocolAdapter;
