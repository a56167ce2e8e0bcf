import { describe, expect, it } from 'vitest';

import { parseHistograms } from '../../src/scrape/prom-text.js';

/** A page shaped like vLLM's: HELP/TYPE lines, two models, an unrelated counter and a gauge. */
const PAGE = `# HELP vllm:time_to_first_token_seconds Histogram of time to first token in seconds.
# TYPE vllm:time_to_first_token_seconds histogram
vllm:time_to_first_token_seconds_bucket{engine="0",le="0.05",model_name="a"} 1.0
vllm:time_to_first_token_seconds_bucket{engine="0",le="0.1",model_name="a"} 3.0
vllm:time_to_first_token_seconds_bucket{engine="0",le="+Inf",model_name="a"} 4.0
vllm:time_to_first_token_seconds_count{engine="0",model_name="a"} 4.0
vllm:time_to_first_token_seconds_sum{engine="0",model_name="a"} 0.5
vllm:time_to_first_token_seconds_bucket{engine="0",le="0.05",model_name="b \\"quoted\\", with {braces}"} 0.0
vllm:time_to_first_token_seconds_bucket{engine="0",le="0.1",model_name="b \\"quoted\\", with {braces}"} 2.0
vllm:time_to_first_token_seconds_bucket{engine="0",le="+Inf",model_name="b \\"quoted\\", with {braces}"} 2.0
vllm:time_to_first_token_seconds_count{engine="0",model_name="b \\"quoted\\", with {braces}"} 2.0
vllm:time_to_first_token_seconds_sum{engine="0",model_name="b \\"quoted\\", with {braces}"} 0.18
vllm:time_to_first_token_seconds_created{engine="0",model_name="a"} 1.7e9
# TYPE vllm:num_requests_running gauge
vllm:num_requests_running{engine="0",model_name="a"} 7.0
vllm:request_success_total{finished_reason="stop"} 12 1700000000000
`;

const TTFT = 'vllm:time_to_first_token_seconds';

describe('parseHistograms', () => {
  it('sums a histogram over its label sets, bound by bound', () => {
    const h = parseHistograms(PAGE, new Set([TTFT])).get(TTFT);
    expect(h).toEqual({
      bounds: [0.05, 0.1, Infinity],
      cumulative: [1, 5, 6],
      sum: expect.closeTo(0.68, 12),
      count: 6,
    });
  });

  it('keeps only the label sets that carry every label asked for, escapes read', () => {
    expect(parseHistograms(PAGE, new Set([TTFT]), { model_name: 'a' }).get(TTFT)?.count).toBe(4);
    const b = parseHistograms(PAGE, new Set([TTFT]), { model_name: 'b "quoted", with {braces}' }).get(TTFT);
    expect(b).toEqual({ bounds: [0.05, 0.1, Infinity], cumulative: [0, 2, 2], sum: 0.18, count: 2 });
    expect(parseHistograms(PAGE, new Set([TTFT]), { model_name: 'c' }).has(TTFT)).toBe(false);
  });

  it('builds nothing it was not asked for, and skips lines that are not samples', () => {
    const page = `${PAGE}garbage line\nvllm:e2e_request_latency_seconds_bucket{le="1"} x\n{le="1"} 3\n`;
    expect([...parseHistograms(page, new Set([TTFT, 'vllm:e2e_request_latency_seconds'])).keys()]).toEqual([TTFT]);
  });

  it('leaves out a bound that not every label set has, and a histogram without +Inf', () => {
    const page = `h_bucket{a="1",le="1"} 1\nh_bucket{a="1",le="2"} 2\nh_bucket{a="1",le="+Inf"} 2\nh_count{a="1"} 2\nh_sum{a="1"} 3
h_bucket{a="2",le="2"} 1\nh_bucket{a="2",le="+Inf"} 1\nh_count{a="2"} 1\nh_sum{a="2"} 1.5
g_bucket{le="1"} 1\ng_count 1\ng_sum 0.5\n`;
    const got = parseHistograms(page, new Set(['h', 'g']));
    expect(got.get('h')).toEqual({ bounds: [2, Infinity], cumulative: [3, 3], sum: 4.5, count: 3 });
    expect(got.has('g')).toBe(false);
  });
});
