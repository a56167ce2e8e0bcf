/**
 * The floor bench/accuracy measures wirebench against: the least a Node client can do per token and still
 * time it. One kept-alive `node:net` socket per user, Chat Completions requests written by hand, every
 * socket read stamped on arrival; per read only a scan for the stamps (`"wb_t":"…"`) and for the first
 * non-empty content. No HTTP parser, no SSE parser, no JSON. What this process's figures show is what the
 * machine, the kernel and Node's socket path cost at that load: a client's error below them is impossible
 * in Node, and the distance from them to wirebench's is wirebench's own.
 *
 * Same load as a wirebench closed loop: per user `--warmup-per-user` unmeasured answers, then
 * `--per-user` measured ones, users started over `--ramp-up` seconds. Prints one JSON summary on stdout.
 * Usage: node dist/bench/peers/floor-client.js --url http://HOST:PORT --streams 128 [--tokens 500]
 *   [--per-user 4] [--warmup-per-user 2] [--ramp-up 0.5]
 */
import net from 'node:net';

import { now, stampAt } from '../../src/core/clock.js';
import { ClientMonitor } from '../../src/metrics/client-monitor.js';
import { numArg } from '../lib/args.js';

const url = new URL(process.argv[process.argv.indexOf('--url') + 1]);
const STREAMS = numArg('streams', 16);
const TOKENS = numArg('tokens', 500);
const PER_USER = numArg('per-user', 4);
const WARMUP = numArg('warmup-per-user', 2);
const RAMP_UP_S = numArg('ramp-up', 0.5);

const STAMP = Buffer.from('"wb_t":"');
const CONTENT = Buffer.from('"content":"');
/** The end of a chunked body: an SSE payload holds no CR, so only the last chunk ends this way. */
const LAST_CHUNK = Buffer.from('\r\n0\r\n\r\n');
const QUOTE = 0x22;

const body = JSON.stringify({
  model: 'bench',
  messages: [{ role: 'user', content: 'Write a haiku about sockets.' }],
  max_completion_tokens: TOKENS,
  stream: true,
  stream_options: { include_usage: true },
});
const request = Buffer.from(
  `POST /v1/chat/completions HTTP/1.1\r\nhost: ${url.host}\r\ncontent-type: application/json\r\n` +
    `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
);

/** Measured samples, ms; plain arrays are fine for a bench's few hundred thousand. */
const ttft: number[] = [];
const itl: number[] = [];
const tokenDelay: number[] = [];
const monitor = new ClientMonitor();
let ok = 0;

/** Records each stamp's delay to `t`, ms; returns how many stamps (one per event) `chunk` held. */
function stamps(chunk: Buffer, t: number): number {
  let n = 0;
  for (let i = chunk.indexOf(STAMP); i >= 0; i = chunk.indexOf(STAMP, i + STAMP.length)) {
    const start = i + STAMP.length;
    const end = chunk.indexOf(QUOTE, start);
    if (end < 0) break;
    tokenDelay.push((t - stampAt(chunk, start, end)) / 1e6);
    n++;
  }
  return n;
}

/** Whether `chunk` holds a non-empty `"content":"…"` (the role chunk's is empty). */
function hasContent(chunk: Buffer): boolean {
  for (let i = chunk.indexOf(CONTENT); i >= 0; i = chunk.indexOf(CONTENT, i + 1)) {
    if (chunk[i + CONTENT.length] !== QUOTE) return true;
  }
  return false;
}

function user(index: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let left = WARMUP + PER_USER;
    let sent = 0;
    let last = 0;
    let first = true;
    let prev: Buffer = Buffer.alloc(0);
    const socket = net.connect({ host: url.hostname, port: Number(url.port) });
    socket.setNoDelay(true);
    const send = (): void => {
      left--;
      first = true;
      sent = now();
      socket.write(request);
    };
    socket.once('connect', () => setTimeout(send, (RAMP_UP_S * 1000 * index) / STREAMS));
    socket.on('data', (chunk: Buffer) => {
      const t = now();
      const measured = left < PER_USER;
      const wasFirst = first;
      if (first && hasContent(chunk)) {
        first = false;
        if (measured) ttft.push((t - sent) / 1e6);
      }
      // The acceptance (role chunk) is not a token: stamps count from the first content on.
      if (measured && !first) {
        const n = stamps(chunk, t);
        // A read's first event gets the gap since the read before, the rest 0, as any arrival-stamping
        // client sees them; the first token's gap is its TTFT.
        if (n > 0 && !wasFirst) {
          itl.push((t - last) / 1e6);
          for (let k = 1; k < n; k++) itl.push(0);
        }
        if (n > 0) last = t;
      }
      const tail = chunk.length >= LAST_CHUNK.length ? chunk : Buffer.concat([prev, chunk]);
      prev = chunk;
      const n = tail.length;
      if (n < LAST_CHUNK.length || tail.compare(LAST_CHUNK, 0, LAST_CHUNK.length, n - LAST_CHUNK.length, n) !== 0)
        return;
      if (measured) ok++;
      if (left > 0) send();
      else socket.end();
    });
    socket.on('close', () => (left === 0 ? resolve() : reject(new Error('connection closed early'))));
    socket.on('error', reject);
  });
}

function pcts(xs: number[]): { p50: number; p99: number; count: number } | null {
  if (xs.length === 0) return null;
  const s = Float64Array.from(xs).sort();
  const at = (q: number): number => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
  return { p50: at(0.5), p99: at(0.99), count: s.length };
}

// The monitor covers the whole run: warm-up answers overlap measured ones across users, as in a run.
monitor.resume();
await Promise.all(Array.from({ length: STREAMS }, (_, i) => user(i)));
const client = monitor.stats();
console.log(
  JSON.stringify({
    requests: STREAMS * PER_USER,
    ok,
    ttft_ms: pcts(ttft),
    itl_ms: pcts(itl),
    token_delay_ms: pcts(tokenDelay),
    loop_p99_ms: client.event_loop_delay_ms.p99,
    cpu_percent: client.cpu_percent,
  }),
);
