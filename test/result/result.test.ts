import { readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { collectEnv, tokenSource } from '../../src/result/result.js';

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
