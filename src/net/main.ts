/** The network relay as a helper process (a run's `network:` emulation): its options as JSON in the only argument. */
import { serveUntilStopped } from '../shared/child-process.js';
import { type RelayOptions, startRelay } from './relay.js';

const relay = await startRelay(JSON.parse(process.argv[2] ?? '{}') as RelayOptions);
await serveUntilStopped(relay.address, () => relay.close());
