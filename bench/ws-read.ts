/**
 * CPU per WebSocket message of ws's receive path vs FrameReader, over the same server byte stream of
 * Responses-style JSON text events (~150 B). Figures, not a test:
 * `npx tsc -p tsconfig.build.json && node dist/bench/ws-read.js [rounds] [micro|e2e]`.
 *
 *   micro  the parsers alone, fed pre-built chunks: one frame per chunk (paced, as a streaming server's
 *          events usually arrive) or 64 per chunk (flood); each into a counting sink, then into the
 *          Responses decoder to show what share of a message's cost framing is. Synchronous, so it
 *          leaves out the callback ws's Receiver stream defers to after each socket read.
 *   e2e    a ws client over loopback from a server in a child process; "reader" takes the reads over
 *          with takeReads() after the upgrade, as the transport does. Client CPU (user+sys).
 */
import { fork } from 'node:child_process';
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import net from 'node:net';
import type { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';

import WebSocket from 'ws';

import { openaiResponses } from '../src/protocols/openai-responses.js';
import { FrameReader } from '../src/transport/ws-frames.js';
import { dataListeners, takeReads } from '../src/transport/ws-read.js';
import { CountingSink } from './lib/counting-sink.js';

const Receiver = (createRequire(import.meta.url)('ws') as { Receiver: new (o: object) => Writable }).Receiver;

const DELTAS = 1000;
const FLOOD = 64;
const WORDS = [' the', ' quick', ' brown', ' fox', ' jumps', ' over', ' lazy', ' dog', ',', ' and', ' then', '.'];

/** One Responses turn as WebSocket text frames, as a server sends them (unmasked). */
function frames(): Buffer[] {
  const msg = 'msg_67c9fdcf37fc8190ba82116e33fb28c507b8b0ad4e5eb654';
  const events = [`{"type":"response.created","sequence_number":0,"response":{"id":"resp_1","status":"in_progress"}}`];
  for (let i = 0; i < DELTAS; i++) {
    events.push(
      `{"type":"response.output_text.delta","sequence_number":${i + 1},"item_id":"${msg}","output_index":0,"content_index":0,"delta":"${WORDS[i % WORDS.length]}","logprobs":[]}`,
    );
  }
  events.push(
    `{"type":"response.completed","sequence_number":${DELTAS + 1},"response":{"id":"resp_1","status":"completed","usage":{"input_tokens":40,"output_tokens":${DELTAS},"total_tokens":${DELTAS + 40}}}}`,
  );
  return events.map((e) => {
    const data = Buffer.from(e);
    const head =
      data.length < 126
        ? Buffer.from([0x81, data.length])
        : Buffer.from([0x81, 126, data.length >> 8, data.length & 255]);
    return Buffer.concat([head, data]);
  });
}

/** Fresh buffers of `per` frames each, as a socket delivers them. */
function chunked(all: Buffer[], per: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < all.length; i += per) out.push(Buffer.concat(all.slice(i, i + per)));
  return out;
}

/** A message consumer: counts bytes, or runs the turn's Responses decoder. */
type Consume = (data: Buffer) => void;
function consumer(decode: boolean): { consume: Consume; seen: () => number } {
  let bytes = 0;
  const sink = new CountingSink();
  const dec = openaiResponses.ws.decoder(sink);
  return decode
    ? { consume: (d) => void dec.message(d, 0), seen: () => sink.chars }
    : { consume: (d) => void (bytes += d.length), seen: () => bytes };
}

/** ws's path per socket read: Receiver.write, its 'message' re-emitted by the WebSocket, the listener. */
function viaWs(chunks: Buffer[], consume: Consume): void {
  const r = new Receiver({ isServer: false, skipUTF8Validation: true, maxPayload: 100 * 1024 * 1024 });
  const socketSide = new EventEmitter();
  r.on('message', (data: Buffer, binary: boolean) => socketSide.emit('message', data, binary));
  socketSide.on('message', consume);
  for (let i = 0; i < chunks.length; i++) r.write(chunks[i]);
}

const noop = (): void => {};
function viaReader(chunks: Buffer[], consume: Consume): void {
  const reader = new FrameReader({ message: consume, ping: noop, pong: noop, close: noop, error: noop });
  for (let i = 0; i < chunks.length; i++) reader.push(chunks[i]);
}

function cpuNs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const fmt = (ns: number): string => (ns / 1000).toFixed(3).padStart(8);

function micro(rounds: number): void {
  const all = frames();
  const cases: Array<[string, Buffer[]]> = [
    ['paced', chunked(all, 1)],
    [`flood ${FLOOD}`, chunked(all, FLOOD)],
  ];
  const parsers: Array<[string, typeof viaWs]> = [
    ['ws', viaWs],
    ['reader', viaReader],
  ];
  console.log(
    `micro: ${all.length} messages/turn (${all[1].length} B delta frames); median of ${rounds} rounds, interleaved`,
  );
  console.log('case              consumer    ws µs/msg  reader µs/msg  reader/ws');
  for (const [name, chunks] of cases) {
    for (const decode of [false, true]) {
      const per = 30;
      const samples = new Map<string, number[]>(parsers.map(([p]) => [p, []]));
      // Cross-check, then warm up.
      const seen = parsers.map(([, run]) => {
        const c = consumer(decode);
        run(chunks, c.consume);
        return c.seen();
      });
      if (seen[0] !== seen[1]) throw new Error(`parsers disagree: ${seen.join(' vs ')}`);
      for (let i = 0; i < 100; i++) for (const [, run] of parsers) run(chunks, consumer(decode).consume);
      for (let r = 0; r < rounds; r++) {
        for (const [p, run] of r % 2 === 0 ? parsers : [...parsers].reverse()) {
          const t0 = cpuNs();
          for (let i = 0; i < per; i++) run(chunks, consumer(decode).consume);
          samples.get(p)!.push((cpuNs() - t0) / (per * all.length));
        }
      }
      const w = median(samples.get('ws')!);
      const f = median(samples.get('reader')!);
      console.log(
        `${name.padEnd(17)} ${(decode ? 'decoder' : 'count').padEnd(10)} ${fmt(w)}   ${fmt(f)}     ${(f / w).toFixed(2)}`,
      );
    }
  }
}

/** The child: a bare WebSocket server writing pre-built frames, paced by a spin on the clock or in floods. */
function serve(): void {
  const all = frames();
  const flood = chunked(all, FLOOD);
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    let head = '';
    socket.on('data', (d: Buffer) => {
      head += d.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      const key = /sec-websocket-key: *(\S+)/i.exec(head)?.[1] ?? '';
      const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
      );
      socket.removeAllListeners('data');
      // The client's one masked text frame names the mode: "paced" or "flood".
      socket.once('data', (m: Buffer) => {
        const paced = (m[2] ^ m[6]) === 'p'.charCodeAt(0);
        if (!paced) return flood.forEach((c) => socket.write(c));
        // 40 µs apart: slower than the client reads, so each frame is a read of its own.
        let i = 0;
        let next = process.hrtime.bigint();
        const tick = (): void => {
          if (process.hrtime.bigint() >= next) {
            socket.write(all[i++]);
            next += 40_000n;
          }
          if (i < all.length) setImmediate(tick);
        };
        tick();
      });
    });
  });
  server.listen(0, '127.0.0.1', () => process.send!((server.address() as net.AddressInfo).port));
  process.on('disconnect', () => process.exit(0));
}

type Client = 'ws' | 'reader' | 'floor';

/** One turn from the child server: client CPU per message, and messages per socket read. */
function turn(port: number, mode: 'paced' | 'flood', client: Client, total: number): Promise<[number, number]> {
  return new Promise((resolve, reject) => {
    let socket: net.Socket | undefined;
    let reads = 0;
    let arrival = 0;
    let got = 0;
    let t0 = 0;
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, {
      perMessageDeflate: false,
      skipUTF8Validation: true,
      createConnection: () => {
        socket = net.connect(port, '127.0.0.1');
        socket.prependListener('data', () => ((arrival = Number(process.hrtime.bigint())), reads++));
        return socket;
      },
    });
    const end = (): void => {
      const cpu = cpuNs() - t0;
      ws.terminate();
      resolve([cpu / (DELTAS + 2), (DELTAS + 2) / reads]);
    };
    const consume = (): void => {
      if (arrival !== 0 && ++got === DELTAS + 2) end();
    };
    ws.on('error', reject);
    let before: readonly unknown[] = [];
    ws.on('upgrade', () => (before = dataListeners(socket)));
    ws.on('open', () => {
      if (client === 'ws') ws.on('message', consume);
      else if (client === 'reader') {
        if (!takeReads(ws, socket, before, consume, reject)) reject(new Error('reads not taken'));
      } else {
        // What any reader pays to see the bytes: the socket's reads, no framing.
        const s = socket!;
        s.removeListener('data', s.listeners('data').at(-1) as () => void);
        s.on('data', (chunk: Buffer) => (got += chunk.length) === total && end());
      }
      reads = 0;
      t0 = cpuNs();
      ws.send(mode);
    });
  });
}

async function e2e(rounds: number): Promise<void> {
  const total = frames().reduce((n, f) => n + f.length, 0);
  const child = fork(fileURLToPath(import.meta.url), ['serve']);
  const port = await new Promise<number>((r) => child.once('message', (p) => r(p as number)));
  console.log(
    `\ne2e: loopback, ${DELTAS + 2} messages/turn, client CPU (user+sys); median of ${rounds} turns, interleaved`,
  );
  // The floor reads the bytes and frames nothing: what is left of a message's cost once framing is free.
  console.log('case      floor µs/msg   ws µs/msg  reader µs/msg  reader/ws   msg/read (ws/reader/floor)');
  const clients: Client[] = ['ws', 'reader', 'floor'];
  for (const mode of ['paced', 'flood'] as const) {
    for (let i = 0; i < 3; i++) for (const c of clients) await turn(port, mode, c, total);
    const s = new Map<Client, Array<[number, number]>>(clients.map((c) => [c, []]));
    for (let i = 0; i < rounds; i++) {
      // Rotated, so that drift on a shared machine hits all of them alike.
      for (let k = 0; k < clients.length; k++) {
        const c = clients[(i + k) % clients.length];
        s.get(c)!.push(await turn(port, mode, c, total));
      }
    }
    const cpu = (c: Client): number => median(s.get(c)!.map((x) => x[0]));
    const [w, f, b] = [cpu('ws'), cpu('reader'), cpu('floor')];
    const perRead = clients.map((c) => median(s.get(c)!.map((x) => x[1])).toFixed(2)).join('/');
    console.log(
      `${mode.padEnd(8)} ${fmt(b)}      ${fmt(w)}   ${fmt(f)}      ${(f / w).toFixed(2).padStart(5)}     ${perRead}`,
    );
  }
  child.disconnect();
}

if (process.argv[2] === 'serve') serve();
else {
  const rounds = Number(process.argv[2] ?? 15);
  const only = process.argv[3];
  console.log(`Node ${process.version}`);
  if (only !== 'e2e') micro(rounds);
  if (only !== 'micro') await e2e(rounds);
}
