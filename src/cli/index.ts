#!/usr/bin/env node
import { Command, CommanderError } from 'commander';

import { harnessVersion } from '../result/result.js';
import { ScenarioError } from '../shared/input-error.js';
import { compareCommand } from './compare.js';
import { mergeCommand } from './merge.js';
import { proxyCommand } from './proxy.js';
import { recordCommand } from './record.js';
import { reportCommand } from './report.js';
import { runCommand } from './run.js';
import { serveCommand } from './serve.js';
import { trendCommand } from './trend.js';
import { schemaCommand, validateCommand } from './validate.js';

/** Exit codes: 0 success, 1 a threshold or regression failed, 2 usage or configuration error, 3 the endpoint failed the run, 70 a bug. */
export const EXIT_USAGE = 2;

function program(): Command {
  const cli = new Command('wirebench')
    .description('What does the transport cost? WebSocket vs HTTP streaming latency for LLM endpoints.')
    .version(harnessVersion())
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text) });
  runCommand(cli);
  serveCommand(cli);
  proxyCommand(cli);
  recordCommand(cli);
  compareCommand(cli);
  mergeCommand(cli);
  reportCommand(cli);
  trendCommand(cli);
  validateCommand(cli);
  schemaCommand(cli);
  return cli;
}

async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv);
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version "fail" with exit code 0.
      return err.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    if (err instanceof ScenarioError) {
      process.stderr.write(`${err.message}\n`);
      return EXIT_USAGE;
    }
    // A bug, not bad input: this is the one place a stack trace helps the person reporting it.
    process.stderr.write(`wirebench: internal error: ${(err as Error)?.stack ?? String(err)}\n`);
    return 70;
  }
}

process.exitCode = await main(process.argv);
