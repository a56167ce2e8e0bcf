import { readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { collectEnv, compareVariants, tokenSource } from '../../src/result/result.js';
import { variant } from '../report/fixtures.js';

describe('compareVariants', () => {
  it('compares every variant against the first on medians, candidate/baseline − 1', () => {
    const base = variant('http-fresh', { ttft_ms: 2, overhead_ms: 1, decode_tps: 1 });
    const ws = variant('ws-persistent', { ttft_ms: 1, overhead_ms: 0.25, decode_tps: 1.5 });
    const ka = variant('http-keepalive', { ttft_ms: 1.5, e2e_ms: 1 });
    const cmp = compareVariants([base, ws, ka]);
    expect(cmp).toEqual([
      {
        baseline: 'http-fresh',
        candidate: 'ws-persistent',
        metric: 'ttft_ms',
        baseline_p50: 2,
        candidate_p50: 1,
        change: -0.5,
      },
      {
        baseline: 'http-fresh',
        candidate: 'ws-persistent',
        metric: 'overhead_ms',
        baseline_p50: 1,
        candidate_p50: 0.25,
        change: -0.75,
      },
      {
        baseline: 'http-fresh',
        candidate: 'ws-persistent',
        metric: 'decode_tps',
        baseline_p50: 1,
        candidate_p50: 1.5,
        change: 0.5,
      },
      // e2e_ms: the baseline has no data; overhead_ms: the candidate has none.
      {
        baseline: 'http-fresh',
        candidate: 'http-keepalive',
        metric: 'ttft_ms',
        baseline_p50: 2,
        candidate_p50: 1.5,
        change: -0.25,
      },
    ]);
  });

  it('skips metrics outside the compared set and zero baselines', () => {
    const base = variant('a', { dns_ms: 1, itl_ms: 0 });
    const cand = variant('b', { dns_ms: 2, itl_ms: 1 });
    expect(compareVariants([base, cand])).toEqual([]);
  });

  it('has nothing to compare with one variant or none', () => {
    expect(compareVariants([variant('a', { ttft_ms: 1 })])).toEqual([]);
    expect(compareVariants([])).toEqual([]);
  });
});

describe('tokenSource', () => {
  it('names the single source, mixed, or none', () => {
    expect(tokenSource({ usage: 3, tokenizer: 0, chunks: 0 })).toBe('usage');
    expect(tokenSource({ usage: 0, tokenizer: 0, chunks: 2 })).toBe('chunks');
    expect(tokenSource({ usage: 1, tokenizer: 1, chunks: 0 })).toBe('mixed');
    expect(tokenSource({ usage: 0, tokenizer: 0, chunks: 0 })).toBe('none');
  });
});

describe('collectEnv', () => {
  it('describes the harness, the runtime and the machine', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    const env = collectEnv(new Date('2026-11-26T04:45:01.250Z'), new Date('2026-11-26T04:46:01Z'));
    expect(env).toMatchObject({
      wirebench: pkg.version,
      node: process.version,
      arch: os.arch(),
      hostname: os.hostname(),
      started_at: '2026-11-26T04:45:01.250Z',
      ended_at: '2026-11-26T04:46:01.000Z',
    });
    expect(env.os).toContain(os.platform());
    expect(env.cpu.count).toBeGreaterThan(0);
    expect(env.cpu.model.length).toBeGreaterThan(0);
  });

  it('records the commit of the checkout a run starts in, and leaves it out elsewhere', () => {
    const at = (cwd: string) => collectEnv(new Date(), new Date(), cwd);
    const repo = fileURLToPath(new URL('../..', import.meta.url));
    expect(at(repo).git_commit).toMatch(/^[0-9a-f]{40}$/);
    expect(at(os.tmpdir())).not.toHaveProperty('git_commit');
  });
});
