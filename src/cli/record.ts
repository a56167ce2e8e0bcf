import { readFileSync } from 'node:fs';
import path from 'node:path';

import { type Command, InvalidArgumentError } from 'commander';

import { type HostPort, parseHostPort } from '../net/address.js';
import { renderSummary } from '../report/terminal.js';
import { record } from '../run/record.js';
import { resultDirName, ResultWriteError } from '../run/writer.js';
import { intArg, numArg } from './args.js';
import { useColor } from './color.js';

interface RecordFlags {
  listen: HostPort;
  target: URL;
  out?: string;
  requests?: number;
  duration?: number;
  ca?: string;
  insecure?: boolean;
  quiet?: boolean;
  json?: boolean;
  keepContent?: boolean;
}

/** What `record` exits with when the result folder cannot be written (EX_IOERR), as `run` does. */
const EXIT_IO = 74;

function targetArg(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(`--target: expected an http:// or https:// URL, got "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new InvalidArgumentError(`--target: expected an http:// or https:// URL, got "${value}"`);
  return url;
}

function listenArg(value: string): HostPort {
  try {
    return parseHostPort(value);
  } catch (err) {
    throw new InvalidArgumentError(`--listen: ${(err as Error).message}`);
  }
}

export function recordCommand(cli: Command): void {
  cli
    .command('record')
    .description(
      'a pass-through proxy for a real client (point its base URL here): forwards HTTP and WebSocket to ' +
        'the target unchanged and times every streamed answer as a run does; Ctrl-C writes the results',
    )
    .option('--listen <host:port>', 'address to listen on (port 0 = ephemeral)', listenArg, {
      host: '127.0.0.1',
      port: 0,
    })
    .requiredOption('--target <url>', 'the endpoint to forward to (http(s)://host[:port][/prefix])', targetArg)
    .option('--out <dir>', 'result folder (default results/<time>-record)')
    .option('--requests <n>', 'stop after this many timed exchanges', intArg('--requests', 1))
    .option('--duration <sec>', 'stop after this many seconds', numArg('--duration', 0, { exclusive: true }))
    .option('--ca <file>', 'PEM certificate to trust for an https target')
    .option('--insecure', 'do not check an https target’s certificate')
    .option('--keep-content', "keep the sessions' text in workload.jsonl (default: lengths and structure only)")
    .option('--quiet', 'print nothing but errors')
    .option('--json', 'print result.json instead of the summary')
    .action(async (flags: RecordFlags, cmd: Command) => {
      let ca: string | undefined;
      if (flags.ca !== undefined) {
        try {
          ca = readFileSync(flags.ca, 'utf8');
        } catch (err) {
          cmd.error(`error: --ca: cannot read ${flags.ca} (${(err as NodeJS.ErrnoException).code})`, { exitCode: 2 });
        }
      }
      const log = (line: string): void => {
        if (!flags.quiet) process.stderr.write(`${line}\n`);
      };
      const outDir = flags.out ?? path.join('results', resultDirName('record', new Date()));
      let stops = 0;
      const onSignal = (): void => {
        if (++stops > 1) process.exit(130);
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        const written = await record({
          host: flags.listen.host,
          port: flags.listen.port,
          target: flags.target,
          tls: { ca, insecure: flags.insecure === true },
          outDir,
          requests: flags.requests,
          durationS: flags.duration,
          keepContent: flags.keepContent === true,
          stopping: () => stops > 0,
          log,
          listening: (url) => {
            // On stdout, as `serve` does: a script starting the recorder reads where to point its client.
            process.stdout.write(`listening ${url}\n`);
            log(`recording: point the client's base URL at ${url}; Ctrl-C writes the results`);
          },
        })
          .then((r) => ({ result: r.result, failure: undefined }))
          .catch((err: unknown) => {
            if (err instanceof ResultWriteError) return { result: err.result, failure: err.message };
            throw err;
          });
        const { result, failure } = written;
        if (flags.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        else if (!flags.quiet || failure !== undefined)
          process.stdout.write(`${renderSummary(result, { color: useColor(process.stdout) })}\n`);
        if (failure !== undefined) {
          process.stderr.write(`error: ${failure}\n`);
          process.exitCode = EXIT_IO;
          return;
        }
        log(`results: ${outDir}`);
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
