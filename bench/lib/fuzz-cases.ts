/**
 * Hostile-input properties of the stream decoders, shared by the vitest fuzz tests (few cases, every
 * `npm test`) and bench/fuzz.ts (millions). Inputs are the recorded fixtures cut, corrupted and
 * distorted, plus raw random and degenerate bytes. A case fails only by throwing: a decoder may throw
 * nothing but the line-length bounds (the transports class those as protocol/decode_failed).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import fc from 'fast-check';

import { type Channel, ERROR_CLASSES, type EventSink, type ToolCall } from '../../src/core/types.js';
import { NdjsonLineTooLong } from '../../src/protocols/ndjson.js';
import { getProtocol } from '../../src/protocols/registry.js';
import { SseLineTooLong } from '../../src/protocols/sse.js';

/** Run from the package root (npm scripts and vitest both are), so source and dist find the same files. */
const FIXTURES = path.resolve('test/fixtures/protocols');

/** The adapter each recorded HTTP stream comes from, by file-name prefix. */
const HTTP_KINDS: Readonly<Record<string, string>> = {
  anthropic: 'anthropic-messages',
  chat: 'openai-chat',
  responses: 'openai-responses',
  tgi: 'tgi-generate-stream',
  'ollama-chat': 'ollama-chat',
  'ollama-generate': 'ollama-generate',
  'ollama-error': 'ollama-generate',
};

export interface Recorded {
  kind: string;
  sse: boolean;
  body: Buffer;
  /** The JSON payloads in order: an SSE event's data, an NDJSON line, a Realtime message. */
  payloads: string[];
}

function record(name: string, kind: string, sse: boolean): Recorded {
  const body = readFileSync(path.join(FIXTURES, name));
  const lines = body.toString('utf8').split('\n');
  const payloads = sse ? lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)) : lines.filter(Boolean);
  return { kind, sse, body, payloads: payloads.filter((p) => p.startsWith('{')) };
}

const files = readdirSync(FIXTURES).sort();
const kindOf = (name: string): string | undefined =>
  Object.entries(HTTP_KINDS).find(([prefix]) => name.startsWith(`${prefix}-`) || name === `${prefix}.ndjson`)?.[1];
export const HTTP_STREAMS: readonly Recorded[] = files.flatMap((n) => {
  const kind = kindOf(n);
  return kind === undefined ? [] : [record(n, kind, n.endsWith('.sse'))];
});
/** WebSocket turns: Realtime recordings, and the Responses streams' events (its ws mode sends the same). */
export const WS_TURNS: readonly Recorded[] = [
  ...files.filter((n) => n.startsWith('realtime-')).map((n) => record(n, 'openai-realtime', false)),
  ...HTTP_STREAMS.filter((r) => r.kind === 'openai-responses'),
];

/** A sink that keeps every call and checks the one thing it can on the spot: the error class is known. */
export class CheckingSink implements EventSink {
  readonly calls: unknown[][] = [];
  ack(t: number): void {
    this.calls.push(['ack', t]);
  }
  delta(t: number, channel: Channel, text: string, written: number | undefined): void {
    if (typeof text !== 'string') throw new Error(`delta text is ${typeof text}`);
    this.calls.push(['delta', t, channel, text, written]);
  }
  usage(input: number | undefined, output: number): void {
    this.calls.push(['usage', input, output]);
  }
  done(t: number, id: string | undefined): void {
    this.calls.push(['done', t, id]);
  }
  error(t: number, cls: string, code: string | undefined, message: string | undefined): void {
    if (!(ERROR_CLASSES as readonly string[]).includes(cls)) throw new Error(`unknown error class ${cls}`);
    this.calls.push(['error', t, cls, code, message]);
  }
  toolCall(call: ToolCall): void {
    this.calls.push(['toolCall', call.callId, call.name, call.arguments]);
  }
  over(): boolean {
    return this.calls.some((c) => c[0] === 'done' || c[0] === 'error');
  }
}

const allowed = (err: unknown): boolean => err instanceof SseLineTooLong || err instanceof NdjsonLineTooLong;

/** One HTTP body through `kind`'s decoder, every chunk at the same time so chunkings compare. */
export function decodeHttp(kind: string, chunks: readonly Buffer[]): unknown[][] {
  const sink = new CheckingSink();
  const decoder = getProtocol(kind)!.http!.decoder(sink);
  try {
    for (const c of chunks) decoder.push(c, 1);
  } catch (err) {
    if (!allowed(err)) throw err;
    return sink.calls;
  }
  decoder.end(1);
  if (!sink.over()) throw new Error(`${kind}: the body ended without done or error`);
  return sink.calls;
}

/** One turn's messages through `kind`'s WebSocket decoder, as the transport feeds them (until it says over). */
export function decodeWs(kind: string, messages: readonly Buffer[]): unknown[][] {
  const ws = getProtocol(kind)!.ws!;
  const sink = new CheckingSink();
  const decoder = ws.decoder(sink);
  for (const m of messages) {
    ws.ready?.(m);
    if (decoder.message(m, 1)) break;
  }
  return sink.calls;
}

/** `body` cut at `cuts` (any naturals; taken modulo the length). */
export function split(body: Buffer, cuts: readonly number[]): Buffer[] {
  const at = cuts.map((c) => c % (body.length + 1)).sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const c of at) out.push(body.subarray(prev, (prev = c)));
  out.push(body.subarray(prev));
  return out;
}

/** Bytes that mean something to the readers: line ends, field syntax, JSON syntax, UTF-8 lead and stray bytes. */
const SHARP = [0x0a, 0x0d, 0x3a, 0x20, 0x00, 0x22, 0x5c, 0x7b, 0x7d, 0x5b, 0xc3, 0xe2, 0xf0, 0x80, 0xff, 0xef];
const byteArb = fc.oneof(fc.constantFrom(...SHARP), fc.integer({ min: 0, max: 255 }));
const editArb = fc.record({ at: fc.nat(), op: fc.integer({ min: 0, max: 2 }), byte: byteArb });

/** `body` with bytes replaced, inserted or deleted. */
function mutate(body: Buffer, edits: readonly { at: number; op: number; byte: number }[]): Buffer {
  const b = [...body];
  for (const { at, op, byte } of edits) {
    const i = at % (b.length + 1);
    if (op === 0 && i < b.length) b[i] = byte;
    else if (op === 1) b.splice(i, 0, byte);
    else b.splice(i, 1);
  }
  return Buffer.from(b);
}

/**
 * JSON text that stresses a consumer where a recorded value was: wrong types, deep nesting, long text.
 * Text, not values: nesting deeper than JSON.stringify's stack is spliced in as it is.
 */
const hostileValueArb: fc.Arbitrary<string> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.integer({ min: 1, max: 100_000 }).map((n) => '['.repeat(n) + ']'.repeat(n)),
  fc.integer({ min: 1, max: 100_000 }).map((n) => '{"a":'.repeat(n) + '0' + '}'.repeat(n)),
  fc.integer({ min: 0, max: 100_000 }).map((n) => JSON.stringify('é'.repeat(n))),
  fc.constantFrom('null', '-1', '1e999', '-0', '""', '"\\ud800"', '{}', '[]', 'true', '"__proto__"'),
);

const MARK = '\u0000fuzz-mark';

/** A payload with one value (found by walking a random path) replaced by `value`, a JSON text. */
function replaceAt(payload: string, steps: readonly number[], value: string): string {
  let root: unknown;
  try {
    root = JSON.parse(payload);
  } catch {
    return payload;
  }
  let node = root;
  for (const s of steps) {
    if (typeof node !== 'object' || node === null) break;
    const keys = Object.keys(node);
    if (keys.length === 0) break;
    const key = keys[s % keys.length];
    const child = (node as Record<string, unknown>)[key];
    if (typeof child !== 'object' || child === null || s % 3 === 0) {
      (node as Record<string, unknown>)[key] = MARK;
      return JSON.stringify(root).replace(JSON.stringify(MARK), () => value);
    }
    node = child;
  }
  return value;
}

const payloadEditArb = fc.record({
  which: fc.nat(),
  steps: fc.array(fc.nat(), { maxLength: 6 }),
  value: hostileValueArb,
});

/** A recording's payloads with a few values replaced. */
export function editedPayloads(r: Recorded, edits: readonly { which: number; steps: number[]; value: string }[]) {
  const out = [...r.payloads];
  // One edit per payload: an edited one may be nested past what JSON.stringify can write back.
  const done = new Set<number>();
  for (const e of edits) {
    const i = e.which % out.length;
    if (out.length > 0 && !done.has(i)) out[i] = replaceAt(out[i], e.steps, e.value);
    done.add(i);
  }
  return out;
}

const frame = (sse: boolean, payloads: readonly string[]): Buffer =>
  Buffer.from(payloads.map((p) => (sse ? `data: ${p}\n\n` : `${p}\n`)).join(''));

/** Degenerate bodies: one huge line, many tiny events, nothing but line ends or comments, deep nesting. */
const degenerateArb = fc
  .tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 1, max: 200_000 }))
  .map(([shape, n]) => {
    switch (shape) {
      case 0:
        return `data: {"x":"${'a'.repeat(n * 5)}"}\n\n`;
      case 1:
        return 'data: {}\n\n'.repeat(Math.ceil(n / 10));
      case 2:
        return '\n'.repeat(n);
      case 3:
        return '\r'.repeat(n);
      case 4:
        return ':\r\n'.repeat(Math.ceil(n / 3));
      case 5:
        return `data: ${'['.repeat(n)}${']'.repeat(n)}\n\n`;
      default:
        return 'data: x\ndata: y\r'.repeat(Math.ceil(n / 16));
    }
  })
  .map((s) => Buffer.from(s));

/** An HTTP case: which adapter, the body, and where it is cut. */
export interface HttpCase {
  kind: string;
  body: Buffer;
  cuts: number[];
}

const cutsArb = fc.array(fc.nat(), { maxLength: 24 });
const recordingArb = fc.constantFrom(...HTTP_STREAMS);
const kindArb = fc.constantFrom(...new Set(HTTP_STREAMS.map((r) => r.kind)));

export const httpCaseArb: fc.Arbitrary<HttpCase> = fc.oneof(
  fc.record({ kind: kindArb, body: fc.uint8Array({ maxLength: 1024 }).map((a) => Buffer.from(a)), cuts: cutsArb }),
  fc
    .tuple(recordingArb, fc.array(editArb, { minLength: 1, maxLength: 8 }), cutsArb)
    .map(([r, edits, cuts]) => ({ kind: r.kind, body: mutate(r.body, edits), cuts })),
  fc.tuple(recordingArb, fc.constantFrom('\r\n', '\r', '\n'), cutsArb).map(([r, eol, cuts]) => ({
    kind: r.kind,
    body: Buffer.from(r.body.toString('latin1').replace(/\n/g, eol), 'latin1'),
    cuts,
  })),
  fc
    .tuple(recordingArb, fc.array(payloadEditArb, { minLength: 1, maxLength: 3 }), cutsArb)
    .map(([r, edits, cuts]) => ({ kind: r.kind, body: frame(r.sse, editedPayloads(r, edits)), cuts })),
  fc.record({ kind: kindArb, body: degenerateArb, cuts: cutsArb }),
);

/** A WebSocket case: which adapter and the turn's messages. */
export interface WsCase {
  kind: string;
  messages: Buffer[];
}

const wsRecordingArb = fc.constantFrom(...WS_TURNS);
export const wsCaseArb: fc.Arbitrary<WsCase> = fc.oneof(
  fc.record({
    kind: fc.constantFrom('openai-responses', 'openai-realtime'),
    messages: fc.array(
      fc.uint8Array({ maxLength: 256 }).map((a) => Buffer.from(a)),
      { maxLength: 8 },
    ),
  }),
  fc
    .tuple(wsRecordingArb, fc.array(payloadEditArb, { minLength: 1, maxLength: 3 }))
    .map(([r, edits]) => ({ kind: r.kind, messages: editedPayloads(r, edits).map((p) => Buffer.from(p)) })),
  fc.tuple(wsRecordingArb, fc.nat(), fc.array(editArb, { minLength: 1, maxLength: 6 })).map(([r, which, edits]) => ({
    kind: r.kind,
    messages: r.payloads.map((p, i) =>
      i === which % r.payloads.length ? mutate(Buffer.from(p), edits) : Buffer.from(p),
    ),
  })),
);

/** The HTTP property: no exception but the bounds, an ending, and the same calls whatever the chunking. */
export function checkHttp({ kind, body, cuts }: HttpCase): void {
  const whole = JSON.stringify(decodeHttp(kind, [body]));
  const cut = JSON.stringify(decodeHttp(kind, split(body, cuts)));
  if (cut !== whole) throw new Error(`${kind}: chunking changed the events`);
}

/** The WebSocket property: no exception at all (the transport would class one as decode_failed). */
export function checkWs({ kind, messages }: WsCase): void {
  decodeWs(kind, messages);
}
