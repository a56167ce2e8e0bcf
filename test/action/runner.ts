/**
 * A composite action's `run:` steps run as the GitHub runner runs them, for tests: in order until one
 * fails, `shell: bash` as `bash --noprofile --norc -eo pipefail FILE`, the step's `env:` with
 * `${{ inputs.x }}` replaced by the input given (or its default), GITHUB_ACTION_PATH, GITHUB_WORKSPACE,
 * GITHUB_STEP_SUMMARY and a GITHUB_OUTPUT file per step; the action's outputs read from its steps'.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { parse } from 'yaml';

export interface Step {
  id?: string;
  uses?: string;
  with?: Record<string, unknown>;
  shell?: string;
  env?: Record<string, string>;
  run?: string;
}

export interface Action {
  inputs: Record<string, { default?: string }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: Step[] };
}

/** The only expressions a step's env (an input) and an output's value (a step's output) may hold. */
export const INPUT = /^\$\{\{\s*inputs\.([\w-]+)\s*\}\}$/;
export const STEP_OUTPUT = /^\$\{\{\s*steps\.([\w-]+)\.outputs\.([\w-]+)\s*\}\}$/;

export function readAction(file: string): Action {
  return parse(readFileSync(file, 'utf8')) as Action;
}

export interface ActionRun {
  /** The exit code of the last step that ran: the first that failed, or 0. */
  code: number;
  outputs: Record<string, string>;
  /** $GITHUB_STEP_SUMMARY as the steps left it. */
  summary: string;
  /** stdout and stderr of every step, in order. */
  log: string;
}

export interface RunOptions {
  /** The action's folder: GITHUB_ACTION_PATH. */
  actionPath: string;
  /** The working directory of every step: GITHUB_WORKSPACE. */
  workspace: string;
  /** Where the summary, output files and step scripts go (RUNNER_TEMP). */
  temp: string;
  /** Steps not to run, besides every `uses:` step. */
  skip?: (step: Step) => boolean;
}

/** `name=value` and `name<<DELIM` … `DELIM` lines, as the runner reads $GITHUB_OUTPUT. */
export function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([\w-]+)<<(.+)$/.exec(lines[i]);
    if (heredoc === null) {
      const eq = lines[i].indexOf('=');
      if (eq > 0) out[lines[i].slice(0, eq)] = lines[i].slice(eq + 1);
      continue;
    }
    const end = lines.indexOf(heredoc[2], i + 1);
    if (end < 0) throw new Error(`GITHUB_OUTPUT: ${heredoc[1]} has no closing ${heredoc[2]}`);
    out[heredoc[1]] = lines.slice(i + 1, end).join('\n');
    i = end;
  }
  return out;
}

function bash(file: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number; log: string }> {
  return new Promise((resolve, reject) => {
    // In a group of its own: on a timeout the whole step goes, wirebench and its embedded server too.
    const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', file], { cwd, env, detached: true });
    let log = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (log += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (log += s));
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      reject(new Error(`${file} did not exit within 60 s\n${log}`));
    }, 60_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, log });
    });
  });
}

export async function runAction(action: Action, inputs: Record<string, string>, o: RunOptions): Promise<ActionRun> {
  const temp = mkdtempSync(path.join(o.temp, 'runner-'));
  const summary = path.join(temp, 'summary.md');
  writeFileSync(summary, '');
  const given = (name: string): string => inputs[name] ?? action.inputs[name]?.default ?? '';
  const stepOutputs = new Map<string, Record<string, string>>();
  let log = '';
  let code = 0;
  for (const [i, step] of action.runs.steps.entries()) {
    if (step.uses !== undefined || o.skip?.(step) === true) continue;
    const outputFile = path.join(temp, `output-${i}`);
    writeFileSync(outputFile, '');
    const script = path.join(temp, `step-${i}.sh`);
    writeFileSync(script, step.run ?? '');
    const env = Object.entries(step.env ?? {}).map(([k, v]) => {
      const input = INPUT.exec(v)?.[1];
      if (input === undefined) throw new Error(`step ${step.id ?? i}: env ${k} is not an input: ${v}`);
      return [k, given(input)];
    });
    const ran = await bash(script, o.workspace, {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: temp,
      LANG: 'C.UTF-8',
      GITHUB_ACTIONS: 'true',
      GITHUB_WORKSPACE: o.workspace,
      GITHUB_ACTION_PATH: o.actionPath,
      GITHUB_STEP_SUMMARY: summary,
      GITHUB_OUTPUT: outputFile,
      ...Object.fromEntries(env),
    });
    log += ran.log;
    // The runner reads a step's outputs whether or not it failed.
    if (step.id !== undefined) stepOutputs.set(step.id, parseOutputs(readFileSync(outputFile, 'utf8')));
    code = ran.code;
    if (code !== 0) break;
  }
  const outputs = Object.entries(action.outputs).map(([name, out]) => {
    const ref = STEP_OUTPUT.exec(out.value);
    if (ref === null) throw new Error(`output ${name} is not a step's output: ${out.value}`);
    return [name, stepOutputs.get(ref[1])?.[ref[2]] ?? ''];
  });
  return { code, outputs: Object.fromEntries(outputs), summary: readFileSync(summary, 'utf8'), log };
}
