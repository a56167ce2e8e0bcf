import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = path.join(REPO, 'dist', 'src', 'cli', 'index.js');
export const FIXTURES = path.join(REPO, 'test', 'fixtures', 'cli');

export function fixture(name: string): string {
  return path.join(FIXTURES, name);
}

/** The tests drive the built binary, exactly as a user would; `npm test` builds before vitest runs. */
export function assertBuilt(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
}

/**
 * Only what node needs: the suite's own environment may hold real credentials, and a leak test is
 * worthless if the secret it looks for could have come from somewhere else.
 */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: os.tmpdir(), LANG: 'C.UTF-8' };
  return { ...env, ...extra };
}

export interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface Spawned {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Settles when the process exits; rejects (after SIGKILL) if it outlives `timeoutMs`. */
  done: Promise<Outcome>;
}

export interface SpawnOptions {
  cwd?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
  /** In a process group of its own, as a terminal's foreground job is: signal it with `process.kill(-pid)`. */
  detached?: boolean;
}

/** Starts the CLI; a process that hangs is killed and fails the test instead of stalling the suite. */
export function startCli(args: string[], opts: SpawnOptions = {}): Spawned {
  const started = Date.now();
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: opts.cwd ?? REPO,
    env: cleanEnv(opts.env),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: opts.detached ?? false,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const done = new Promise<Outcome>((resolve, reject) => {
    const timer = setTimeout(() => {
      // The whole group when detached: an orphaned embedded server would outlive the suite.
      if (opts.detached && child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      else child.kill('SIGKILL');
      reject(
        new Error(
          `wirebench ${args.join(' ')} did not exit within ${timeoutMs} ms\n--- stdout\n${stdout}\n--- stderr\n${stderr}`,
        ),
      );
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    // 'close', not 'exit': the output is complete only once both pipes have ended.
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
  return { child, stdout: () => stdout, stderr: () => stderr, done };
}

export function runCli(args: string[], opts: SpawnOptions = {}): Promise<Outcome> {
  return startCli(args, opts).done;
}

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wirebench-cli-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A loopback port that nothing listens on: bound by us, then released. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return address.port;
}

export async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** What a user-facing error must never contain: a stack frame. */
export const STACK_FRAME = /\n\s+at /;

/** On a failed expectation the child's own words are the fastest way to the cause. */
export function explain(o: Outcome): string {
  return `exit ${o.code} (${o.signal})\n--- stdout\n${o.stdout}\n--- stderr\n${o.stderr}`;
}

/** Result files as the tests read them: loosely typed JSON unless a test says otherwise. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above: loosely typed on purpose
export type Json = any;

export function readResult<T = Json>(dir: string): T {
  return JSON.parse(readFileSync(path.join(dir, 'result.json'), 'utf8')) as T;
}

export function readRequests<T = Json>(dir: string): T[] {
  return readFileSync(path.join(dir, 'requests.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as T);
}

/**
 * Writes `yaml` as `<dir>/<name>.yaml`, runs it through the built CLI (quiet) into `<dir>/<name>/`, and
 * reads back what it wrote. A non-zero exit throws with the child's output.
 */
export async function runScenarioText<L = Json>(
  dir: string,
  name: string,
  yaml: string,
  timeoutMs = 60_000,
  /** More `run` flags, e.g. `['--hdr-log', '1']`. */
  flags: readonly string[] = [],
  /** The exit code the run must end with: 3 when the scenario makes most requests fail on purpose. */
  exitCode = 0,
): Promise<{ result: Json; lines: L[] }> {
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, yaml);
  const out = path.join(dir, name);
  const o = await runCli(['run', file, '--out', out, '--quiet', ...flags], { timeoutMs });
  if (o.code !== exitCode) throw new Error(`wirebench run ${name}: ${explain(o)}`);
  return { result: readResult(out), lines: readRequests<L>(out) };
}
