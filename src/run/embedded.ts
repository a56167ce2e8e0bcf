import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { StartOptions } from '../server/index.js';
import type { ServerProcessOptions } from '../server/main.js';
import { startChild } from '../shared/child-process.js';

export interface EmbeddedServer {
  url: string;
  /** The certificate of a TLS server (made at its start-up), for the client to trust. */
  ca?: string;
  close(): Promise<void>;
}

/** Starts the reference server in a process of its own on an ephemeral loopback port. */
export async function startEmbeddedServer(opts: StartOptions): Promise<EmbeddedServer> {
  // The certificate passes through a private file that is gone before anything is measured.
  const certDir = opts.tls ? mkdtempSync(path.join(os.tmpdir(), 'wirebench-ca-')) : undefined;
  const options: ServerProcessOptions = {
    ...opts,
    host: '127.0.0.1',
    port: 0,
    ...(certDir !== undefined ? { certOut: path.join(certDir, 'ca.pem') } : {}),
  };
  try {
    const child = await startChild('server/main.js', options, 'embedded server');
    const ca = certDir !== undefined ? readFileSync(path.join(certDir, 'ca.pem'), 'utf8') : undefined;
    return { url: child.address, ...(ca !== undefined ? { ca } : {}), close: () => child.close() };
  } finally {
    if (certDir !== undefined) rmSync(certDir, { recursive: true, force: true });
  }
}
