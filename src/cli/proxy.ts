import { type Command, InvalidArgumentError } from 'commander';

import { formatHostPort, type HostPort, parseHostPort } from '../net/address.js';
import { type Relay, startRelay } from '../net/relay.js';
import { serveUntilStopped } from '../shared/child-process.js';
import { intArg, numArg } from './args.js';

interface ProxyFlags {
  listen: HostPort;
  target: HostPort;
  rttMs: number;
  jitterMs: number;
  bandwidthKbps?: number;
  seed: number;
}

function hostPortArg(name: string) {
  return (value: string): HostPort => {
    try {
      return parseHostPort(value);
    } catch (err) {
      throw new InvalidArgumentError(`${name}: ${(err as Error).message}`);
    }
  };
}

export function proxyCommand(cli: Command): void {
  cli
    .command('proxy')
    .description(
      'relay TCP to a target through an emulated network path (delay, jitter, bandwidth per direction); ' +
        'the TCP handshake itself is not delayed: see docs/network.md',
    )
    .option('--listen <host:port>', 'address to listen on (port 0 = ephemeral)', hostPortArg('--listen'), {
      host: '127.0.0.1',
      port: 0,
    })
    .requiredOption('--target <host:port>', 'where to relay each connection', hostPortArg('--target'))
    .requiredOption('--rtt-ms <ms>', 'emulated round trip; each direction gets half', numArg('--rtt-ms', 0))
    .option('--jitter-ms <ms>', 'per-direction delay varies uniformly by ± this much', numArg('--jitter-ms', 0), 0)
    .option(
      '--bandwidth-kbps <kbit/s>',
      'per-direction bandwidth shared by all connections',
      numArg('--bandwidth-kbps', 1),
    )
    .option('--seed <n>', 'seed of the jitter', intArg('--seed', 0), 1)
    .action(async (flags: ProxyFlags) => {
      let relay: Relay;
      try {
        relay = await startRelay({
          listenHost: flags.listen.host,
          listenPort: flags.listen.port,
          target: flags.target,
          rttMs: flags.rttMs,
          jitterMs: flags.jitterMs,
          bandwidthKbps: flags.bandwidthKbps,
          seed: flags.seed,
        });
      } catch (err) {
        // A port in use or an address not on this host is the user's to fix, not a bug: no stack trace,
        // and the usage/configuration exit code (2).
        process.stderr.write(
          `wirebench proxy: cannot listen on ${formatHostPort(flags.listen)}: ${(err as Error).message}\n`,
        );
        process.exitCode = 2;
        return;
      }
      await serveUntilStopped(relay.address, () => relay.close());
    });
}
