import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { fromStamp } from '../../src/core/clock.js';
import { DeltaTemplate } from '../../src/protocols/delta-template.js';
import { ResponsesEvents } from '../../src/protocols/openai-responses.js';
import { type Call, RecordingSink } from './helpers.js';

function decode(buf: Buffer, fastPath: boolean): Call[] {
  const sink = new RecordingSink();
  new ResponsesEvents(sink, fastPath).event(buf, 0, buf.length, 5);
  return sink.calls;
}

/** Decodes `buf` right after `first`, by the same decoder: what it remembered of `first` must not leak. */
function decodeAfter(first: Buffer, buf: Buffer): Call[] {
  const sink = new RecordingSink();
  const events = new ResponsesEvents(sink, true);
  events.event(first, 0, first.length, 4);
  sink.calls.length = 0;
  events.event(buf, 0, buf.length, 5);
  return sink.calls;
}

/** The canonical layout, as OpenAI and the reference server write it. */
const canonical = (delta: string, opts: { seq?: number; obfuscation?: string; stamp?: string } = {}): string =>
  `{"type":"response.output_text.delta","sequence_number":${opts.seq ?? 7},"item_id":"msg_68af","output_index":0,` +
  `"content_index":0,"delta":${JSON.stringify(delta)},"logprobs":[]` +
  (opts.obfuscation === undefined ? '' : `,"obfuscation":${JSON.stringify(opts.obfuscation)}`) +
  (opts.stamp === undefined ? '' : `,"wb_t":"${opts.stamp}"`) +
  '}';

describe('DeltaTemplate', () => {
  it('matches the canonical layout, with the optional obfuscation and stamp', () => {
    const t = new DeltaTemplate();
    for (const [payload, stamp] of [
      [canonical(' the'), undefined],
      [canonical(' the', { obfuscation: 'kQ9x' }), undefined],
      [canonical(' the', { stamp: '123456789' }), fromStamp('123456789')],
      [canonical(' the', { obfuscation: 'kQ9x', stamp: '42' }), fromStamp('42')],
    ] as const) {
      const buf = Buffer.from(payload);
      expect(t.match(buf, 0, buf.length), payload).toBe(true);
      expect(t.delta).toBe(' the');
      expect(t.written).toBe(stamp);
    }
  });

  it('declines other layouts, which the generic scan then handles', () => {
    const t = new DeltaTemplate();
    for (const payload of [
      '{"sequence_number":1,"type":"response.output_text.delta","delta":"x"}',
      canonical('x').replace('"logprobs":[]', '"logprobs":[{"token":"x"}]'),
      canonical('x').replace(',"output_index"', ', "output_index"'),
      canonical('x').replace('response.output_text.delta', 'response.reasoning_text.delta'),
    ]) {
      const buf = Buffer.from(payload);
      expect(t.match(buf, 0, buf.length), payload).toBe(false);
      expect(decode(buf, true)).toEqual(decode(buf, false));
    }
  });

  it('reads the item_id run of each event, whether or not it is the previous one', () => {
    const t = new DeltaTemplate();
    for (const [id, out] of [
      ['msg_a', 0],
      ['msg_a', 0],
      ['msg_b', 1],
      ['msg_a', 0],
      ['x'.repeat(300), 2],
      ['x'.repeat(300), 2],
    ] as const) {
      const payload = canonical('y')
        .replace('"msg_68af"', JSON.stringify(id))
        .replace('"output_index":0', `"output_index":${out}`);
      const buf = Buffer.from(payload);
      expect(t.match(buf, 0, buf.length), payload).toBe(true);
      expect(t.delta).toBe('y');
    }
    const good = Buffer.from(canonical('y'));
    expect(t.match(good, 0, good.length)).toBe(true);
    // The same run but for an invalid escape in the id: validated anew, and refused.
    const bad = Buffer.from(canonical('y').replace('"msg_68af"', '"msg_6\\qf"'));
    expect(t.match(bad, 0, bad.length)).toBe(false);
  });

  it('agrees with JSON.parse on canonical events, truncated or with any byte corrupted', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 12 }),
        fc.option(fc.string({ unit: 'binary-ascii', maxLength: 6 })),
        fc.option(fc.bigInt({ min: 0n, max: 1n << 62n })),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        (delta, obfuscation, stamp, at, byte) => {
          const payload = Buffer.from(
            canonical(delta, {
              obfuscation: obfuscation ?? undefined,
              stamp: stamp === null ? undefined : String(stamp),
            }),
          );
          expect(decode(payload, true)).toEqual(decode(payload, false));
          expect(decode(payload, true)[0]?.[3]).toBe(delta);
          const truncated = payload.subarray(0, at % (payload.length + 1));
          expect(decode(truncated, true)).toEqual(decode(truncated, false));
          expect(decodeAfter(payload, truncated)).toEqual(decode(truncated, false));
          const corrupted = Buffer.from(payload);
          corrupted[at % payload.length] = byte;
          expect(decode(corrupted, true)).toEqual(decode(corrupted, false));
          expect(decodeAfter(payload, corrupted)).toEqual(decode(corrupted, false));
        },
      ),
      { numRuns: 5000 },
    );
  });
});
