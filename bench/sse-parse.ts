/**
 * CPU cost per SSE event of decoding a 1000-delta Responses stream, side by side (budget:
 * ≤ 1.0 µs per event). Figures, not a test: `npm run build && node dist/bench/sse-parse.js`.
 *
 *   wirebench        SseReader + Responses decoder (byte fast path) into a counting sink
 *   wirebench/parse  the same with the fast path off: every event JSON.parse'd
 *   eventsource-p.   TextDecoder (stream) + eventsource-parser@3 + JSON.parse per event
 *   floor            only counts "\n\n" with Buffer.indexOf: what any reader pays to see the bytes
 */
import { createParser } from 'eventsource-parser';

import { openaiResponses } from '../src/protocols/openai-responses.js';
import { CountingSink } from './lib/counting-sink.js';

const DELTAS = 1000;
const CHUNK = 1500;
const WORDS = [' the', ' quick', ' brown', ' fox', ' jumps', ' over', ' lazy', ' dog', ',', ' and', ' then', '.'];

/** The stream as the reference server writes it. */
function synthesize(): { chunks: Buffer[]; events: number; chars: number } {
  const msg = 'msg_67c9fdcf37fc8190ba82116e33fb28c507b8b0ad4e5eb654';
  const resp = (status: string, usage: string): string =>
    `{"id":"resp_67c9fdcecf488190bdd9a0409de3a1ec07b8b0ad4e5eb654","object":"response","created_at":1741290958,"status":"${status}","model":"wirebench-ref","output":[],"usage":${usage}}`;
  const parts: string[] = [];
  let seq = 0;
  const ev = (type: string, body: string): void => {
    parts.push(`event: ${type}\ndata: {"type":"${type}","sequence_number":${seq++},${body}}\n\n`);
  };
  ev('response.created', `"response":${resp('in_progress', 'null')}`);
  ev('response.in_progress', `"response":${resp('in_progress', 'null')}`);
  ev(
    'response.output_item.added',
    `"output_index":0,"item":{"id":"${msg}","type":"message","status":"in_progress","content":[],"role":"assistant"}`,
  );
  ev(
    'response.content_part.added',
    `"item_id":"${msg}","output_index":0,"content_index":0,"part":{"type":"output_text","annotations":[],"text":""}`,
  );
  let text = '';
  for (let i = 0; i < DELTAS; i++) {
    const w = WORDS[i % WORDS.length];
    text += w;
    ev(
      'response.output_text.delta',
      `"item_id":"${msg}","output_index":0,"content_index":0,"delta":"${w}","logprobs":[]`,
    );
  }
  ev(
    'response.output_text.done',
    `"item_id":"${msg}","output_index":0,"content_index":0,"text":"${text}","logprobs":[]`,
  );
  ev(
    'response.content_part.done',
    `"item_id":"${msg}","output_index":0,"content_index":0,"part":{"type":"output_text","annotations":[],"text":"${text}"}`,
  );
  ev(
    'response.output_item.done',
    `"output_index":0,"item":{"id":"${msg}","type":"message","status":"completed","content":[],"role":"assistant"}`,
  );
  ev(
    'response.completed',
    `"response":${resp('completed', '{"input_tokens":40,"output_tokens":1000,"total_tokens":1040}')}`,
  );
  const all = Buffer.from(parts.join(''));
  const chunks: Buffer[] = [];
  // Fresh buffers per chunk, as a socket delivers them.
  for (let i = 0; i < all.length; i += CHUNK) chunks.push(Buffer.from(all.subarray(i, i + CHUNK)));
  return { chunks, events: parts.length, chars: text.length };
}

/** Returns what it saw, for a cross-check: the decoders the delta characters, the floor the events. */
type Contender = (chunks: readonly Buffer[]) => number;

function wirebench(fastPath: boolean): Contender {
  return (chunks) => {
    const sink = new CountingSink();
    const dec = openaiResponses.http.decoder(sink, fastPath);
    for (let i = 0; i < chunks.length; i++) dec.push(chunks[i], i);
    dec.end(chunks.length);
    return sink.chars;
  };
}

const eventsourceParser: Contender = (chunks) => {
  const sink = new CountingSink();
  const parser = createParser({
    onEvent(e) {
      const o = JSON.parse(e.data) as { type: string; delta?: string };
      if (o.type === 'response.output_text.delta' && o.delta !== undefined) sink.delta(0, 'text', o.delta);
    },
  });
  const dec = new TextDecoder();
  for (const c of chunks) parser.feed(dec.decode(c, { stream: true }));
  return sink.chars;
};

const floor: Contender = (chunks) => {
  let events = 0;
  let prevEndsLF = false;
  for (const c of chunks) {
    if (prevEndsLF && c[0] === 10) events++;
    for (let i = c.indexOf('\n\n'); i !== -1; i = c.indexOf('\n\n', i + 2)) events++;
    prevEndsLF = c[c.length - 1] === 10;
  }
  return events;
};

function cpuNs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

function main(): void {
  const { chunks, events, chars } = synthesize();
  const contenders: Array<[string, Contender]> = [
    ['wirebench', wirebench(true)],
    ['wirebench/parse', wirebench(false)],
    ['eventsource-parser', eventsourceParser],
    ['floor', floor],
  ];
  for (const [name, run] of contenders) {
    const n = run(chunks);
    const expected = name === 'floor' ? events : chars;
    if (n !== expected) throw new Error(`${name} counted ${n}, expected ${expected}`);
  }
  const STREAMS_PER_ROUND = 40;
  const ROUNDS = 25;
  const warm = (run: Contender): void => {
    for (let i = 0; i < 200; i++) run(chunks);
  };
  contenders.forEach(([, run]) => warm(run));
  // Rounds alternate between contenders so that drift on a shared machine hits all of them alike.
  const samples = new Map<string, number[]>(contenders.map(([name]) => [name, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, run] of contenders) {
      const t0 = cpuNs();
      for (let i = 0; i < STREAMS_PER_ROUND; i++) run(chunks);
      samples.get(name)!.push((cpuNs() - t0) / (STREAMS_PER_ROUND * events));
    }
  }
  const bytes = chunks.reduce((n, c) => n + c.length, 0);
  console.log(
    `Responses SSE stream: ${events} events (${DELTAS} deltas), ${bytes} bytes in ${chunks.length} chunks of ${CHUNK} B; ` +
      `${ROUNDS} rounds × ${STREAMS_PER_ROUND} streams; Node ${process.version}`,
  );
  const ours = median(samples.get('wirebench')!);
  const base = median(samples.get('floor')!);
  console.log('contender            CPU ns/event (median)   min     × floor   × wirebench');
  for (const [name] of contenders) {
    const s = samples.get(name)!;
    const m = median(s);
    console.log(
      `${name.padEnd(20)} ${m.toFixed(0).padStart(12)} ${Math.min(...s)
        .toFixed(0)
        .padStart(13)} ${(m / base).toFixed(2).padStart(9)} ${(m / ours).toFixed(2).padStart(12)}`,
    );
  }
}

main();
