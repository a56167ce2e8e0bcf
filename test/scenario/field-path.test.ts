import { describe, expect, it } from 'vitest';

import { envFieldPath, parseFieldPath, setAt, unknownFieldMessage } from '../../src/scenario/field-path.js';
import { ScenarioSchema } from '../../src/scenario/schema.js';
import { formatPath } from '../../src/shared/input-error.js';

describe('parseFieldPath', () => {
  it('reads dotted keys, list indexes and quoted keys', () => {
    expect(parseFieldPath('load.rate')).toEqual(['load', 'rate']);
    expect(parseFieldPath('variants[0].connection')).toEqual(['variants', 0, 'connection']);
    expect(parseFieldPath('headers["x api"]')).toEqual(['headers', 'x api']);
    expect(parseFieldPath('headers.x-api-key')).toEqual(['headers', 'x-api-key']);
  });

  it('reads back what error messages print', () => {
    for (const path of [
      ['variants', 12, 'tls', 'ca'],
      ['thresholds', '*.ttft_ms.p99'],
      ['request', 'max_output_tokens'],
    ]) {
      expect(parseFieldPath(formatPath(path))).toEqual(path);
    }
  });

  it('rejects what is not a path', () => {
    for (const text of ['', '.load', 'load.', 'variants[0]connection', '[0]', 'load..rate', 'variants[x]', 'a[0']) {
      expect(parseFieldPath(text), text).toMatch(/^expected a field path/);
    }
  });
});

describe('envFieldPath', () => {
  it('lower-cases the parts, splits on __ and reads digits as indexes', () => {
    expect(envFieldPath('WIREBENCH_LOAD__RATE')).toEqual(['load', 'rate']);
    expect(envFieldPath('WIREBENCH_REQUEST__MAX_OUTPUT_TOKENS')).toEqual(['request', 'max_output_tokens']);
    expect(envFieldPath('WIREBENCH_VARIANTS__1__CONNECTION')).toEqual(['variants', 1, 'connection']);
  });

  it('rejects empty parts', () => {
    expect(envFieldPath('WIREBENCH_LOAD____RATE')).toMatch(/expected WIREBENCH_<FIELD>__<FIELD>/);
    expect(envFieldPath('WIREBENCH_')).toMatch(/expected WIREBENCH_/);
  });
});

describe('unknownFieldMessage', () => {
  it('accepts every form of a union, record keys and free-form body values', () => {
    for (const path of [
      ['load', 'rate'],
      ['load', 'sessions'],
      ['variants', 3, 'generic', 'select', 'delta'],
      ['headers', 'anything-at-all'],
      ['request', 'body', 'nested', 'deep'],
      ['request', 'max_output_tokens', 'distribution'],
    ]) {
      expect(unknownFieldMessage(ScenarioSchema, path), path.join('.')).toBeUndefined();
    }
  });

  it('names the unknown part and what its parent allows', () => {
    expect(unknownFieldMessage(ScenarioSchema, ['lod', 'rate'])).toMatch(
      /^unknown field "lod" in the scenario; expected one of name \| target/,
    );
    expect(unknownFieldMessage(ScenarioSchema, ['load', 'reqeusts'])).toMatch(
      /^unknown field "reqeusts" in load; expected one of kind/,
    );
    expect(unknownFieldMessage(ScenarioSchema, ['load', 0])).toBe('load is not a list');
    expect(unknownFieldMessage(ScenarioSchema, ['timeout', 'x'])).toBe('timeout has no fields');
  });
});

describe('setAt', () => {
  it('writes through existing and new mappings', () => {
    const doc: Record<string, unknown> = { load: { kind: 'closed' } };
    expect(setAt(doc, ['load', 'requests'], 5)).toBeUndefined();
    expect(setAt(doc, ['request', 'model'], 'm')).toBeUndefined();
    expect(doc).toEqual({ load: { kind: 'closed', requests: 5 }, request: { model: 'm' } });
  });

  it('grows a list by one entry at a time, never leaving a gap', () => {
    const doc: Record<string, unknown> = { variants: [{ protocol: 'openai-chat' }] };
    expect(setAt(doc, ['variants', 0, 'connection'], 'http2')).toBeUndefined();
    expect(setAt(doc, ['variants', 1, 'connection'], 'ws-persistent')).toBeUndefined();
    expect(setAt(doc, ['variants', 3, 'connection'], 'x')).toBe('variants has 2 entries; [3] would leave a gap');
    expect(doc.variants).toEqual([{ protocol: 'openai-chat', connection: 'http2' }, { connection: 'ws-persistent' }]);
  });

  it('says what stands in the way', () => {
    expect(setAt({ load: 5 }, ['load', 'rate'], 1)).toBe('load is not a mapping here');
    expect(setAt({ variants: {} }, ['variants', 0], 1)).toBe('variants is not a list here');
  });
});
