import { stampValue } from '../core/clock.js';
import type {
  EventSink,
  HttpProtocol,
  MessageDecoder,
  Nanos,
  ProtocolAdapter,
  RequestInput,
  StreamDecoder,
  WsProtocol,
} from '../core/types.js';
import {
  classifyError,
  isObject,
  parseObject,
  reportErrorPayload,
  reportMalformed,
  reportStreamEnded,
} from './errors.js';
import { JsonPointer, JsonPointerError } from './json-pointer.js';
import { chatMessages, promptText } from './messages.js';
import { NdjsonStreamDecoder } from './ndjson.js';
import { SseStreamDecoder } from './sse.js';

/**
 * The generic protocol: any streaming JSON endpoint described by configuration (Ollama, TGI, custom
 * servers). A templated request body; an SSE or NDJSON response whose events are JSON objects; JSON
 * pointers that pick the delta text, the done marker and the usage counts out of each event.
 */

export type JsonValue = null | boolean | number | string | readonly JsonValue[] | JsonObject;
export type JsonObject = { readonly [key: string]: JsonValue };

export interface GenericConfig {
  path: string;
  method?: 'POST';
  /** On top of content-type and accept, which follow from `response`. */
  headers?: Readonly<Record<string, string>>;
  /**
   * The request body. String values may contain `{{prompt}}` (a conversation's messages joined by blank
   * lines), `{{model}}` and `{{max_tokens}}`; a value that is exactly `"{{max_tokens}}"` becomes the
   * number, exactly `"{{messages}}"` the `[{role, content}]` list. The request's extra fields are merged last.
   */
  body: JsonObject;
  response: 'sse' | 'ndjson';
  select: {
    /** The delta text of an event (events without a string there carry no text). */
    delta: string;
    /**
     * The event that ends the response: the value at `pointer` equals `equals`, or without `equals`
     * is present and not null. SSE streams may also end with `data: [DONE]`. Without a done marker
     * the end of the body is the end of the response.
     */
    done?: { pointer: string; equals?: string | number | boolean | null };
    /** Output and input token counts, read from the last event that has them. */
    usage_output?: string;
    usage_input?: string;
  };
  /** A WebSocket mode: one templated message per request, one JSON event per message back. */
  ws?: { path: string; message: JsonObject };
}

export class GenericConfigError extends Error {
  constructor(message: string) {
    super(`generic protocol: ${message}`);
    this.name = 'GenericConfigError';
  }
}

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const MAX_TOKENS = /^\{\{\s*max_tokens\s*\}\}$/;
const MESSAGES = /^\{\{\s*messages\s*\}\}$/;
const NAMES = new Set(['prompt', 'model', 'max_tokens', 'messages']);

function placeholder(req: RequestInput, name: string): string | number {
  return name === 'prompt' ? promptText(req) : name === 'model' ? req.model : req.maxOutputTokens;
}

function fill(template: JsonValue, req: RequestInput): JsonValue {
  if (typeof template === 'string') {
    if (MAX_TOKENS.test(template)) return req.maxOutputTokens;
    if (MESSAGES.test(template)) return chatMessages(req);
    return template.includes('{{')
      ? template.replace(PLACEHOLDER, (_m, name: string) => String(placeholder(req, name)))
      : template;
  }
  if (Array.isArray(template)) return template.map((v: JsonValue) => fill(v, req));
  if (template === null || typeof template !== 'object') return template;
  const out: Record<string, JsonValue> = {};
  for (const [k, v] of Object.entries(template)) out[k] = fill(v, req);
  return out;
}

/** Rejects placeholders the request cannot fill: a typo would otherwise be sent to the server verbatim. */
function checkTemplate(template: JsonValue, where: string): void {
  if (typeof template === 'string') {
    for (const [, name] of template.matchAll(PLACEHOLDER)) {
      if (!NAMES.has(name))
        throw new GenericConfigError(`${where}: unknown placeholder {{${name}}} (known: ${[...NAMES].join(', ')})`);
      if (name === 'messages' && !MESSAGES.test(template)) {
        throw new GenericConfigError(
          `${where}: {{messages}} stands for a list, so it must be the whole value ("{{messages}}")`,
        );
      }
    }
  } else if (Array.isArray(template)) {
    template.forEach((v: JsonValue, i) => checkTemplate(v, `${where}[${i}]`));
  } else if (template !== null && typeof template === 'object') {
    for (const [k, v] of Object.entries(template)) checkTemplate(v, `${where}.${k}`);
  }
}

function encoder(template: JsonObject, where: string): (req: RequestInput) => string {
  if (!isObject(template)) throw new GenericConfigError(`${where} must be a JSON object`);
  checkTemplate(template, where);
  return (req) => JSON.stringify({ ...(fill(template, req) as object), ...req.extra });
}

/** The selectors, parsed once. */
interface Selectors {
  delta: JsonPointer;
  done: { pointer: JsonPointer; equals?: string | number | boolean | null } | undefined;
  output: JsonPointer | undefined;
  input: JsonPointer | undefined;
}

function pointer(p: string, where: string): JsonPointer {
  try {
    return new JsonPointer(p);
  } catch (e) {
    if (e instanceof JsonPointerError) throw new GenericConfigError(`${where}: ${e.message}`);
    throw e;
  }
}

const DONE = Buffer.from('[DONE]');

/**
 * Turns events (one JSON object each) into sink calls: the first event is the ack; a string at the delta
 * pointer is a text delta; a non-null top-level `error` (Ollama, TGI and OpenAI-style servers all put
 * failures there) is a classified error; the done marker ends the response, after the usage.
 */
class GenericEvents {
  /** done or error has been reported; later events are dropped. */
  finished = false;
  private acked = false;
  private inputTokens: number | undefined;
  private outputTokens: number | undefined;

  constructor(
    private readonly sink: EventSink,
    private readonly select: Selectors,
    private readonly doneSentinel: boolean,
  ) {}

  event(buf: Buffer, start: number, end: number, t: Nanos): void {
    if (this.finished) return;
    if (this.doneSentinel && end - start === DONE.length && buf.compare(DONE, 0, DONE.length, start, end) === 0) {
      return this.finish(t);
    }
    const json = buf.toString('utf8', start, end);
    const ev = parseObject(json);
    if (ev === undefined) {
      this.finished = true;
      return reportMalformed(this.sink, t, json);
    }
    if (ev.error !== undefined && ev.error !== null) {
      this.finished = true;
      return reportError(this.sink, t, ev);
    }
    if (!this.acked) {
      this.acked = true;
      this.sink.ack(t);
    }
    const s = this.select;
    const text = s.delta.get(ev);
    if (typeof text === 'string') this.sink.delta(t, 'text', text, stampValue(ev.wb_t));
    const output = s.output?.get(ev);
    if (typeof output === 'number') this.outputTokens = output;
    const input = s.input?.get(ev);
    if (typeof input === 'number') this.inputTokens = input;
    if (s.done !== undefined && isDone(s.done, ev)) this.finish(t);
  }

  /** The body ended: the end of the response when there is no done marker, else a cut stream. */
  end(t: Nanos): void {
    if (this.finished) return;
    if (this.select.done === undefined) this.finish(t);
    else reportStreamEnded(this.sink, t, `the done marker (${this.select.done.pointer.pointer})`);
  }

  private finish(t: Nanos): void {
    this.finished = true;
    if (this.outputTokens !== undefined) this.sink.usage(this.inputTokens, this.outputTokens, undefined);
    this.sink.done(t, undefined);
  }
}

function isDone(done: NonNullable<Selectors['done']>, ev: Record<string, unknown>): boolean {
  const v = done.pointer.get(ev);
  return done.equals === undefined ? v !== undefined && v !== null : v === done.equals;
}

/**
 * `{"error":"message"}` (Ollama; TGI adds `error_type`) or an OpenAI-style `{"error":{…}}`. TGI's
 * `overloaded` is its queue being full: the server's failure, not the request's.
 */
function reportError(sink: EventSink, t: Nanos, ev: Record<string, unknown>): void {
  if (typeof ev.error !== 'string') return reportErrorPayload(sink, t, ev);
  const kind = typeof ev.error_type === 'string' ? ev.error_type : undefined;
  sink.error(t, kind === 'overloaded' ? 'server_error' : classifyError(kind, undefined, undefined), kind, ev.error);
}

function wsProtocol(cfg: NonNullable<GenericConfig['ws']>, select: Selectors): WsProtocol {
  if (select.done === undefined)
    throw new GenericConfigError('ws needs select.done: a WebSocket turn has no end of body');
  return {
    path: cfg.path,
    headers: {},
    encode: encoder(cfg.message, 'ws.message'),
    decoder(sink: EventSink): MessageDecoder {
      const events = new GenericEvents(sink, select, false);
      return {
        message(data: Buffer, t: Nanos): boolean {
          events.event(data, 0, data.length, t);
          return events.finished;
        },
      };
    },
  };
}

/** A configured endpoint always has an HTTP mode (its WebSocket mode is the optional extra). */
export type GenericAdapter = ProtocolAdapter & { readonly http: HttpProtocol };

/** A protocol adapter for one configured endpoint; throws GenericConfigError on an unusable config. */
export function genericAdapter(cfg: GenericConfig, kind = 'generic'): GenericAdapter {
  if (!cfg.path.startsWith('/'))
    throw new GenericConfigError(`path must start with '/', got ${JSON.stringify(cfg.path)}`);
  if (cfg.method !== undefined && cfg.method !== 'POST')
    throw new GenericConfigError(`method must be POST, got ${String(cfg.method)}`);
  if (cfg.response !== 'sse' && cfg.response !== 'ndjson') {
    throw new GenericConfigError(`response must be sse or ndjson, got ${String(cfg.response)}`);
  }
  const sel = cfg.select;
  const select: Selectors = {
    delta: pointer(sel.delta, 'select.delta'),
    done:
      sel.done === undefined
        ? undefined
        : { pointer: pointer(sel.done.pointer, 'select.done.pointer'), equals: sel.done.equals },
    output: sel.usage_output === undefined ? undefined : pointer(sel.usage_output, 'select.usage_output'),
    input: sel.usage_input === undefined ? undefined : pointer(sel.usage_input, 'select.usage_input'),
  };
  const sse = cfg.response === 'sse';
  return {
    kind,
    http: {
      path: cfg.path,
      headers: {
        'content-type': 'application/json',
        accept: sse ? 'text/event-stream' : 'application/x-ndjson',
        ...cfg.headers,
      },
      encode: encoder(cfg.body, 'body'),
      decoder(sink: EventSink): StreamDecoder {
        const events = new GenericEvents(sink, select, sse);
        const onEnd = (t: Nanos) => events.end(t);
        return sse ? new SseStreamDecoder(events, onEnd) : new NdjsonStreamDecoder(events, onEnd);
      },
    },
    ...(cfg.ws !== undefined ? { ws: wsProtocol(cfg.ws, select) } : {}),
  };
}
