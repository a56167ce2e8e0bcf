import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { NdjsonLineTooLong, NdjsonReader } from '../../src/protocols/ndjson.js';
import { MAX_CARRY_BYTES } from '../../src/protocols/sse.js';
import { fixture, splitAt } from './helpers.js';

function read(chunks: readonly Buffer[]): string[] {
  const out: string[] = [];
  const reader = new NdjsonReader((buf, start, end) => out.push(buf.toString('utf8', start, end)));
  for (const c of chunks) reader.push(c, 0);
  reader.end(0);
  return out;
}

/** What a line splitter that decodes the whole body first would say. */
function reference(stream: Buffer): string[] {
  return stream
    .toString('utf8')
    .split('\n')
    .map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l))
    .filter((l) => l.trim() !== '');
}

const b = (s: string): Buffer => Buffer.from(s, 'utf8');

const STREAMS: Array<[string, Buffer]> = [
  ...['ollama-generate.ndjson', 'ollama-chat.ndjson', 'ollama-error.ndjson'].map((n): [string, Buffer] => [
    n,
    fixture(n),
  ]),
  ['crlf', b('{"a":1}\r\n{"b":"é"}\r\n')],
  ['blank and whitespace lines', b('\n{"a":1}\n\n  \t\n\r\n{"b":2}\n')],
  ['no final newline', b('{"a":1}\n{"b":"日本語 😀"}')],
  ['inner CR kept', b('{"a":"x\ry"}\n')],
  ['empty', b('')],
];

describe('NdjsonReader', () => {
  it.each(STREAMS)('%s: the lines of the decoded body', (_name, stream) => {
    expect(read([stream])).toEqual(reference(stream));
  });

  it.each(STREAMS)('%s: identical lines at every split point', (_name, stream) => {
    const whole = read([stream]);
    for (let i = 0; i <= stream.length; i++) expect(read(splitAt(stream, [i]))).toEqual(whole);
  });

  it.each(STREAMS)('%s: identical lines from 1-byte chunks', (_name, stream) => {
    const chunks = Array.from({ length: stream.length }, (_, i) => stream.subarray(i, i + 1));
    expect(read(chunks)).toEqual(read([stream]));
  });

  it('identical lines under random splits (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: STREAMS.length - 1 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        (which, raw) => {
          const stream = STREAMS[which][1];
          expect(
            read(
              splitAt(
                stream,
                raw.map((n) => n % (stream.length + 1)),
              ),
            ),
          ).toEqual(reference(stream));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('reports every line with the arrival time of the chunk that completed it', () => {
    const times: number[] = [];
    const reader = new NdjsonReader((_b, _s, _e, t) => times.push(t));
    reader.push(b('{"a":1}\n{"b"'), 10);
    reader.push(b(':2'), 20);
    reader.push(b('}\n{"c":3}\n{"d"'), 30);
    reader.push(b(':4}'), 40);
    reader.end(50);
    expect(times).toEqual([10, 30, 30, 50]);
  });

  it('hands a line inside one chunk over as a view of that chunk, without copying', () => {
    const chunk = b('{"a":1}\n');
    const seen: Buffer[] = [];
    new NdjsonReader((buf) => seen.push(buf)).push(chunk, 0);
    expect(seen[0]).toBe(chunk);
  });
});

describe('bounded memory', () => {
  it('a line that never ends fails with NdjsonLineTooLong instead of growing without bound', () => {
    const reader = new NdjsonReader(() => {});
    const mb = Buffer.alloc(1024 * 1024, 0x61);
    expect(() => {
      for (let i = 0; i < MAX_CARRY_BYTES / mb.length + 1; i++) reader.push(mb, 0);
    }).toThrow(NdjsonLineTooLong);
  });

  it('a long line below the bound is read whole', () => {
    const text = 'x'.repeat(3 * 1024 * 1024);
    const line = b(`{"response":"${text}"}\n`);
    const chunks = splitAt(line, [1000, 65536, 2_000_000]);
    expect(read(chunks)).toEqual([`{"response":"${text}"}`]);
  });
});
