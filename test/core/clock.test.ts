import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { fromStamp, now, stampAt } from '../../src/core/clock.js';

/** `stampAt` over `stamp` placed amid other bytes, as it lies in an event. */
function atBytes(stamp: Buffer): number {
  const buf = Buffer.concat([Buffer.from('"wb_t":"'), stamp, Buffer.from('"}')]);
  return stampAt(buf, 8, 8 + stamp.length);
}

const oracle = (stamp: Buffer): number => fromStamp(stamp.toString('latin1'));
const NEAR = 1n << 53n;

describe('stampAt', () => {
  it('is fromStamp, read from the bytes', () => {
    for (const s of [
      '0',
      '7',
      '007',
      '42',
      '',
      '1.5',
      '-1',
      ' 1',
      '1e3',
      '99999999999999999999',
      '123456789012345678901',
    ])
      expect(atBytes(Buffer.from(s)), s).toBe(fromStamp(s));
    const t = process.hrtime.bigint();
    for (const d of [0n, 1n, -1n, 999_999_999n, NEAR - 1n, NEAR, NEAR + 1n, -NEAR, -NEAR - 1n, 10n ** 18n]) {
      const s = Buffer.from(String(t + d > 0n ? t + d : 0n));
      expect(atBytes(s), s.toString()).toBe(oracle(s));
    }
  });

  it('agrees with fromStamp on digits near and far from the epoch, and on any bytes', () => {
    const now = process.hrtime.bigint();
    const stamp = fc.oneof(
      fc
        .bigInt({ min: -(NEAR * 4n), max: NEAR * 4n })
        .map((d) => Buffer.from(String(now + d < 0n ? -(now + d) : now + d))),
      fc.string({ unit: fc.constantFrom(...'0123456789'), maxLength: 22 }).map((s) => Buffer.from(s)),
      fc.uint8Array({ maxLength: 22 }).map((a) => Buffer.from(a)),
      fc
        .tuple(fc.bigInt({ min: 0n, max: 10n ** 20n }), fc.nat(20), fc.integer({ min: 0, max: 255 }))
        .map(([v, at, byte]) => {
          const b = Buffer.from(String(v));
          b[at % b.length] = byte;
          return b;
        }),
    );
    fc.assert(
      fc.property(stamp, (s) => {
        expect(atBytes(s)).toBe(oracle(s));
      }),
      { seed: 13, numRuns: 20_000 },
    );
  });
});

describe('now', () => {
  it('is hrtime.bigint on the epoch fromStamp counts from, in integer ns, monotonic', () => {
    let last = now();
    for (let k = 0; k < 10_000; k++) {
      const before = now();
      const stamp = fromStamp(String(process.hrtime.bigint()));
      const after = now();
      expect(Number.isInteger(before)).toBe(true);
      expect(last <= before && before <= stamp && stamp <= after).toBe(true);
      last = after;
    }
  });
});
