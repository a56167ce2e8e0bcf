/**
 * Hostile bytes into every stream decoder (bench/lib/fuzz-cases.ts has the inputs and the properties;
 * `npm run bench:fuzz` runs the same for millions of cases). Fixed seeds, so a failure replays.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  checkHttp,
  checkWs,
  decodeHttp,
  HTTP_STREAMS,
  httpCaseArb,
  split,
  WS_TURNS,
  wsCaseArb,
} from '../../bench/lib/fuzz-cases.js';

describe('decoders under hostile input', () => {
  it('finds every recording', () => {
    expect(new Set(HTTP_STREAMS.map((r) => r.kind)).size).toBe(6);
    expect(new Set(WS_TURNS.map((r) => r.kind)).size).toBe(2);
  });

  it('HTTP bodies: only the line bounds throw, every body ends, chunking never changes the events', () => {
    fc.assert(fc.property(httpCaseArb, checkHttp), { seed: 14_6, numRuns: 400 });
  });

  it('recorded streams give the same events however they are cut', () => {
    const recordingArb = fc.constantFrom(...HTTP_STREAMS);
    fc.assert(
      fc.property(recordingArb, fc.array(fc.nat(), { maxLength: 200 }), (r, cuts) => {
        expect(decodeHttp(r.kind, split(r.body, cuts))).toEqual(decodeHttp(r.kind, [r.body]));
      }),
      { seed: 14_61, numRuns: 200 },
    );
  });

  it('WebSocket messages: nothing throws', () => {
    fc.assert(fc.property(wsCaseArb, checkWs), { seed: 14_62, numRuns: 400 });
  });
});
