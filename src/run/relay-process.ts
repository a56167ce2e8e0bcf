import { type HostPort, parseHostPort } from '../net/address.js';
import type { RelayOptions } from '../net/relay.js';
import { startChild } from '../shared/child-process.js';

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
 * The scenario's `network:` relay, in a process of its own: relaying every byte and keeping a timer per
 * direction on the client's event loop would delay the very arrival stamps the emulation is meant to
 * shape, and its CPU would read as the client's.
 */
export async function startRelayProcess(target: HostPort, emulation: NetworkEmulation): Promise<RelayProcess> {
  const options: RelayOptions = { listenHost: '127.0.0.1', listenPort: 0, target, ...emulation };
  const child = await startChild('net/main.js', options, 'network relay');
  return { ...parseHostPort(child.address), close: () => child.close() };
}
