import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { RequestLine } from '../../src/result/requests/line.js';
import type { Result, VariantResult } from '../../src/result/result.js';
import { assertBuilt, runScenarioText } from '../cli/helpers.js';

/**
 * Transport differences only show once the network has latency: with a 40 ms RTT emulated between the
 * client and the embedded TLS server, a fresh connection pays a TLS handshake of one RTT and TTFT at
 * least one RTT above a persistent WebSocket; on bare loopback the two are within a few ms.
 */
const dir = mkdtempSync(path.join(os.tmpdir(), 'wirebench-network-'));
beforeAll(assertBuilt);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const RTT = 40;

async function run(
  name: string,
  network: string,
  concurrency = 4,
): Promise<{ byName: Map<string, VariantResult>; lines: RequestLine[] }> {
  const yaml = `name: ${name}
target: embedded
server: { ttft_ms: 20, tps: 5000, output_tokens: 5, tls: true }
request: { prompt_tokens: 8, max_output_tokens: 5 }
variants:
  - { name: fresh, protocol: openai-responses, connection: http-fresh, tls: { resume: false } }
  - { name: ws, protocol: openai-responses, connection: ws-persistent }
  - { name: h2, protocol: openai-responses, connection: http2 }
load: { kind: closed, concurrency: ${concurrency}, requests: 12, warmup: ${concurrency} }
${network}
`;
  const { result, lines } = await runScenarioText<RequestLine>(dir, name, yaml, 60_000);
  const r = result as Result;
  for (const v of r.variants) expect(v.counts, v.name).toMatchObject({ requests: 12, ok: 12 });
  return { byName: new Map(r.variants.map((v) => [v.name, v])), lines };
}

const p50 = (v: VariantResult | undefined, m: 'ttft_ms' | 'tls_ms'): number => v!.metrics[m]!.p50;

describe('network emulation', { retry: 2 }, () => {
  it(`with rtt ${RTT} ms a fresh TLS connection pays ≥ 1 RTT of handshake and of TTFT over a kept WebSocket`, async () => {
    const { byName } = await run('rtt', `network: { rtt_ms: ${RTT} }`);
    const fresh = byName.get('fresh')!;
    expect(fresh.metrics.tls_ms!.min).toBeGreaterThanOrEqual(RTT);
    expect(p50(fresh, 'ttft_ms') - p50(byName.get('ws'), 'ttft_ms')).toBeGreaterThanOrEqual(RTT);
    // A kept connection pays the RTT once per exchange: TTFT ≈ RTT + server TTFT (20 ms).
    expect(p50(byName.get('ws'), 'ttft_ms')).toBeGreaterThanOrEqual(RTT + 20);
    expect(p50(byName.get('ws'), 'ttft_ms')).toBeLessThan(RTT + 20 + 15);
  });

  it('without emulation the same variants are within a few ms, all of it the fresh connection’s own set-up', async () => {
    // One user: concurrent full handshakes would measure this 2-core machine's CPU, not the transport.
    const { byName, lines } = await run('loopback', '', 1);
    const median = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const fresh = lines.filter((l) => l.variant === 'fresh' && !l.warmup);
    // What a fresh request spends after its TCP and TLS set-up is what a kept WebSocket spends in all.
    const afterSetUp = median(fresh.map((l) => l.phases.firstDelta - l.phases.tlsEnd));
    expect(Math.abs(afterSetUp - p50(byName.get('ws'), 'ttft_ms'))).toBeLessThan(5);
    // And the set-up itself is loopback-cheap: a few ms, not the 40 ms one emulated RTT adds.
    expect(median(fresh.map((l) => l.phases.tlsEnd))).toBeLessThan(RTT / 4);
  });

  it('http2 multiplexes the users of a variant over one connection', async () => {
    const { lines } = await run('h2', '');
    const h2 = lines.filter((l) => l.variant === 'h2');
    expect(h2).toHaveLength(16);
    // Exactly one request (of 4 users × 4 requests) opened a connection; all negotiated h2.
    expect(h2.filter((l) => l.phases.connStart !== undefined)).toHaveLength(1);
    expect(new Set(h2.map((l) => l.tls?.alpn))).toEqual(new Set(['h2']));
    expect(h2[0].tls?.version).toBe('TLSv1.3');
  });
});
