import { describe, expect, it } from 'vitest';

import { now } from '../../src/core/clock.js';
import type { Slo } from '../../src/metrics/request-metrics.js';
import { Timeline } from '../../src/metrics/timeline.js';
import { VariantRecorder } from '../../src/metrics/variant-recorder.js';
import { variantResult } from '../../src/run/variant-result.js';

const MS = 1e6;
const META = { name: 'v', protocol: 'openai-responses', connection: 'http-keepalive' };

/** A successful request: first delta at `ttft` ms, then one delta after each of `gaps` (ms), done 1 ms later. */
function request(start: number, ttft: number, gaps: number[]): Timeline {
  const tl = new Timeline(start, start);
  tl.ack(start + MS);
  let t = start + ttft * MS;
  tl.delta(t, 'text', ' a', undefined);
  for (const gap of gaps) {
    t += gap * MS;
    tl.delta(t, 'text', ' b', undefined);
  }
  tl.usage(3, gaps.length + 1, undefined);
  tl.done(t + MS, 'r');
  return tl;
}

function goodput(slo: Slo | undefined, requests: Array<(start: number) => Timeline>) {
  const rec = new VariantRecorder('v', 0, undefined, () => {}, undefined, slo);
  const t0 = now();
  requests.forEach((make, i) => {
    const start = t0 + i * 100 * MS;
    rec.commit(make(start), i, false, start);
  });
  return variantResult(META, rec).goodput;
}

describe('goodput', () => {
  const failed = (start: number): Timeline => {
    const tl = new Timeline(start, start);
    tl.error(start + MS, 'reset', 'ECONNRESET', 'gone');
    return tl;
  };

  it('counts successful requests within every limit; failures count in the share, never as good', () => {
    const g = goodput({ ttft_ms: 10, itl_ms: 5 }, [
      (s) => request(s, 5, [2, 3]),
      (s) => request(s, 20, [2, 3]), // TTFT over
      (s) => request(s, 5, [2, 8]), // its largest gap is over
      failed,
    ]);
    expect(g).toMatchObject({ good: 1, requests: 4, share: 0.25 });
    expect(g!.rate_per_s).toBeGreaterThan(0);
  });

  it('a one-token answer has no gap to exceed; a missing TTFT cannot meet its limit', () => {
    expect(goodput({ tpot_ms: 1, itl_ms: 1 }, [(s) => request(s, 5, [])])).toMatchObject({ good: 1, share: 1 });
    const empty = (s: number): Timeline => {
      const tl = new Timeline(s, s);
      tl.ack(s + MS);
      tl.done(s + 2 * MS, 'r');
      return tl;
    };
    expect(goodput({ ttft_ms: 100 }, [empty])).toMatchObject({ good: 0, share: 0 });
  });

  it('tpot and e2e are the values the histograms record', () => {
    // 3 tokens over 2 gaps of 4 ms: tpot 4 ms; e2e 5 + 8 + 1 = 14 ms.
    const make = (s: number): Timeline => request(s, 5, [4, 4]);
    expect(goodput({ tpot_ms: 4, e2e_ms: 14 }, [make])).toMatchObject({ good: 1 });
    expect(goodput({ tpot_ms: 3.9 }, [make])).toMatchObject({ good: 0 });
    expect(goodput({ e2e_ms: 13.9 }, [make])).toMatchObject({ good: 0 });
    expect(goodput({ overhead_ms: 0.5 }, [make])).toMatchObject({ good: 0 });
  });

  it('is absent without an slo', () => {
    expect(goodput(undefined, [(s) => request(s, 5, [1])])).toBeUndefined();
  });
});
