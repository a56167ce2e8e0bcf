/**
 * The GitHub Action (action.yml): its structure, and its steps run as the runner would (./runner.ts)
 * against the built checkout: no baseline, a comparison that passes, one that fails, a bad input.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

import { assertBuilt, readResult, REPO, tempDir } from '../cli/helpers.js';
import { type ActionRun, INPUT, readAction, runAction, type Step, STEP_OUTPUT } from './runner.js';

const action = readAction(path.join(REPO, 'action.yml'));
const steps = action.runs.steps;

/** Every string in the parsed document (comments are not in it), with where it is. */
function strings(v: unknown, at = ''): [string, string][] {
  if (typeof v === 'string') return [[at, v]];
  if (Array.isArray(v)) return v.flatMap((x, i) => strings(x, `${at}[${i}]`));
  if (v !== null && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => strings(x, `${at}.${k}`));
  return [];
}

describe('action.yml', () => {
  it('is a composite action whose expressions name only its inputs and its steps’ outputs', () => {
    expect(action.runs.using).toBe('composite');
    const ids = new Set(steps.map((s) => s.id));
    for (const [at, s] of strings(action))
      for (const expr of s.match(/\$\{\{.*?\}\}/g) ?? []) {
        const input = INPUT.exec(expr)?.[1];
        const output = STEP_OUTPUT.exec(expr);
        if (input !== undefined) expect(Object.keys(action.inputs), at).toContain(input);
        else if (output !== null) expect(ids.has(output[1]), at).toBe(true);
        else expect.fail(`${at}: ${expr} is neither an input nor a step's output`);
      }
  });

  it('runs bash steps that read inputs only from env, and uses every input', () => {
    const used = new Set<string>();
    for (const step of steps.filter((s) => s.run !== undefined)) {
      expect(step.shell, step.id).toBe('bash');
      expect(step.run, step.id).not.toContain('${{');
      for (const [name, value] of Object.entries(step.env ?? {})) {
        const input = INPUT.exec(value)?.[1];
        expect(input, `${step.id}: env ${name}`).toBeDefined();
        used.add(input!);
      }
    }
    expect([...used].sort()).toEqual(Object.keys(action.inputs).sort());
  });

  it('sets up node 20 and installs from its own checkout', () => {
    expect(steps.filter((s) => s.uses !== undefined)).toEqual([
      { uses: 'actions/setup-node@v4', with: { 'node-version': 20 } },
    ]);
    const install = steps.find((s) => s.id === 'install');
    expect(install?.run).toMatch(/cd "\$GITHUB_ACTION_PATH" && npm ci .*&& npm run build$/);
  });

  it('is used by the example workflow with its own inputs, on the baseline that main uploads', () => {
    const workflow = parse(readFileSync(path.join(REPO, 'docs', 'examples', 'wirebench-ci.yml'), 'utf8')) as {
      jobs: Record<string, { steps: Step[] }>;
    };
    const used = Object.values(workflow.jobs).flatMap((j) => j.steps);
    const find = (uses: string): Step => used.find((s) => s.uses?.startsWith(uses)) ?? expect.fail(uses);
    const bench = find('OWNER/wirebench@');
    expect(Object.keys(action.inputs)).toEqual(expect.arrayContaining(Object.keys(bench.with ?? {})));
    const download = find('actions/download-artifact@');
    const upload = find('actions/upload-artifact@');
    expect(bench.with?.baseline).toContain(`'${String(download.with?.path)}'`);
    // On a push, the name the upload's expression gives is the name the download asks for.
    expect(String(upload.with?.name).replace(/\$\{\{.*'push' && '(\w+)'.*\}\}/, '$1')).toBe(download.with?.name);
    expect(upload.with?.path).toBe(`\${{ steps.${bench.id}.outputs.result }}`);
  });
});

const tmp = tempDir();
const workspace = path.join(tmp.dir, 'workspace');

/** What a job's `uses:` of the action does, minus setup-node and the install (the suite runs on a build). */
const use = (inputs: Record<string, string>): Promise<ActionRun> =>
  runAction(action, inputs, { actionPath: REPO, workspace, temp: tmp.dir, skip: (s) => s.id === 'install' });

const count = (text: string, s: string): number => text.split(s).length - 1;

// 30 ms to first token; the slow candidate's 300 ms is +900%, the rule's +200% is far from either side.
const SCENARIO = `name: action-gate
target: embedded
server: { ttft_ms: 30, tps: 5000, output_tokens: 5 }
request: { prompt_tokens: 8, max_output_tokens: 5 }
variants:
  - { name: sse, protocol: openai-responses, connection: http-keepalive }
load: { kind: closed, concurrency: 1, requests: 10, warmup: 1 }
`;
const RULES = 'ttft_ms.p50>+200%\n\n  errors.rate>0.5\n';
const HEADING = '## wirebench · action-gate';

describe('the action, step by step', () => {
  beforeAll(() => {
    assertBuilt();
    mkdirSync(workspace);
    writeFileSync(path.join(workspace, 'gate.yaml'), SCENARIO);
  });
  afterAll(tmp.cleanup);

  it('without a baseline: runs, writes the summary, skips the comparison and says so', async () => {
    const r = await use({ scenario: 'gate.yaml' });
    expect(r.code, r.log).toBe(0);
    expect(r.outputs).toEqual({ result: 'wirebench-results/current', verdict: 'skipped' });
    expect(existsSync(path.join(workspace, 'wirebench-results/current/result.json'))).toBe(true);
    expect(count(r.summary, HEADING)).toBe(1);
    expect(r.summary).toContain('No baseline given: comparison skipped.');
  });

  it('with that baseline and the same server: every rule passes', async () => {
    const r = await use({
      scenario: 'gate.yaml',
      out: 'results/same',
      baseline: 'wirebench-results/current',
      'fail-on': RULES,
    });
    expect(r.code, r.log).toBe(0);
    expect(r.outputs).toEqual({ result: 'results/same', verdict: 'pass' });
    // The run's summary and the comparison, each once: both commands append their own.
    expect(count(r.summary, HEADING)).toBe(1);
    expect(count(r.summary, '### wirebench compare')).toBe(1);
    expect(r.summary).toContain('- **pass** `ttft_ms.p50>+200%`: sse ttft_ms.p50');
    expect(r.summary).toContain('- **pass** `errors.rate>0.5`: sse errors.rate');
    // The markdown is also kept beside the result, for a later step to post.
    const md = readFileSync(path.join(workspace, 'results/same/compare.md'), 'utf8');
    expect(md).toContain('- **pass** `ttft_ms.p50>+200%`');
  });

  it('a server ten times slower to first token fails the rule: exit 1, summary still written', async () => {
    const r = await use({
      scenario: 'gate.yaml',
      out: 'results/slow',
      baseline: 'wirebench-results/current',
      set: 'server.ttft_ms=300\n# fewer, to stay quick\n load.requests=8 \n',
      'fail-on': RULES,
    });
    expect(r.code, r.log).toBe(1);
    expect(r.outputs).toEqual({ result: 'results/slow', verdict: 'fail' });
    expect(count(r.summary, HEADING)).toBe(1);
    expect(r.summary).toMatch(/- \*\*fail\*\* `ttft_ms\.p50>\+200%`: sse ttft_ms\.p50 .* change beyond the rule/);
    expect(r.summary).toContain('- **pass** `errors.rate>0.5`');
    // Each `set` line reached the run, trimmed; the comment did not.
    const result = readResult(path.join(workspace, 'results/slow'));
    expect(result.overrides.set).toEqual({ '--set server.ttft_ms': 300, '--set load.requests': 8 });
    expect(result.variants[0].counts.requests).toBe(8);
  });

  it('a scenario that is not there: exit 2, verdict fail, and no input is ever run as shell', async () => {
    const r = await use({ scenario: 'missing-$(touch pwned).yaml', baseline: 'wirebench-results/current' });
    expect(r.code, r.log).toBe(2);
    expect(r.outputs.verdict).toBe('fail');
    expect(r.log).toContain('missing-$(touch pwned).yaml');
    expect(r.summary).toContain('`wirebench run` exited 2 (usage or configuration error), so nothing was compared');
    expect(existsSync(path.join(workspace, 'pwned'))).toBe(false);
  });
});
