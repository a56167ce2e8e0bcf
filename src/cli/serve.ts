import { writeFile } from 'node:fs/promises';

import { type Command, InvalidArgumentError, Option } from 'commander';

import { type FaultRates, parseFaults } from '../server/faults.js';
import { CertificateError, type RunningServer, type StartOptions, startServer } from '../server/index.js';
import type { OptionSpec } from '../server/option-spec.js';
import { OPTION_LIST, type OptionKey } from '../server/options.js';
import { serveUntilStopped } from '../shared/child-process.js';
import { intArg, numArg } from './args.js';

function faultArg(spec: string): FaultRates {
  try {
    return parseFaults(spec);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

/** The flag of one server option, parsed and bounded as the schema says. */
function flagOf(spec: OptionSpec): Option {
  const flag = `--${spec.flag}`;
  switch (spec.kind) {
    case 'boolean':
      return new Option(flag, spec.description).default(spec.default);
    case 'string':
      return new Option(`${flag} <${spec.arg}>`, spec.description).default(spec.default);
    case 'int':
    case 'number': {
      const parse = spec.kind === 'int' ? intArg : numArg;
      const parser = parse(flag, spec.min, { max: spec.max, exclusive: spec.exclusive });
      return new Option(`${flag} <${spec.arg}>`, spec.description).argParser(parser).default(spec.default);
    }
    case 'faults':
      return new Option(`${flag} <${spec.arg}>`, `${spec.description}, as name=probability,…`)
        .argParser(faultArg)
        .default(spec.default);
  }
}

export function serveCommand(cli: Command): void {
  const flags = OPTION_LIST.map(([key, spec]): [OptionKey, Option] => [key, flagOf(spec)]);
  const serve = cli
    .command('serve')
    .description('run the reference server (OpenAI Responses SSE + WebSocket mode, Chat Completions)');
  for (const [, option] of flags) serve.addOption(option);
  serve
    .option('--cert-out <file>', 'with --tls: write the certificate (PEM) there, for clients to trust as their ca')
    .action(async (parsed: Record<string, unknown>, cmd: Command) => {
      // Flag attribute names follow the flags (--fault → fault); the server's keys follow the schema.
      const options = Object.fromEntries(
        flags.map(([key, option]) => [key, parsed[option.attributeName()]]),
      ) as StartOptions;
      const certOut = parsed.certOut as string | undefined;
      if (certOut !== undefined && options.tls !== true) cmd.error('error: --cert-out needs --tls', { exitCode: 2 });
      let server: RunningServer;
      try {
        server = await startServer(options);
      } catch (err) {
        if (err instanceof CertificateError) cmd.error(`error: ${err.message}`, { exitCode: 2 });
        throw err;
      }
      // Before the listening line: whoever reads that line may read the certificate at once.
      if (certOut !== undefined && server.ca !== undefined) await writeFile(certOut, server.ca);
      await serveUntilStopped(server.url, () => server.close());
    });
}
