import type { HostPort } from '../net/address.js';
import { hostPortOfUrl } from '../net/address.js';
import type { Scenario } from '../scenario/schema.js';
import { type EmbeddedServer, startEmbeddedServer } from './embedded.js';
import { type RelayProcess, startRelayProcess } from './relay-process.js';
import { serverOptions } from './run-inputs.js';

/** Where a step's requests go. */
export interface StepEndpoint {
  /** The endpoint's base URL: the scenario's target, or the embedded server's. */
  url: string;
  /** Where to open connections instead of the URL's host: the network relay, when one runs. */
  dial?: HostPort;
  /** The embedded TLS server's certificate, for the client to trust. */
  ca?: string;
}

/**
 * The helper processes of a run: the embedded server (one for the whole run, or one per step when a
 * sweep varies the server itself) and the network relay in front of it.
 */
export class Endpoints {
  private embedded: EmbeddedServer | undefined;
  private relay: RelayProcess | undefined;
  /** A sweep of a server option needs a server per step; otherwise one serves the whole run. */
  private readonly perStepServer: boolean;
  /** The last step's endpoint URL, for the result. */
  url: string;

  constructor(scenario: Scenario) {
    this.perStepServer = scenario.sweep?.param.startsWith('server.') === true;
    this.url = scenario.target;
  }

  async forStep(s: Scenario): Promise<StepEndpoint> {
    if (s.server !== undefined && (this.embedded === undefined || this.perStepServer)) {
      await this.relay?.close();
      this.relay = undefined;
      await this.embedded?.close();
      this.embedded = await startEmbeddedServer(serverOptions(s.server));
    }
    this.url = this.embedded?.url ?? s.target;
    if (s.network !== undefined && this.relay === undefined) {
      const n = s.network;
      this.relay = await startRelayProcess(hostPortOfUrl(new URL(this.url)), {
        rttMs: n.rtt_ms,
        jitterMs: n.jitter_ms,
        bandwidthKbps: n.bandwidth_kbps,
        seed: n.seed,
      });
    }
    return {
      url: this.url,
      ...(this.relay !== undefined ? { dial: { host: this.relay.host, port: this.relay.port } } : {}),
      ...(this.embedded?.ca !== undefined ? { ca: this.embedded.ca } : {}),
    };
  }

  async close(): Promise<void> {
    await this.relay?.close();
    await this.embedded?.close();
  }
}
