/**
 * FieldScan's contract: `scan` true means JSON.parse would give an object, and then every chosen key's
 * span holds exactly the value JSON.parse gives it (last duplicate winning), one walk reading nested
 * scanners too. `scan` false means invalid, or a documented give-up (escaped key, deep nesting) after
 * which the decoders fall back to JSON.parse. Shaped like openai-chat's choices → delta scanners.
 */
import { describe, expect, it } from 'vitest';

import { FieldScan } from '../../src/protocols/json-scan.js';
import { type Rng, rng } from '../../src/shared/rng.js';
import { corrupt, int, type Json, parse, randomObject, randomValue, serialize } from '../random-json.js';

interface Node {
  scan: FieldScan;
  keys: readonly string[];
  children: Readonly<Record<string, Node>>;
}

function node(keys: readonly string[], children: Record<string, Node> = {}): Node {
  const nested = Object.fromEntries(Object.entries(children).map(([key, child]) => [key, child.scan]));
  return { scan: new FieldScan(keys, nested), keys, children };
}

const DELTA = node(['content', 'role']);
const CHOICE = node(['delta', 'finish_reason'], { delta: DELTA });
const TOP = node(['choices', 'usage', 'id'], { choices: CHOICE });
const KEYS = ['choices', 'usage', 'id', 'delta', 'finish_reason', 'content', 'role'];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const scan = (buf: Buffer): boolean => TOP.scan.scan(buf, 0, buf.length);

/** What `n` must hold after a successful scan, `value` being what JSON.parse gave for its object (if any). */
function expectNode(n: Node, buf: Buffer, value: unknown): void {
  n.keys.forEach((key, k) => {
    const child = n.children[key];
    if (!isObject(value) || !Object.hasOwn(value, key)) {
      expect(n.scan.start[k], key).toBe(-1);
      if (child !== undefined) expectNode(child, buf, undefined);
      return;
    }
    const v = value[key];
    expect(JSON.parse(buf.toString('utf8', n.scan.start[k], n.scan.end[k])), key).toEqual(v);
    expect(n.scan.isString(buf, k)).toBe(typeof v === 'string');
    expect(n.scan.isAbsent(buf, k)).toBe(v === null);
    if (typeof v === 'string') expect(n.scan.string(buf, k)).toBe(v);
    if (child === undefined) return;
    // A nested scanner reads an object value, or an array's first element (the count is kept).
    expect(n.scan.count[k]).toBe(Array.isArray(v) ? v.length : -1);
    expectNode(child, buf, Array.isArray(v) ? v[0] : v);
  });
}

/** Whether a key the walk must read (in `n`'s object or a nested scanner's) is written with an escape. */
function escapedKey(n: Node, value: unknown): boolean {
  if (!isObject(value)) return false;
  return Object.entries(value).some(
    ([key, v]) =>
      JSON.stringify(key).includes('\\') ||
      (n.children[key] !== undefined && escapedKey(n.children[key], Array.isArray(v) ? v[0] : v)),
  );
}

describe('FieldScan', () => {
  it('finds the chosen keys at any depth of nested scanners, in one walk', () => {
    const text = '{"id":"c1","object":"chunk","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"}}]}';
    const buf = Buffer.from(text);
    expect(scan(buf)).toBe(true);
    expectNode(TOP, buf, JSON.parse(text));
    expect(DELTA.scan.string(buf, 0)).toBe('Hi');
  });

  it('works within [start, end) of a larger buffer, spans being absolute; whitespace may surround the object', () => {
    const buf = Buffer.from('data: \t{"id" : 7 }\r\n\n');
    expect(TOP.scan.scan(buf, 6, buf.length)).toBe(true);
    expect([TOP.scan.start[2], TOP.scan.end[2]]).toEqual([buf.indexOf('7'), buf.indexOf('7') + 1]);
    expect(TOP.scan.scan(buf, 0, buf.length)).toBe(false);
    // Bytes past `end` are not looked at, whatever they are.
    const cut = Buffer.from('{"id":1}}');
    expect(TOP.scan.scan(cut, 0, 8)).toBe(true);
    expect(TOP.scan.scan(cut, 0, 9)).toBe(false);
  });

  it.each(['', '  ', '[]', '"x"', '1', 'null', '{}{}', '{"id":1} x', '{"id":1,}', '{"id":01}', '{"id":"\n"}'])(
    'rejects %j: not exactly one valid object',
    (text) => {
      expect(scan(Buffer.from(text))).toBe(false);
    },
  );

  it('takes the last of duplicate keys, as JSON.parse does, resetting what a nested scanner read of the first', () => {
    const text = '{"id":1,"choices":{"delta":{"content":"a"}},"id":2,"choices":[{"finish_reason":"stop"}]}';
    const buf = Buffer.from(text);
    expect(scan(buf)).toBe(true);
    expectNode(TOP, buf, JSON.parse(text));
    expect(CHOICE.scan.start[0]).toBe(-1);
  });

  it('reads only the first element of an array into the nested scanner, and counts them all', () => {
    for (const text of [
      '{"choices":[]}',
      '{"choices":[1,{"delta":{}}]}',
      '{"choices":[{},{"delta":{"content":"b"}}]}',
    ]) {
      const buf = Buffer.from(text);
      expect(scan(buf)).toBe(true);
      expectNode(TOP, buf, JSON.parse(text));
    }
  });

  it('gives up on an escaped key it must read, not on one in a subtree it skips', () => {
    expect(scan(Buffer.from('{"\\u0069d":1}'))).toBe(false);
    expect(scan(Buffer.from('{"choices":{"d\\"":1}}'))).toBe(false);
    expect(scan(Buffer.from('{"usage":{"a\\"b":1},"id":"x"}'))).toBe(true);
  });

  it('gives up past MAX_DEPTH, where JSON.parse still answers', () => {
    const deep = (n: number): Buffer => Buffer.from(`{"usage":${'['.repeat(n)}${']'.repeat(n)}}`);
    expect(scan(deep(63))).toBe(true);
    expect(scan(deep(64))).toBe(false);
    expect(parse(deep(64))).toBeDefined();
  });

  it('string accessors: unescaping, emptiness, and byte comparison against unescaped ASCII', () => {
    const buf = Buffer.from('{"id":"a\\nb","content":"","role":"user","usage":"\\u0075ser"}');
    const s = new FieldScan(['id', 'content', 'role', 'usage']);
    expect(s.scan(buf, 0, buf.length)).toBe(true);
    expect(s.string(buf, 0)).toBe('a\nb');
    expect([s.isEmptyString(1), s.isEmptyString(2)]).toEqual([true, false]);
    const USER = Buffer.from('user');
    expect(s.stringIs(buf, 2, USER)).toBe(true);
    expect(s.stringIs(buf, 2, Buffer.from('use'))).toBe(false);
    // Escaped text is never compared byte for byte: "\u0075ser" answers false, the slow path decides.
    expect(s.stringIs(buf, 3, USER)).toBe(false);
  });

  it('forgets the previous payload: a reused scanner reports keys absent from the new one as absent', () => {
    const first = Buffer.from('{"id":"x","choices":[{"delta":{"content":"a"}}]}');
    const second = Buffer.from('{"usage":null}');
    expect(scan(first)).toBe(true);
    expect(scan(second)).toBe(true);
    expectNode(TOP, second, { usage: null });
  });
});

/** A random object; most have a choices → delta → content path planted at a random place in them. */
function chunk(r: Rng, escapes?: number): Record<string, Json> {
  const shape = { keys: KEYS, escapes };
  const top = randomObject(r, 3, shape);
  if (r() < 0.8) {
    const delta = randomObject(r, 1, shape);
    if (r() < 0.8) delta.content = randomValue(r, 1, shape);
    const choice = randomObject(r, 1, shape);
    choice.delta = delta;
    const kind = int(r, 3);
    top.choices =
      kind === 0 ? choice : kind === 1 ? [choice, randomValue(r, 1, shape)] : [randomValue(r, 1, shape), choice];
  }
  return top;
}

describe('FieldScan against JSON.parse, seeded random objects', () => {
  it('serialized objects scan unless a key it must read is escaped, and every span matches', () => {
    const r = rng(0xc0ffee);
    let deep = 0;
    for (let run = 0; run < 1500; run++) {
      const value = chunk(r, 0.05);
      const buf = Buffer.from(serialize(r, value));
      const ok = scan(buf);
      expect(ok, String(buf)).toBe(!escapedKey(TOP, value));
      // Against what JSON.parse reads back, not `value`: the text has no -0, for one.
      if (ok) expectNode(TOP, buf, parse(buf)?.value);
      if (ok && DELTA.scan.start[0] >= 0) deep++;
    }
    // Not vacuous: the nested scanners found choices[0].delta.content many times.
    expect(deep).toBeGreaterThan(300);
  });

  it('corrupted text: a scan that succeeds agrees with JSON.parse; one that fails has an invalid text or an escape', () => {
    const r = rng(0xbad);
    const outcomes = { accepted: 0, rejected: 0 };
    for (let run = 0; run < 3000; run++) {
      const buf = corrupt(r, Buffer.from(serialize(r, chunk(r, 0.05))));
      const parsed = parse(buf);
      if (scan(buf)) {
        outcomes.accepted++;
        expect(isObject(parsed?.value), String(buf)).toBe(true);
        expectNode(TOP, buf, parsed?.value);
      } else {
        outcomes.rejected++;
        if (isObject(parsed?.value)) expect(buf.includes('\\'), String(buf)).toBe(true);
      }
    }
    expect(outcomes.accepted).toBeGreaterThan(300);
    expect(outcomes.rejected).toBeGreaterThan(1000);
  });
});
