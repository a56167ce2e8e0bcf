import { writeFileSync } from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { MetricSet } from '../../src/metrics/metric-set.js';
import { renderHtml } from '../../src/report/html.js';
import { readRequestSeries, type VariantSeries } from '../../src/report/request-series.js';
import type { VariantResult } from '../../src/result/result.js';
import { tempDir } from '../cli/helpers.js';
import { result, variant } from './fixtures.js';

/** Requests of one variant, as the run recorded them: in its histograms and in requests.jsonl. */
interface Sent {
  input: number;
  output: number;
  asked: number;
}

function variantOf(name: string, sent: readonly Sent[]): VariantResult {
  const set = new MetricSet();
  for (const r of sent) {
    set.record('input_tokens', r.input);
    set.record('output_tokens', r.output);
  }
  const short = sent.filter((r) => r.output < r.asked);
  const sum = (xs: readonly Sent[], k: keyof Sent) => xs.reduce((a, r) => a + r[k], 0);
  return {
    ...variant(name, { ttft_ms: 20, e2e_ms: 50 }, set),
    output_lengths: {
      requests: sent.length,
      short: short.length,
      requested_tokens: sum(sent, 'asked'),
      received_tokens: sum(sent, 'output'),
    },
  };
}

async function seriesOf(variants: Record<string, readonly Sent[]>): Promise<Map<string, VariantSeries>> {
  const { dir, cleanup } = tempDir();
  try {
    const file = path.join(dir, 'requests.jsonl');
    const lines = Object.entries(variants).flatMap(([name, sent]) =>
      sent.map((r, i) =>
        JSON.stringify({
          variant: name,
          i,
          warmup: false,
          ok: true,
          intended_ms: i * 100,
          start_ms: i * 100,
          deltas: r.output,
          phases: { firstDelta: 10 + r.input / 100, lastDelta: 20 + r.output, doneAt: 20 + r.output },
          input_tokens: r.input,
          output_tokens: r.output,
          max_output_tokens: r.asked,
        }),
      ),
    );
    writeFileSync(file, lines.join('\n'));
    return await readRequestSeries(file);
  } finally {
    cleanup();
  }
}

/** The figure with this id, whole. */
const figure = (html: string, id: string): string | undefined =>
  new RegExp(`<figure class="chart" id="${id}".*?</figure>`, 's').exec(html)?.[0];

const VARYING: Sent[] = [
  { input: 100, output: 50, asked: 50 },
  { input: 1000, output: 200, asked: 300 },
  { input: 5000, output: 400, asked: 600 },
];
const CONSTANT: Sent[] = Array.from({ length: 3 }, () => ({ input: 512, output: 50, asked: 50 }));

describe('the report’s Workload section', () => {
  it('draws latency against length and the lengths sent, when they vary', async () => {
    const sent = { http: VARYING, ws: VARYING };
    const html = renderHtml(result([variantOf('http', VARYING), variantOf('ws', VARYING)]), {
      series: await seriesOf(sent),
      intervals: new Map(),
    });
    expect(html).toContain('<a href="#workload">Workload</a>');
    const ttft = figure(html, 'ttft-by-input-')!;
    // One colour per variant, every request drawn, and a log axis over 1.7 decades of input.
    expect(ttft.match(/class="series"/g)).toHaveLength(2);
    expect(ttft).toContain('data-points="6"');
    expect(ttft).toContain('all 6 requests');
    expect(ttft).toContain('>500</text>');
    expect(figure(html, 'e2e-by-output-')).toContain('data-points="6"');
    for (const name of ['http', 'ws']) {
      expect(figure(html, `length-input-${name}`)).toContain('3 requests;');
      const output = figure(html, `length-output-${name}`)!;
      // What arrived as bars, what was asked for outlined beside it, and how many ended early.
      expect(output).toContain(`data-series="${name}: output tokens received"`);
      expect(output).toMatch(/<path class="series" data-series="max_output_tokens asked for"[^>]*stroke-dasharray/);
      expect(output).toContain(
        '2 of 3 requests (67%) ended before max_output_tokens, 68% of the tokens asked for arrived',
      );
    }
    // Lengths are drawn here, not among the latency distributions.
    expect(html).toContain('id="pct-ttft_ms"');
    expect(html).not.toContain('id="pct-input_tokens"');
    expect(html).not.toContain('id="pct-output_tokens"');
  });

  it('leaves out the scatter plots when every request had the same lengths, and says the length', async () => {
    const html = renderHtml(result([variantOf('http', CONSTANT)]), {
      series: await seriesOf({ http: CONSTANT }),
      intervals: new Map(),
    });
    expect(figure(html, 'ttft-by-input-')).toBeUndefined();
    expect(figure(html, 'e2e-by-output-')).toBeUndefined();
    const input = figure(html, 'length-input-http')!;
    expect(input).toContain('data-points="1"');
    expect(input).toContain('all 3 requests: 512 tokens;');
    expect(figure(html, 'length-output-http')).toContain(
      'all 3 requests counted received the max_output_tokens they asked for',
    );
  });

  it('draws the length histograms from result.json alone (a merge has no requests.jsonl)', () => {
    const html = renderHtml(result([variantOf('http', VARYING)]));
    expect(figure(html, 'ttft-by-input-')).toBeUndefined();
    expect(figure(html, 'length-input-http')).toContain('data-points="3"');
    const output = figure(html, 'length-output-http')!;
    expect(output).not.toContain('asked for"');
    expect(output).toContain('2 of 3 requests (67%) ended before max_output_tokens');
  });
});
