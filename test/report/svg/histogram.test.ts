import { describe, expect, it } from 'vitest';

import { histogramChart, type HistogramSpec } from '../../../src/report/svg/histogram.js';
import { seriesColor } from '../../../src/report/svg/palette.js';

const dataPoints = (html: string): number => Number(/data-points="(\d+)"/.exec(html)?.[1]);

const bins = [
  { from: 9.5, to: 19.5, label: '10–19 tokens' },
  { from: 19.5, to: 29.5, label: '20–29 tokens' },
  { from: 29.5, to: 39.5, label: '30–39 tokens' },
];

const spec = (over: Partial<HistogramSpec> = {}): HistogramSpec => ({
  id: 'len',
  title: 'output tokens <received>',
  x: { label: 'output tokens', scale: 'linear' },
  y: { label: 'requests' },
  bins,
  series: [
    { name: 'received', color: seriesColor(0), counts: [4, 0, 2], style: 'bars' },
    { name: 'asked', color: '#444444', counts: [1, 3, 2], style: 'step', dash: true },
  ],
  ...over,
});

describe('histogramChart', () => {
  const html = histogramChart(spec());

  it('draws a bar per non-empty bin, its count in its tooltip, and an outline over the bins', () => {
    expect(html).toMatch(
      /^<figure class="chart" id="len" data-points="5"><figcaption>output tokens &lt;received&gt;<\/figcaption><svg /,
    );
    const bars = [...html.matchAll(/<rect [^>]*><title>([^<]*)<\/title><\/rect>/g)].map((m) => m[1]);
    expect(bars).toEqual(['received: 10–19 tokens: 4', 'received: 30–39 tokens: 2']);
    expect(html).toMatch(/<path class="series" data-series="asked" fill="none" stroke="#444444"[^>]*stroke-dasharray/);
    // Bars before the outline, so that the outline is drawn on top.
    expect(html.indexOf('data-series="received"')).toBeLessThan(html.indexOf('data-series="asked"'));
    expect(html.match(/<li>/g)).toHaveLength(2);
  });

  it('makes bar heights proportional to the counts, from a zero baseline', () => {
    const rects = [...html.matchAll(/<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"/g)].map((m) =>
      m.slice(1).map(Number),
    );
    const [[x0, y0, w0, h0], [x2, y2, w2, h2]] = rects;
    expect(h0 / h2).toBeCloseTo(2, 1);
    expect(y0 + h0).toBeCloseTo(y2 + h2, 5);
    expect(w0).toBeCloseTo(w2, 1);
    // The third bin starts two bin widths after the first.
    expect(x2 - x0).toBeCloseTo(2 * w0, 0);
  });

  it('says "no data" when every count is zero', () => {
    const empty = histogramChart(
      spec({ series: [{ name: 'received', color: seriesColor(0), counts: [0, 0, 0], style: 'bars' }] }),
    );
    expect(dataPoints(empty)).toBe(0);
    expect(empty).toContain('no data');
  });

  it('places bins on a log axis', () => {
    const log = histogramChart(
      spec({
        x: { label: 'input tokens', scale: 'log' },
        bins: [
          { from: 9.5, to: 99.5, label: '10–99 tokens' },
          { from: 99.5, to: 999.5, label: '100–999 tokens' },
        ],
        series: [{ name: 'sent', color: seriesColor(1), counts: [1, 1], style: 'bars' }],
      }),
    );
    const widths = [...log.matchAll(/<rect [^>]*width="([\d.]+)"/g)].map((m) => Number(m[1]));
    // A decade each (to the half token the bars are offset by): the same width.
    expect(widths[0] / widths[1]).toBeCloseTo(1, 1);
    expect(log).toContain('>1k</text>');
  });
});
