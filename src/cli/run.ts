import { setMaxListeners } from 'node:events';
import { appendFileSync } from 'node:fs';
import path from 'node:path';

import { type Command, InvalidArgumentError, Option } from 'commander';

import { renderMarkdown } from '../report/markdown.js';
import { renderSummary } from '../report/terminal.js';
import { describeFailure, endpointFailures } from '../result/failures.js';
import { describeThreshold } from '../result/thresholds.js';
import type { RunStatus } from '../run/run-config.js';
import { runScenario } from '../run/runner.js';
import { resultDirName, ResultWriteError } from '../run/writer.js';
import { recordAssignments } from '../scenario/assignments.js';
import { applyOverrides, recordedOverrides } from '../scenario/overrides.js';
import { parseShard, type Shard } from '../scenario/shard.js';
import { intArg, numArg } from './args.js';
import { useColor } from './color.js';
import { OUT_HELP, outArg, type OutFlags } from './out.js';
import { type Progress, startProgress } from './progress.js';
import { type InputFlags, scenarioInput } from './scenario-input.js';

/** The results could not be written (sysexits' EX_IOERR); the summary was printed. */
const EXIT_IO = 74;
/** The endpoint failed the run: more than half of a variant's measured requests failed (see result/failures.ts). */
const EXIT_FAILED = 3;

/** How long in-flight requests may go on after the first Ctrl-C. */
const GRACE_MS = 5000;

interface RunFlags extends InputFlags {
  out?: OutFlags;
  target?: string;
  requests?: number;
  duration?: number;
  concurrency?: number;
  shard?: Shard;
  workers?: number;
  quiet?: boolean;
  json?: boolean;
  hdrLog?: number;
  definitions?: string[];
}

/** A comma-separated flag value; repeating the flag adds to it. */
function list(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').map((s) => s.trim())];
}

export function runCommand(cli: Command): void {
  cli
    .command('run')
    .description('run a scenario and write results/<UTC timestamp>-<name>/')
    .argument('[scenario]', 'scenario file (YAML or JSON); without one, --target and the one-off flags make it')
    .option('--out <dir|kind=target>', OUT_HELP, outArg)
    .option('--target <url>', 'endpoint base URL, overriding the scenario (e.g. https://api.openai.com/v1)')
    .option(
      '--set <path=value>',
      'set a scenario field (repeatable): load.rate=20, variants[0].connection=http2; the value is YAML',
      (v: string, all: string[] = []) => [...all, v],
    )
    .option(
      '--protocol <list>',
      'without a file: protocols, comma-separated (a variant per protocol × connection)',
      list,
    )
    .option('--connection <list>', 'without a file: connection policies, comma-separated', list)
    .option('--model <name>', 'without a file: request.model')
    .option('--requests <n>', 'measured requests per variant (sessions, for a session load)', intArg('--requests', 1))
    .option('--duration <sec>', 'measured seconds per variant', numArg('--duration', 0.001))
    .option('--concurrency <n>', 'virtual users', intArg('--concurrency', 1))
    .option('--shard <i/n>', 'run the i-th of n equal parts of the load (then: wirebench merge)', (v: string) => {
      const shard = parseShard(v);
      if (shard === undefined) throw new InvalidArgumentError('--shard must be i/n with 1 <= i <= n, e.g. 2/4');
      return shard;
    })
    .option(
      '--workers <n>',
      'worker threads, each running an equal part of the load (one result)',
      intArg('--workers', 1),
    )
    .option(
      '--definitions <list>',
      'also report TTFT, ITL, TPOT and E2E as these tools compute them, comma-separated: vllm, aiperf, guidellm',
      list,
    )
    .option('--quiet', 'print nothing but errors (and --json)')
    .option('--json', 'print result.json to stdout')
    .addOption(
      new Option(
        '--hdr-log [sec]',
        'also write HdrHistogram interval logs, <variant>.hlog, one interval every sec seconds',
      )
        .argParser((v: string) => {
          // The value is optional, so `run --hdr-log scenario.yaml` hands it the file name: say what happened.
          if (Number.isNaN(Number(v)))
            throw new InvalidArgumentError(
              `--hdr-log takes seconds, not "${v}" (put the flag after the scenario file for the default 1 s)`,
            );
          return numArg('--hdr-log', 0.1)(v);
        })
        .preset('1'),
    )
    .action(async (file: string | undefined, flags: RunFlags) => {
      const { loaded, set } = scenarioInput(file, flags, process.env);
      const scenario = applyOverrides(loaded, flags);
      const started = new Date();
      const outDir = flags.out?.dir ?? path.join('results', resultDirName(scenario.name, started));
      let progress: Progress = { log: (line) => flags.quiet || process.stderr.write(`${line}\n`), stop: () => {} };
      const log = (line: string): void => progress.log(line);
      const watch = (status: () => RunStatus): void => {
        progress = startProgress(status, { tty: process.stderr.isTTY === true, quiet: flags.quiet === true });
      };
      let stops = 0;
      const hardStop = new AbortController();
      // Every request in flight listens for the stop (and lets go when it ends): hundreds at once are normal.
      setMaxListeners(0, hardStop.signal);
      const onSignal = (): void => {
        stops++;
        if (stops === 1) {
          // In-flight requests get a grace period to finish; after it they are cut short (interrupted).
          setTimeout(() => hardStop.abort(), GRACE_MS).unref();
          log(
            `stopping: in-flight requests get ${GRACE_MS / 1000} s to finish, then the partial results are written ` +
              '(Ctrl-C again to cut them short now)',
          );
        } else if (stops === 2) {
          hardStop.abort();
        } else {
          process.exit(130);
        }
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        const overrides = recordedOverrides(flags);
        if (set.length > 0) overrides.set = recordAssignments(set, scenario.redact);
        const written = await runScenario({
          loaded,
          scenario,
          outDir,
          log,
          stopping: () => stops > 0,
          hardStop: hardStop.signal,
          overrides,
          watch,
          shard: flags.shard,
          hdrLogS: flags.hdrLog,
          outputs: flags.out?.outputs,
          // Said even with --quiet: an output the user asked for is missing from the run.
          warn: (line) => (flags.quiet ? process.stderr.write(`${line}\n`) : log(line)),
        })
          .then((r) => ({ result: r.result, failure: undefined }))
          .catch((err: unknown) => {
            // The results could not be written: the run's figures are printed all the same.
            if (err instanceof ResultWriteError) return { result: err.result, failure: err.message };
            throw err;
          })
          .finally(() => progress.stop());
        const { result, failure } = written;
        if (failure !== undefined) {
          process.stdout.write(`${renderSummary(result, { color: useColor(process.stdout) })}\n`);
          process.stderr.write(`error: ${failure}\n`);
          process.exitCode = EXIT_IO;
          return;
        }
        if (flags.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        else if (!flags.quiet) process.stdout.write(`${renderSummary(result, { color: useColor(process.stdout) })}\n`);
        log(`results: ${outDir}`);
        // A GitHub Actions job shows this file as its summary page.
        const summary = process.env.GITHUB_STEP_SUMMARY;
        if (summary) appendFileSync(summary, `\n${renderMarkdown(result)}`);
        // A failed threshold is the run's verdict, so it reaches stderr even with --quiet or --json.
        const failed = (result.thresholds ?? []).filter((t) => !t.ok);
        for (const t of failed) process.stderr.write(`threshold failed: ${describeThreshold(t, result.steps)}\n`);
        // Likewise a run that measured mostly failures: its first cause of each class names what went wrong.
        const broken = endpointFailures(result);
        for (const f of broken) process.stderr.write(`error: ${describeFailure(f)} (${f.causes.join('; ')})\n`);
        if (!result.complete) process.exitCode = 130;
        else if (broken.length > 0) process.exitCode = EXIT_FAILED;
        else if (failed.length > 0) process.exitCode = 1;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
