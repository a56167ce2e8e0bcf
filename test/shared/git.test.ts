import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { expect, it } from 'vitest';

import { gitCommit } from '../../src/shared/git.js';
import { REPO } from '../cli/helpers.js';

it('names the commit of a checkout, and nothing outside one', () => {
  expect(gitCommit(REPO)).toMatch(/^[0-9a-f]{40}$/);
  const outside = mkdtempSync(path.join(os.tmpdir(), 'wb-nogit-'));
  try {
    // The system's tmp is no checkout: no commit, and no error either.
    expect(gitCommit(outside)).toBeUndefined();
    expect(gitCommit(path.join(outside, 'missing'))).toBeUndefined();
  } finally {
    rmSync(outside, { recursive: true });
  }
});
