/**
 * The ShareGPT array splitter: elements come out as their exact text, with the line they start on, their
 * byte span and their place, whatever the read size; the array's own syntax errors stop it at their line.
 * An element's inside is JSON.parse's to judge later, so a lenient split here is not an accepted record.
 */
import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { ScenarioError, type ScenarioIssue } from '../../../src/shared/input-error.js';
import { rng } from '../../../src/shared/rng.js';
import { Problems } from '../../../src/workload/dataset/problems.js';
import { eachElement } from '../../../src/workload/dataset/sharegpt-scan.js';
import { FileWindow, type ReadOptions } from '../../../src/workload/dataset/window.js';
import { int, randomValue, serialize } from '../../random-json.js';
import { datasetFile } from './helpers.js';

interface Element {
  text: string;
  line: number;
}

/** The elements of `content`, each checked against the file (bytes at its offset, line of its first byte). */
async function elements(
  content: string | Buffer,
  options: ReadOptions = {},
): Promise<{ elements: Element[]; issue?: ScenarioIssue }> {
  const file = datasetFile('data.json', content);
  const bytes = readFileSync(file);
  const w = await FileWindow.open(file, options);
  const out: Element[] = [];
  try {
    await eachElement(w, new Problems(file), (text, line, offset, length, ordinal) => {
      expect(ordinal).toBe(out.length);
      expect(bytes.toString('utf8', offset, offset + length)).toBe(text);
      expect(line).toBe(bytes.subarray(0, offset).filter((b) => b === 0x0a).length + 1);
      out.push({ text, line });
    });
    return { elements: out };
  } catch (err) {
    if (!(err instanceof ScenarioError)) throw err;
    expect(err.issues).toHaveLength(1);
    return { elements: out, issue: err.issues[0] };
  } finally {
    await w.close();
  }
}

const texts = async (content: string, options?: ReadOptions): Promise<string[]> =>
  (await elements(content, options)).elements.map((e) => e.text);

const CHUNKS = [1, 2, 3, 5, 64];

describe('eachElement', () => {
  it.each([
    ['[]', []],
    [' \r\n\t[ ]\n', []],
    ['[{"id":"a"}, [1,2] ,"s",12.5,true,null,-0]', ['{"id":"a"}', '[1,2]', '"s"', '12.5', 'true', 'null', '-0']],
    ['[1 ,2\n]', ['1', '2']],
    // Quotes, brackets and backslash runs inside strings do not end them.
    ['["a\\"]", "\\\\", "\\\\\\"]", "}{", {"k":"]}"}]', ['"a\\"]"', '"\\\\"', '"\\\\\\"]"', '"}{"', '{"k":"]}"}']],
    // Brackets are matched by depth, not kind, and a stray comma starts an element: JSON.parse rejects those.
    ['[[1}, 2]', ['[1}', '2']],
    ['[1,,2]', ['1', ',2']],
  ])('%j → %j at every read size', async (content, expected) => {
    for (const chunkBytes of CHUNKS) expect(await texts(content, { chunkBytes })).toEqual(expected);
  });

  it('an empty file has no elements and no error here (the index reports no usable records)', async () => {
    expect(await elements('')).toEqual({ elements: [] });
  });

  it('skips a byte order mark: offsets stay file offsets', async () => {
    expect((await elements('\ufeff[1]', { chunkBytes: 2 })).elements).toEqual([{ text: '1', line: 1 }]);
  });

  it('counts raw line breaks inside strings (invalid JSON, but later lines must stay right)', async () => {
    const content = '["a\n\nb", "c\nd",\n{"k":"x\ny", "e\\\\\n":1},\n3]';
    for (let chunkBytes = 1; chunkBytes <= 12; chunkBytes++)
      expect((await elements(content, { chunkBytes })).elements.map((e) => e.line)).toEqual([1, 3, 5, 8]);
  });

  it('seeded random arrays, compact or indented: every element parses back to its value at every read size', async () => {
    const r = rng(2024);
    for (let run = 0; run < 30; run++) {
      const values = Array.from({ length: int(r, 5) }, () => randomValue(r, 3));
      const content = serialize(r, values);
      const expected = JSON.parse(content) as unknown[];
      for (const chunkBytes of [1, 2, 3, 7, 16, 1000]) {
        const found = await elements(content, { chunkBytes });
        expect(found.issue).toBeUndefined();
        expect(found.elements.map((e) => JSON.parse(e.text) as unknown)).toEqual(expected);
      }
    }
  });
});

describe('errors in the array, at their line', () => {
  it.each([
    [
      '{"id":1}',
      1,
      'expected a JSON array of conversations ([{ "id": …, "conversations": […] }, …]), got "{"; a file of one JSON object per line is `jsonl`',
    ],
    ['\n\n x', 3, 'expected a JSON array of conversations ([{ "id": …, "conversations": […] }, …]), got "x"; a file'],
    ['é', 1, 'got a non-ASCII character'],
    ['[1 2]', 1, 'invalid JSON: expected "," or "]" after element [0], got "2"'],
    ['[1,\n"two"\n{}]', 3, 'invalid JSON: expected "," or "]" after element [1], got "{"'],
    ['[1,]', 1, 'invalid JSON: "]" after ","'],
    ['[1] 2', 1, 'invalid JSON: "2" after the array\'s closing "]"'],
    ['[1]\n]', 2, 'invalid JSON: "]" after the array\'s closing "]"'],
    ['[{"a":\n[1,\n2]', 3, 'invalid JSON: the file ends inside element [0], which starts at line 1'],
    ['[1,\n"abc', 2, 'invalid JSON: the file ends inside element [1], which starts at line 2'],
    ['[', 1, 'invalid JSON: the file ends before the array\'s closing "]"'],
    ['[1,\n', 2, 'invalid JSON: the file ends before the array\'s closing "]"'],
  ])('%j: line %i, %s', async (content, line, message) => {
    for (const chunkBytes of CHUNKS) {
      const { issue } = await elements(content, { chunkBytes });
      expect(issue).toMatchObject({ path: '', line });
      expect(issue?.message).toContain(message);
    }
  });

  it('a scalar the file ends in is still handed over before the missing "]" is reported', async () => {
    expect(await elements('[1,\n22')).toEqual({
      elements: [
        { text: '1', line: 1 },
        { text: '22', line: 2 },
      ],
      issue: { path: '', line: 2, message: 'invalid JSON: the file ends before the array\'s closing "]"' },
    });
  });
});

describe('the record limit', () => {
  it('holds exactly, at every read size: an element of `max` bytes passes, one more byte is refused', async () => {
    const MAX = 10;
    const r = rng(11);
    for (let run = 0; run < 40; run++) {
      // Strings of MAX - 1 to MAX + 1 bytes with their quotes, one per line.
      const values = Array.from({ length: 1 + int(r, 4) }, () => 'x'.repeat(MAX - 3 + int(r, 3)));
      const content = `[\n${values.map((v) => JSON.stringify(v)).join(',\n')}\n]`;
      const over = values.findIndex((v) => v.length + 2 > MAX);
      for (let chunkBytes = 1; chunkBytes <= MAX + 4; chunkBytes++) {
        const found = await elements(content, { chunkBytes, maxRecordBytes: MAX });
        expect(found.elements).toHaveLength(over === -1 ? values.length : over);
        if (over === -1) expect(found.issue).toBeUndefined();
        else
          expect(found.issue, `${content} ${chunkBytes}`).toEqual({
            path: '',
            line: over + 2,
            message: `element [${over}] is larger than ${MAX} bytes: a record this large is not a request`,
          });
      }
    }
  });
});
