import { execFileSync } from 'node:child_process';

/**
 * The commit checked out at `cwd`, or undefined where git is missing, `cwd` is no checkout, or git does
 * not answer within a second: a result records it when it can, and a run never fails for want of it.
 */
export function gitCommit(cwd: string): string | undefined {
  try {
    const out = execFileSync('git', ['rev-parse', '--verify', '--quiet', 'HEAD'], {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 1000,
    }).trim();
    return /^[0-9a-f]{40,64}$/.test(out) ? out : undefined;
  } catch {
    return undefined;
  }
}
