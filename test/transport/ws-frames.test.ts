import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Writable } from 'node:stream';

import { describe, expect, it } from 'vitest';

import { FrameError, FrameReader, MAX_MESSAGE } from '../../src/transport/ws-frames.js';

/** ws's own framer and parser, which @types/ws does not declare: the vectors' source and the oracle. */
interface FrameOptions {
  fin: boolean;
  opcode: number;
  mask: boolean;
  readOnly: boolean;
  rsv1: boolean;
}
const ws = createRequire(import.meta.url)('ws') as {
  Sender: { frame(data: Buffer, options: FrameOptions): Buffer[] };
  Receiver: new (options: object) => Writable;
};

/** ws's Sender framing one server frame (unmasked). */
function frame(opcode: number, data: Buffer | string, fin = true): Buffer {
  const payload = typeof data === 'string' ? Buffer.from(data) : data;
  return Buffer.concat(ws.Sender.frame(payload, { fin, opcode, mask: false, readOnly: false, rsv1: false }));
}
const close = (code: number, reason = ''): Buffer => {
  const body = Buffer.alloc(2 + Buffer.byteLength(reason));
  body.writeUInt16BE(code, 0);
  body.write(reason, 2);
  return frame(8, body);
};

/** Events as comparable strings: payloads by length and digest, so a failure's diff stays readable. */
const digest = (data: Buffer): string => `${data.length}:${createHash('sha1').update(data).digest('hex').slice(0, 12)}`;

/** What ws's Receiver (a client's: unmasked frames, no UTF-8 check, ws's default maxPayload) makes of the chunks. */
function oracle(chunks: Buffer[], maxPayload = MAX_MESSAGE): string[] {
  const out: string[] = [];
  let concluded = false;
  const r = new ws.Receiver({ isServer: false, skipUTF8Validation: true, maxPayload });
  r.on('message', (data: Buffer, binary: boolean) => out.push(`${binary ? 'binary' : 'text'} ${digest(data)}`));
  r.on('ping', (data: Buffer) => out.push(`ping ${digest(data)}`));
  r.on('pong', (data: Buffer) => out.push(`pong ${digest(data)}`));
  r.on('conclude', (code: number, reason: Buffer) => {
    concluded = true;
    out.push(`close ${code} ${reason.toString()}`);
  });
  r.on('error', () => {});
  // As ws's socket listener: nothing more is written after a close frame or an error.
  for (const chunk of chunks) if (!concluded && !r.errored) r.write(chunk);
  if (r.errored) out.push('error');
  r.destroy();
  return out;
}

function read(chunks: Buffer[], maxMessage = MAX_MESSAGE): string[] {
  const out: string[] = [];
  const reader = new FrameReader(
    {
      message: (data, binary) => out.push(`${binary ? 'binary' : 'text'} ${digest(data)}`),
      ping: (data) => out.push(`ping ${digest(data)}`),
      pong: (data) => out.push(`pong ${digest(data)}`),
      close: (code, reason) => out.push(`close ${code} ${reason.toString()}`),
      error: (err) => {
        expect(err).toBeInstanceOf(FrameError);
        out.push('error');
      },
    },
    maxMessage,
  );
  for (const chunk of chunks) reader.push(chunk);
  return out;
}

/** Fresh buffers, as a socket delivers them. */
const cut = (stream: Buffer, at: number[]): Buffer[] =>
  [0, ...at, stream.length]
    .slice(1)
    .map((end, i, ends) => Buffer.from(stream.subarray(i === 0 ? 0 : ends[i - 1], end)));

/** Every two-chunk split, and one byte per chunk: each frame cut at each of its byte boundaries. */
function everySplit(stream: Buffer, maxMessage = MAX_MESSAGE): void {
  const expected = oracle([stream], maxMessage);
  expect(read([stream], maxMessage)).toEqual(expected);
  for (let i = 1; i < stream.length; i++) expect(read(cut(stream, [i]), maxMessage), `split at ${i}`).toEqual(expected);
  const bytes = [...Array(stream.length).keys()].slice(1);
  expect(oracle(cut(stream, bytes), maxMessage)).toEqual(expected);
  expect(read(cut(stream, bytes), maxMessage)).toEqual(expected);
}

function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BOUNDARIES = [0, 1, 124, 125, 126, 127, 65535, 65536, 65537, 70000];

/** A random server stream: messages around the length boundaries, fragmented, with control frames between. */
function randomStream(rand: () => number, messages: number, big: boolean): Buffer {
  const int = (n: number): number => Math.floor(rand() * n);
  const bytes = (n: number, text: boolean): Buffer => {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = text ? 32 + int(95) : int(256);
    return b;
  };
  const control = (): Buffer => (rand() < 0.5 ? frame(9, bytes(int(126), false)) : frame(10, bytes(int(3), false)));
  const frames: Buffer[] = [];
  for (let m = 0; m < messages; m++) {
    const size = big && rand() < 0.3 ? BOUNDARIES[int(BOUNDARIES.length)] + int(3) - 1 : int(300);
    const binary = rand() < 0.3;
    const data = bytes(Math.max(0, size), !binary);
    const pieces = rand() < 0.35 ? 1 + int(4) : 1;
    const at = [...Array(pieces - 1)].map(() => int(data.length + 1)).sort((a, b) => a - b);
    const parts = cut(data, at);
    parts.forEach((part, i) => {
      frames.push(frame(i === 0 ? (binary ? 2 : 1) : 0, part, i === parts.length - 1));
      if (i < parts.length - 1 && rand() < 0.5) frames.push(control());
    });
    if (rand() < 0.15) frames.push(control());
  }
  // Anything after a close frame is not read.
  if (rand() < 0.3) frames.push(close(1000 + int(4), 'bye'), frame(1, 'after close'));
  return Buffer.concat(frames);
}

describe('FrameReader against ws', () => {
  it('reads ws-framed messages at each length boundary', () => {
    for (const n of BOUNDARIES) {
      const data = Buffer.alloc(n, 'x');
      const stream = Buffer.concat([frame(1, data), frame(2, data), frame(1, '{"type":"done"}')]);
      const expected = oracle([stream]);
      expect(expected).toHaveLength(3);
      expect(read([stream])).toEqual(expected);
      // Each cut near a header, the rest in one chunk: the header joined, then the payload read on from it.
      const second = frame(1, data).length;
      for (const start of [0, second, 2 * second]) {
        for (let i = start + 1; i <= start + 12 && i < stream.length; i++) {
          expect(read(cut(stream, [i])), `n ${n} split at ${i}`).toEqual(expected);
        }
      }
    }
  });

  it('reads fragments, control frames between them and a close, cut at every byte', () => {
    const stream = Buffer.concat([
      frame(1, '{"type":"resp', false),
      frame(9, 'are you there'),
      frame(0, '', false),
      frame(10, ''),
      frame(0, 'onse.created"}'),
      frame(2, Buffer.from([0, 1, 2])),
      frame(1, 'x'.repeat(130)),
      close(1001, 'going away'),
      frame(1, 'never read'),
    ]);
    expect(read([stream])).toEqual([
      `ping ${digest(Buffer.from('are you there'))}`,
      `pong ${digest(Buffer.alloc(0))}`,
      `text ${digest(Buffer.from('{"type":"response.created"}'))}`,
      `binary ${digest(Buffer.from([0, 1, 2]))}`,
      `text ${digest(Buffer.from('x'.repeat(130)))}`,
      'close 1001 going away',
    ]);
    everySplit(stream);
    everySplit(Buffer.concat([frame(1, 'a'), frame(8, Buffer.alloc(0)), frame(1, 'b')]));
  });

  it('matches ws on a seeded fuzz corpus', () => {
    const rand = mulberry32(13);
    for (let s = 0; s < 40; s++) everySplit(randomStream(rand, 1 + Math.floor(rand() * 4), false));
    for (let s = 0; s < 30; s++) {
      const stream = randomStream(rand, 1 + Math.floor(rand() * 12), true);
      for (let c = 0; c < 8; c++) {
        // Chunk sizes from a byte to the socket's 64 KiB reads.
        const at: number[] = [];
        for (let i = 0; ;) {
          i += 1 + Math.floor(rand() ** 3 * (c % 2 === 0 ? 200 : 65536));
          if (i >= stream.length) break;
          at.push(i);
        }
        const chunks = cut(stream, at);
        expect(read(chunks), `stream ${s} chunking ${c}`).toEqual(oracle(chunks));
      }
    }
  });

  it('agrees with ws on corrupted streams, byte by byte', () => {
    const rand = mulberry32(6455);
    let errors = 0;
    for (let s = 0; s < 300; s++) {
      const stream = randomStream(rand, 1 + Math.floor(rand() * 4), false);
      // A flipped header byte: a bad flag or opcode, or a length that shifts every frame after it.
      stream[Math.floor(rand() * Math.min(stream.length, 12))] ^= 1 << Math.floor(rand() * 8);
      const at = [...Array(8)].map(() => 1 + Math.floor(rand() * (stream.length - 1))).sort((a, b) => a - b);
      const expected = oracle([stream]);
      if (expected.at(-1) === 'error') errors++;
      expect(read([stream]), `stream ${s}`).toEqual(expected);
      expect(read(cut(stream, [...new Set(at)])), `stream ${s} cut`).toEqual(expected);
    }
    expect(errors).toBeGreaterThan(50);
  });

  it('hands a message that lies whole in a chunk over as a view, without a copy', () => {
    const chunk = Buffer.concat([frame(1, 'one'), frame(1, 'two')]);
    const seen: Buffer[] = [];
    const reader = new FrameReader({ message: (d) => seen.push(d), ping() {}, pong() {}, close() {}, error() {} });
    reader.push(chunk);
    expect(seen.map((d) => d.toString())).toEqual(['one', 'two']);
    for (const d of seen) expect(d.buffer).toBe(chunk.buffer);
  });

  it('stops mid-chunk when the sink says so', () => {
    const seen: string[] = [];
    const reader: FrameReader = new FrameReader({
      message: (d) => {
        seen.push(d.toString());
        reader.stop();
      },
      ping() {},
      pong() {},
      close() {},
      error() {},
    });
    reader.push(Buffer.concat([frame(1, 'one'), frame(1, 'two')]));
    reader.push(frame(1, 'three'));
    expect(seen).toEqual(['one']);
  });
});

/** Raw header bytes for frames ws's Sender will not build. */
const raw = (...bytes: number[]): Buffer => Buffer.from(bytes);

describe('FrameReader rejects what ws rejects', () => {
  const len64 = (hi: number, lo: number): Buffer => {
    const b = raw(0x82, 127, 0, 0, 0, 0, 0, 0, 0, 0);
    b.writeUInt32BE(hi, 2);
    b.writeUInt32BE(lo, 6);
    return b;
  };
  const cases: Record<string, Buffer> = {
    'RSV1 without permessage-deflate': Buffer.concat([raw(0xc1, 1), Buffer.from('x')]),
    RSV2: Buffer.concat([raw(0xa1, 1), Buffer.from('x')]),
    RSV3: Buffer.concat([raw(0x91, 1), Buffer.from('x')]),
    'a masked server frame': Buffer.concat([raw(0x81, 0x81, 1, 2, 3, 4), Buffer.from('x')]),
    'a ping over 125 bytes': Buffer.concat([raw(0x89, 126, 0, 126), Buffer.alloc(126)]),
    'a fragmented ping': Buffer.concat([raw(0x09, 1), Buffer.from('x')]),
    'a continuation without a message': frame(0, 'x'),
    'a new message inside a fragmented one': Buffer.concat([frame(1, 'a', false), frame(1, 'b')]),
    'a close frame of one byte': raw(0x88, 1, 3),
    'close code 999': close(999),
    'close code 1005 on the wire': close(1005),
    'close code 2000': close(2000),
    'a 64-bit length with the top bit set': Buffer.concat([len64(0x80000000, 0), Buffer.alloc(8)]),
    'a 64-bit length over the maximum message': Buffer.concat([len64(0, MAX_MESSAGE + 1), Buffer.alloc(8)]),
  };
  for (const op of [3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf]) cases[`opcode ${op}`] = raw(0x80 | op, 0);

  for (const [name, bad] of Object.entries(cases)) {
    it(name, () => {
      const stream = Buffer.concat([frame(1, 'before'), bad, frame(1, 'after')]);
      expect(oracle([stream])).toEqual([`text ${digest(Buffer.from('before'))}`, 'error']);
      everySplit(stream);
    });
  }

  it('a fragmented message over the maximum size', () => {
    const stream = Buffer.concat([frame(1, 'x'.repeat(60), false), frame(0, 'x'.repeat(60), false), frame(0, 'x')]);
    expect(oracle([stream], 100)).toEqual(['error']);
    everySplit(stream, 100);
    expect(read([stream], 121)).toEqual([`text ${digest(Buffer.from('x'.repeat(121)))}`]);
  });
});
