import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import {
  applyAssignments,
  type Assignment,
  blame,
  envAssignments,
  outsideAssignments,
  parseSet,
  recordAssignments,
} from '../../src/scenario/assignments.js';
import { assembleScenario, checkScenario, parseScenario } from '../../src/scenario/load.js';
import { ScenarioError } from '../../src/shared/input-error.js';

const FILE = `name: t
target: embedded
variants:
  - { protocol: openai-responses, connection: ws-persistent }
load: { kind: closed, concurrency: 2, requests: 10 }
`;

function failure(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return (err as Error).message;
  }
  throw new Error('expected a ScenarioError');
}

const withSets = (sets: string[], env: Record<string, string> = {}, text = FILE) =>
  parseScenario(text, 's.yaml', env, { assignments: outsideAssignments(env, sets) }).scenario;

describe('parseSet', () => {
  it('reads the value as YAML: numbers, booleans, lists, mappings; empty is an empty string', () => {
    const value = (arg: string): unknown => (parseSet(arg) as Assignment).value;
    expect(value('load.rate=20')).toBe(20);
    expect(value('tls.insecure=true')).toBe(true);
    expect(value('redact=[x-a, x-b]')).toEqual(['x-a', 'x-b']);
    expect(value('load={kind: open, rate: 5}')).toEqual({ kind: 'open', rate: 5 });
    expect(value('request.prompt=a=b')).toBe('a=b');
    expect(value('request.prompt=')).toBe('');
    expect(parseSet('variants[1].connection=http2')).toEqual({
      source: '--set variants[1].connection',
      path: ['variants', 1, 'connection'],
      value: 'http2',
    });
  });

  it('names the flag in every problem', () => {
    expect(parseSet('load.rate')).toEqual({
      path: '--set load.rate',
      message: 'expected PATH=VALUE, e.g. --set load.rate=20',
    });
    expect(parseSet('load..rate=1')).toMatchObject({
      path: '--set',
      message: expect.stringMatching(/^expected a field path/),
    });
    expect(parseSet('load.rat=1')).toMatchObject({
      path: '--set load.rat',
      message: expect.stringMatching(/^unknown field "rat" in load/),
    });
    expect(parseSet('load={a: [}')).toMatchObject({
      path: '--set load',
      message: expect.stringMatching(/^cannot read the value as YAML/),
    });
  });
});

describe('envAssignments', () => {
  it('takes only WIREBENCH_ variables, in name order', () => {
    const env = { WIREBENCH_LOAD__REQUESTS: '3', PATH: '/bin', WIREBENCH_LOAD: '{kind: closed}' };
    expect(envAssignments(env)).toEqual([
      { source: 'WIREBENCH_LOAD', path: ['load'], value: { kind: 'closed' } },
      { source: 'WIREBENCH_LOAD__REQUESTS', path: ['load', 'requests'], value: 3 },
    ]);
  });

  it('an unknown path names the variable; all problems are reported at once', () => {
    const lines = failure(() => outsideAssignments({ WIREBENCH_LAOD__RATE: '1', WIREBENCH_X: '2' }, ['nope=1'])).split(
      '\n',
    );
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^WIREBENCH_LAOD__RATE: unknown field "laod" in the scenario; expected one of name/);
    expect(lines[1]).toMatch(/^WIREBENCH_X: unknown field "x"/);
    expect(lines[2]).toMatch(/^--set nope: unknown field "nope"/);
  });
});

describe('a scenario with assignments', () => {
  it('applies them over the file, --set after the environment', () => {
    const s = withSets(['load.requests=7', 'variants[0].connection=http-keepalive'], {
      WIREBENCH_LOAD__REQUESTS: '5',
      WIREBENCH_LOAD__CONCURRENCY: '4',
    });
    expect(s.load).toMatchObject({ requests: 7, concurrency: 4 });
    expect(s.variants[0]).toMatchObject({ name: 'http-keepalive', connection: 'http-keepalive' });
  });

  it('substitutes ${env:…} in a value set from outside, and fills the schema defaults', () => {
    const s = withSets(['headers.authorization=Bearer ${env:KEY}'], { KEY: 'k1' });
    expect(s.variants[0].headers).toEqual({ authorization: 'Bearer k1' });
    expect(s.timeout).toBe(60);
  });

  it('a problem in a set value names its flag or variable, without the file', () => {
    expect(failure(() => withSets(['load.requests=abc']))).toBe('--set load.requests: expected a number, got "abc"');
    expect(failure(() => withSets([], { WIREBENCH_LOAD__CONCURRENCY: '0' }))).toBe(
      'WIREBENCH_LOAD__CONCURRENCY: expected a number >= 1, got 0',
    );
    expect(failure(() => withSets(['variants[0].connection=http2']))).toMatch(
      /^--set variants\[0\]\.connection: http2 needs TLS/,
    );
    // A problem inside a mapping set whole names the flag and the field.
    expect(failure(() => withSets(['load={kind: open}']))).toMatch(
      /^--set load: load\.rate: required field is missing/,
    );
    expect(failure(() => withSets(['variants[1].protocol=openai-chat']))).toMatch(
      /^--set variants\[1\]\.protocol: variants\[1\]\.connection: required field/,
    );
  });

  it("the file's own problems keep their line and column", () => {
    expect(failure(() => withSets(['load.requests=3'], {}, `${FILE}timeot: 5\n`))).toBe(
      's.yaml:6:1 timeot: unknown key; did you mean "timeout"?',
    );
  });

  it('a field of another form of a union says so', () => {
    expect(failure(() => withSets(['load.rate=5']))).toBe(
      '--set load.rate: unknown key for this form of load; other forms have it',
    );
  });
});

describe('blame', () => {
  const a = (source: string, ...path: (string | number)[]): Assignment => ({ source, path, value: 1 });

  it('picks the last assignment at, around or inside the path', () => {
    const all = [a('A', 'load'), a('B', 'load', 'rate'), a('C', 'request', 'model')];
    const doc = { load: {}, request: {} };
    expect(blame(['load', 'rate'], all, doc)?.source).toBe('B');
    expect(blame(['load', 'kind'], all, doc)?.source).toBe('A');
    expect(blame(['request'], all, doc)?.source).toBe('C');
    expect(blame(['timeout'], all, doc)).toBeUndefined();
  });

  it('a field of an entry an assignment made is its, one of the document is not', () => {
    const all = [a('P', 'variants', 1, 'protocol')];
    const doc = { variants: [{ protocol: 'x' }] };
    expect(blame(['variants', 1, 'connection'], all, doc)?.source).toBe('P');
    expect(blame(['variants', 0, 'connection'], all, doc)).toBeUndefined();
  });
});

describe('applyAssignments', () => {
  it('leaves the document alone without assignments, and copies it with them', () => {
    const doc = { name: 'x' };
    expect(applyAssignments(doc, []).value).toBe(doc);
    const { value } = applyAssignments(doc, [{ source: 's', path: ['timeout'], value: 3 }]);
    expect(value).toEqual({ name: 'x', timeout: 3 });
    expect(doc).toEqual({ name: 'x' });
  });
});

describe('assembleScenario', () => {
  it('builds a scenario from assignments alone and records them as its document', () => {
    const loaded = assembleScenario(
      'command-line',
      { name: 'one-off' },
      {},
      {
        assignments: [
          { source: '--target', path: ['target'], value: 'http://127.0.0.1:9' },
          { source: '--protocol', path: ['variants', 0, 'protocol'], value: 'openai-chat' },
          { source: '--connection', path: ['variants', 0, 'connection'], value: 'http-keepalive' },
        ],
      },
    );
    expect(loaded.scenario.variants).toMatchObject([{ name: 'http-keepalive', protocol: 'openai-chat' }]);
    expect(loaded.scenario.request.model).toBe('wirebench-ref');
    expect(loaded.raw).toEqual({
      name: 'one-off',
      target: 'http://127.0.0.1:9',
      variants: [{ protocol: 'openai-chat', connection: 'http-keepalive' }],
    });
  });
});

describe('checkScenario (validate --no-env)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wirebench-check-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const check = (text: string) => {
    const file = path.join(dir, 's.yaml');
    writeFileSync(file, text);
    return () => checkScenario(file);
  };

  it('leaves unset references unchecked and still parses the rest', () => {
    const { scenario, unchecked } = check(`${FILE}headers: { authorization: "Bearer \${env:NO_SUCH_KEY_SET}" }\n`)();
    expect(unchecked).toEqual([['headers', 'authorization']]);
    expect(scenario?.load).toMatchObject({ requests: 10 });
  });

  it('skips the checks of a field holding an unset reference, with its fallback used when there is one', () => {
    const { scenario, unchecked } = check(FILE.replace('concurrency: 2', 'concurrency: "${env:USERS}"'))();
    expect(scenario).toBeUndefined();
    expect(unchecked).toEqual([['load', 'concurrency']]);
    expect(check(FILE.replace('concurrency: 2', 'concurrency: "${env:USERS:-3}"'))().scenario?.load).toMatchObject({
      concurrency: 3,
    });
  });

  it('still reports every other problem, and malformed references', () => {
    expect(failure(check(`${FILE.replace('concurrency: 2', 'concurrency: "${env:USERS}"')}timeout: -1\n`))).toMatch(
      /s\.yaml:6:10 timeout: expected a number > 0, got -1$/,
    );
    expect(failure(check(`${FILE}headers: { a: "\${env:1BAD}" }\n`))).toMatch(/headers\.a: malformed reference/);
  });
});

describe('recordAssignments', () => {
  it('records each by its source, secret header values redacted', () => {
    const set = outsideAssignments({ WIREBENCH_HEADERS__AUTHORIZATION: 'Bearer sk-1' }, [
      'load.rate=20',
      'variants[0].headers={x-key: s2, accept: a}',
    ]);
    expect(recordAssignments(set, ['x-key'])).toEqual({
      WIREBENCH_HEADERS__AUTHORIZATION: '[redacted]',
      '--set load.rate': 20,
      '--set variants[0].headers': { 'x-key': '[redacted]', accept: 'a' },
    });
  });
});
