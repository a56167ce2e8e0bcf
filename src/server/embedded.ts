import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startCliChild } from '../shared/cli-child.js';
import { formatFaults } from './faults.js';
import type { ServerOptions } from './index.js';

export interface EmbeddedServer {
  url: string;
  /** The certificate of a TLS server (made at its start-up), for the client to trust. */
  ca?: string;
  close(): Promise<void>;
}

const FLAGS: Record<Exclude<keyof ServerOptions, 'host' | 'port' | 'stamp' | 'prefixCache' | 'faults'>, string> = {
  ttftMs: '--ttft-ms',
  prefillTps: '--prefill-tps',
  prefixCacheBlocks: '--prefix-cache-blocks',
  tps: '--tps',
  jitter: '--jitter',
  chunkTokens: '--chunk-tokens',
  outputTokens: '--output-tokens',
  httpOverheadMs: '--http-overhead-ms',
  wsOverheadMs: '--ws-overhead-ms',
  wsConnectOverheadMs: '--ws-connect-overhead-ms',
  seed: '--seed',
  maxConcurrent: '--max-concurrent',
  rateLimit: '--rate-limit',
};

/** Starts the reference server as `wirebench serve` in a child process on an ephemeral loopback port. */
export async function startEmbeddedServer(opts: Partial<ServerOptions> & { tls?: boolean }): Promise<EmbeddedServer> {
  const args = ['serve', '--host', '127.0.0.1', '--port', '0'];
  for (const [key, flag] of Object.entries(FLAGS)) {
    const value = opts[key as keyof typeof FLAGS];
    if (value !== undefined) args.push(flag, String(value));
  }
  if (opts.stamp) args.push('--stamp');
  if (opts.prefixCache) args.push('--prefix-cache');
  if (opts.faults !== undefined && Object.keys(opts.faults).length > 0) args.push('--fault', formatFaults(opts.faults));
  // The certificate passes through a private file that is gone before anything is measured.
  const certDir = opts.tls ? mkdtempSync(path.join(os.tmpdir(), 'wirebench-ca-')) : undefined;
  if (certDir !== undefined) args.push('--tls', '--cert-out', path.join(certDir, 'ca.pem'));
  try {
    const child = await startCliChild(args, 'embedded server');
    const ca = certDir !== undefined ? readFileSync(path.join(certDir, 'ca.pem'), 'utf8') : undefined;
    return { url: child.address, ...(ca !== undefined ? { ca } : {}), close: () => child.close() };
  } finally {
    if (certDir !== undefined) rmSync(certDir, { recursive: true, force: true });
  }
}
