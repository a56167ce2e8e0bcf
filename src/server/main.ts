/**
 * The reference server as a helper process (a run's embedded server): its options as JSON in the only
 * argument, `certOut` naming where a TLS server's certificate goes before it says it is listening.
 */
import { writeFile } from 'node:fs/promises';

import { serveUntilStopped } from '../shared/child-process.js';
import { type StartOptions, startServer } from './index.js';

export interface ServerProcessOptions extends StartOptions {
  certOut?: string;
}

const { certOut, ...options } = JSON.parse(process.argv[2] ?? '{}') as ServerProcessOptions;
const server = await startServer(options);
// Before the listening line: whoever reads that line may read the certificate at once.
if (certOut !== undefined && server.ca !== undefined) await writeFile(certOut, server.ca);
await serveUntilStopped(server.url, () => server.close());
