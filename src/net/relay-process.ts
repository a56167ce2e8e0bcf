import { startCliChild } from '../shared/cli-child.js';
import { formatHostPort, parseHostPort, type HostPort } from './address.js';

export interface NetworkEmulation {
  rttMs: number;
  jitterMs: number;
  bandwidthKbps?: number;
  seed: number;
}

export interface RelayProcess extends HostPort {
  close(): Promise<void>;
}

/**
 * The scenario's `network:` relay, run as `wirebench proxy` in a process of its own: relaying every byte
 * and keeping a timer per direction on the client's event loop would delay the very arrival stamps the
 * emulation is meant to shape, and its CPU would read as the client's.
 */
export async function startRelayProcess(target: HostPort, emulation: NetworkEmulation): Promise<RelayProcess> {
  const args = ['proxy', '--listen', '127.0.0.1:0', '--target', formatHostPort(target)];
  args.push('--rtt-ms', String(emulation.rttMs), '--jitter-ms', String(emulation.jitterMs), '--seed', String(emulation.seed));
  if (emulation.bandwidthKbps !== undefined) args.push('--bandwidth-kbps', String(emulation.bandwidthKbps));
  const child = await startCliChild(args, 'network relay');
  return { ...parseHostPort(child.address), close: () => child.close() };
}
