import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { MAX_CARRY_BYTES, SseLineTooLong, SseReader } from '../../src/protocols/sse.js';
import { CHAT_FIXTURES, fixture, referenceEvents, RESPONSES_FIXTURES, splitAt, type SseEvent } from './helpers.js';

function read(chunks: readonly Buffer[]): SseEvent[] {
  const out: SseEvent[] = [];
  const reader = new SseReader((buf, start, end) =>
    out.push({ event: reader.eventType(), data: buf.toString('utf8', start, end) }),
  );
  for (const c of chunks) reader.push(c, 0);
  return out;
}

const b = (s: string): Buffer => Buffer.from(s, 'utf8');

/** Hand-made streams for the event-stream rules the real fixtures do not exercise. */
const EDGE_CASES: Record<string, string> = {
  crlf: 'event: a\r\ndata: one\r\n\r\ndata: two\r\n\r\n',
  cr: 'event: a\rdata: one\r\rdata: two\r\r',
  mixed: 'data: lf\n\ndata: cr\r\rdata: crlf\r\n\r\ndata: x\r\ndata: y\n\r\n',
  comments: ': hello\n:\ndata: a\n: mid-event comment\n\n',
  multiline: 'data: first\ndata:second\ndata:  third\ndata\n\n',
  noColon: 'event\ndata\n\ndata\ndata\n\n',
  noSpace: 'event:x\ndata:y\n\n',
  idRetry: 'id: 7\nretry: 1000\ndata: a\nid\nfoo: bar\nfoo\n\n',
  noDataNoDispatch: 'event: lonely\n\nid: 3\n\ndata: after\n\n',
  eventResets: 'event: first\ndata: 1\n\ndata: 2\n\n',
  emptyEventName: 'event:\ndata: e\n\nevent: \ndata: f\n\n',
  bom: '\ufeffdata: bom\n\n',
  secondBomIsContent: '\ufeffdata: \ufeffx\n\n',
  unicode: 'event: é\ndata: h\u00e9llo 😀 日本語 \u2028 end\n\n',
  trailingUndispatched: 'data: complete\n\ndata: never dispatched',
  spaces: 'data:   \n\n data: not a field\n\ndata : no\n\n',
  json: 'data: {"a":"b\\n","c":[1,2]}\n\n',
};

function streams(): Array<[string, Buffer]> {
  const out: Array<[string, Buffer]> = [];
  for (const name of [...RESPONSES_FIXTURES, ...CHAT_FIXTURES]) {
    const lf = fixture(name);
    out.push([name, lf]);
    out.push([`${name} (CRLF)`, b(lf.toString('utf8').replaceAll('\n', '\r\n'))]);
    out.push([`${name} (CR)`, b(lf.toString('utf8').replaceAll('\n', '\r'))]);
  }
  for (const [name, s] of Object.entries(EDGE_CASES)) out.push([name, b(s)]);
  return out;
}

describe('SseReader', () => {
  it.each(streams())('%s: same events as eventsource-parser@3', (_name, stream) => {
    const expected = referenceEvents([stream]);
    expect(read([stream])).toEqual(expected);
  });

  it.each(streams())('%s: identical events at every split point', (_name, stream) => {
    const whole = read([stream]);
    for (let i = 0; i <= stream.length; i++) expect(read(splitAt(stream, [i]))).toEqual(whole);
  });

  it.each(streams())('%s: identical events from 1-byte chunks', (_name, stream) => {
    const chunks = Array.from({ length: stream.length }, (_, i) => stream.subarray(i, i + 1));
    expect(read(chunks)).toEqual(read([stream]));
    expect(referenceEvents(chunks)).toEqual(read([stream]));
  });

  it('identical events under random splits (fast-check)', () => {
    const all = streams();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: all.length - 1 }), fc.array(fc.nat(), { maxLength: 40 }), (which, raw) => {
        const stream = all[which][1];
        const chunks = splitAt(
          stream,
          raw.map((n) => n % (stream.length + 1)),
        );
        const expected = read([stream]);
        expect(read(chunks)).toEqual(expected);
        expect(referenceEvents(chunks)).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('reads the expected values of the edge cases', () => {
    const data = (s: string): string[] => read([b(s)]).map((e) => e.data);
    expect(read([b(EDGE_CASES.crlf)])).toEqual([
      { event: 'a', data: 'one' },
      { event: undefined, data: 'two' },
    ]);
    expect(data(EDGE_CASES.multiline)).toEqual(['first\nsecond\n third\n']);
    expect(read([b(EDGE_CASES.noColon)])).toEqual([
      { event: undefined, data: '' },
      { event: undefined, data: '\n' },
    ]);
    expect(data(EDGE_CASES.noDataNoDispatch)).toEqual(['after']);
    expect(read([b(EDGE_CASES.noDataNoDispatch)])[0].event).toBeUndefined();
    expect(data(EDGE_CASES.bom)).toEqual(['bom']);
    expect(data(EDGE_CASES.secondBomIsContent)).toEqual(['\ufeffx']);
    expect(data(EDGE_CASES.trailingUndispatched)).toEqual(['complete']);
    expect(data(EDGE_CASES.spaces)).toEqual(['  ']);
    expect(read([b(EDGE_CASES.unicode)])).toEqual([{ event: 'é', data: 'h\u00e9llo 😀 日本語 \u2028 end' }]);
  });

  it('a CRLF split across two chunks is one line end', () => {
    expect(read([b('data: a\r'), b('\n\r'), b('\ndata: b\r\n\r\n')]).map((e) => e.data)).toEqual(['a', 'b']);
  });

  it('a BOM split across chunks is skipped', () => {
    const s = b('\ufeffdata: x\n\n');
    expect(read([s.subarray(0, 1), s.subarray(1, 2), s.subarray(2, 3), s.subarray(3)])).toEqual([
      { event: undefined, data: 'x' },
    ]);
    expect(read([s.subarray(0, 2)])).toEqual([]);
  });

  it('a multi-byte character split across chunks is reassembled', () => {
    const s = b('data: 😀é\n\n');
    for (let i = 7; i <= 11; i++) expect(read(splitAt(s, [i]))[0].data).toBe('😀é');
  });

  it('reads a 1 MB data line, whole or in 64 KB chunks', () => {
    const big = 'x'.repeat(1 << 20) + 'é';
    const s = b(`event: big\ndata: ${big}\n\ndata: next\n\n`);
    const cuts = Array.from({ length: Math.floor(s.length / 65536) }, (_, i) => (i + 1) * 65536);
    for (const chunks of [[s], splitAt(s, cuts)]) {
      const events = read(chunks);
      expect(events.map((e) => e.data.length)).toEqual([big.length, 4]);
      expect(events[0].data === big && events[0].event === 'big').toBe(true);
    }
  });

  it('hands over a view of the chunk when the data line lies wholly inside it', () => {
    const chunk = b('event: response.output_text.delta\ndata: {"delta":"a"}\n\n');
    let seen: Buffer | undefined;
    new SseReader((buf) => (seen = buf)).push(chunk, 0);
    expect(seen).toBe(chunk);
  });

  it('reports every event with the arrival time of the chunk that completed it', () => {
    const times: number[] = [];
    const reader = new SseReader((_b, _s, _e, t) => times.push(t));
    reader.push(b('data: a\n\ndata: b'), 10);
    reader.push(b('\n'), 20);
    reader.push(b('\ndata: c\n\n'), 30);
    expect(times).toEqual([10, 30, 30]);
  });
});

describe('bounded memory', () => {
  it('a line that never ends fails with SseLineTooLong instead of growing without bound', () => {
    const reader = new SseReader(() => {});
    const mb = Buffer.alloc(1024 * 1024, 0x61);
    reader.push(b('data: '), 0);
    expect(() => {
      for (let i = 0; i < MAX_CARRY_BYTES / mb.length + 1; i++) reader.push(mb, 0);
    }).toThrow(SseLineTooLong);
  });
});
