import { describe, expect, it } from 'vitest';

import { JsonPointer, JsonPointerError } from '../../src/protocols/json-pointer.js';

// RFC 6901 §5.
const DOC = JSON.parse('{"foo":["bar","baz"],"":0,"a/b":1,"c%d":2,"e^f":3,"g|h":4,"i\\\\j":5,"k\\"l":6," ":7,"m~n":8}');

describe('JsonPointer', () => {
  it.each([
    ['', DOC],
    ['/foo', ['bar', 'baz']],
    ['/foo/0', 'bar'],
    ['/', 0],
    ['/a~1b', 1],
    ['/c%d', 2],
    ['/e^f', 3],
    ['/g|h', 4],
    ['/i\\j', 5],
    ['/k"l', 6],
    ['/ ', 7],
    ['/m~0n', 8],
  ])('RFC 6901 example %j', (pointer, expected) => {
    expect(new JsonPointer(pointer).get(DOC)).toEqual(expected);
  });

  it('decodes ~01 as the token "~1", not "/"', () => {
    expect(new JsonPointer('/~01').get({ '~1': 'tilde-one', '/': 'slash' })).toBe('tilde-one');
  });

  it.each([
    '/foo/2',
    '/foo/01',
    '/foo/-',
    '/foo/0/x',
    '/nope',
    '/nope/deeper',
    '/constructor',
    '/toString',
    '/foo/length',
  ])('%s does not exist', (pointer) => {
    expect(new JsonPointer(pointer).get(DOC)).toBeUndefined();
  });

  it('selects through nested arrays and objects, and from non-object documents', () => {
    expect(new JsonPointer('/choices/0/delta/content').get({ choices: [{ delta: { content: 'x' } }] })).toBe('x');
    expect(new JsonPointer('/a').get('string')).toBeUndefined();
    expect(new JsonPointer('/a').get(null)).toBeUndefined();
    expect(new JsonPointer('/a').get({ a: null })).toBeNull();
  });

  it.each(['foo', '#/foo', '/~2', '/a~', '/~a'])('rejects the malformed pointer %j', (pointer) => {
    expect(() => new JsonPointer(pointer)).toThrow(JsonPointerError);
  });
});
