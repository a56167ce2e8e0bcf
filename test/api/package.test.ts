import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { assertBuilt, REPO } from '../cli/helpers.js';

/**
 * The package as another project gets it: `npm pack`, installed into a fresh ESM project from the npm
 * cache alone, then `import { run, compare, merge } from 'wirebench'` run by node and type-checked by tsc.
 */
const exec = promisify(execFile);
const dir = mkdtempSync(path.join(os.tmpdir(), 'wirebench-pack-'));
const project = path.join(dir, 'consumer');

/** Every step is bounded: a hung npm or run fails the test instead of stalling the suite. */
async function sh(cmd: string, args: string[], cwd: string, timeout: number): Promise<string> {
  const { stdout } = await exec(cmd, args, { cwd, timeout, killSignal: 'SIGKILL', maxBuffer: 16 << 20 });
  return stdout;
}

interface LockEntry {
  dev?: boolean;
  [key: string]: unknown;
}

/**
 * The consumer's lockfile: the tarball, and wirebench's own runtime dependencies exactly as its lockfile
 * pins them. `npm install <tarball> --offline` would have to resolve the dependencies' versions, which
 * takes registry metadata the cache of an `npm ci` does not hold; with a lockfile `npm ci` needs only the
 * cached tarballs, so this runs without a network.
 */
function writeConsumer(tarball: string): void {
  const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as Record<string, unknown>;
  const lock = JSON.parse(readFileSync(path.join(REPO, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const spec = `file:${path.relative(project, tarball)}`;
  const runtime = Object.entries(lock.packages).filter(([k, v]) => k !== '' && v.dev !== true);
  const { version, license, dependencies, bin, engines } = pkg;
  const packages = {
    '': { name: 'consumer', dependencies: { wirebench: spec } },
    'node_modules/wirebench': { version, resolved: spec, license, dependencies, bin, engines },
    ...Object.fromEntries(runtime),
  };
  const manifest = { name: 'consumer', private: true, type: 'module', dependencies: { wirebench: spec } };
  writeFileSync(path.join(project, 'package.json'), JSON.stringify(manifest, null, 2));
  writeFileSync(
    path.join(project, 'package-lock.json'),
    JSON.stringify({ name: 'consumer', lockfileVersion: 3, requires: true, packages }, null, 2),
  );
}

const SCENARIO = {
  name: 'pack',
  target: 'embedded',
  server: { ttft_ms: 5, tps: 5000, output_tokens: 8 },
  request: { prompt_tokens: 8, max_output_tokens: 8 },
  variants: [
    { name: 'sse', protocol: 'openai-responses', connection: 'http-keepalive' },
    { name: 'ws', protocol: 'openai-responses', connection: 'ws-persistent' },
  ],
  load: { kind: 'closed', concurrency: 2, requests: 4, warmup: 1 },
};

const SCRIPT = `import { run, compare, merge } from 'wirebench';
const scenario = ${JSON.stringify(SCENARIO)};
const a = await run(scenario, { shard: '1/2' });
const b = await run(scenario, { shard: '2/2' });
const c = await compare(a, a, { baselineVariant: 'sse', candidateVariant: 'ws', failOn: ['ttft_ms.p50>0'] });
const m = merge([a, b]);
// Worker threads load the built worker-main.js: only the package can show they work through the API.
const w = await run(scenario, { workers: 2 });
console.log(JSON.stringify({
  shards: [a, b].map((r) => r.variants.map((v) => [v.name, v.counts.ok])),
  compared: [...new Set(c.comparisons.map((x) => x.baseline_variant + '>' + x.candidate_variant))],
  failures: c.rules.filter((r) => !r.ok).map((r) => r.statistic),
  merged: m.variants.map((v) => [v.name, v.counts.ok]),
  workers: [w.client.workers.length, w.variants.map((v) => [v.name, v.counts.ok])],
}));
`;

/** Not run, only type-checked: the declarations must carry real types (an \`any\` would pass the expect-error). */
const CONSUMER_TS = `import { compare, merge, run, ScenarioError, type CompareOutcome, type Result, type ScenarioInput, type VariantResult } from 'wirebench';
const scenario: ScenarioInput = ${JSON.stringify(SCENARIO)};
const r: Result = await run(scenario, { requests: 2, signal: new AbortController().signal });
const v: VariantResult = r.variants[0];
const ok: number = v.counts.ok;
const c: CompareOutcome = await compare(r, 'other/result.json', { failOn: ['ttft_ms.p99>+10%'] });
const m: Result = merge([r, 'shard2/result.json']);
const issues: number = new ScenarioError([]).issues.length;
// @ts-expect-error -- requests is a number
await run(scenario, { requests: 'two' });
export { c, m, ok, issues };
`;

beforeAll(async () => {
  assertBuilt(); // packed with --ignore-scripts: the package is the build the other tests use
  const packed = JSON.parse(
    await sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], REPO, 30_000),
  ) as Array<{ filename: string }>;
  mkdirSync(project);
  writeConsumer(path.join(dir, packed[0].filename));
  await sh('npm', ['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], project, 45_000);
}, 90_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the packed package', () => {
  it('imports run, compare and merge in an ESM project, and they work', async () => {
    writeFileSync(path.join(project, 'use.mjs'), SCRIPT);
    const out = JSON.parse(await sh(process.execPath, ['use.mjs'], project, 45_000)) as Record<string, unknown>;
    expect(out).toEqual({
      // Four requests per variant, two in each shard, all answered; the merge adds them up, as do two threads.
      shards: [
        [
          ['sse', 2],
          ['ws', 2],
        ],
        [
          ['sse', 2],
          ['ws', 2],
        ],
      ],
      compared: ['sse>ws'],
      failures: ['ttft_ms.p50'],
      merged: [
        ['sse', 4],
        ['ws', 4],
      ],
      workers: [
        2,
        [
          ['sse', 4],
          ['ws', 4],
        ],
      ],
    });
  }, 60_000);

  it('ships its types: a TypeScript consumer type-checks', async () => {
    writeFileSync(path.join(project, 'consumer.ts'), CONSUMER_TS);
    const tsc = path.join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
    const args = ['--noEmit', '--strict', '--skipLibCheck', '--target', 'es2022', '--lib', 'es2022,dom'];
    const options = [...args, '--module', 'nodenext', '--moduleResolution', 'nodenext'];
    await expect(sh(process.execPath, [tsc, ...options, 'consumer.ts'], project, 45_000)).resolves.toBe('');
  }, 60_000);
});
