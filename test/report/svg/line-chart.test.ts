import { describe, expect, it } from 'vitest';

import { type ChartSpec, lineChart, type Series } from '../../../src/report/svg/line-chart.js';
import { seriesColor } from '../../../src/report/svg/palette.js';

const dataPoints = (html: string): number => Number(/data-points="(\d+)"/.exec(html)?.[1]);
const viewBox = (html: string): number[] => /viewBox="([^"]+)"/.exec(html)![1].split(' ').map(Number);

/** The pairs of every polyline's `points`, parsed back. */
function polylines(html: string): Array<Array<[number, number]>> {
  return [...html.matchAll(/<polyline [^>]*points="([^"]*)"/g)].map((m) =>
    m[1].split(' ').map((pair) => pair.split(',').map(Number) as [number, number]),
  );
}

/** The plot frame from the axis lines: the y axis runs down its left edge, the x axis along its bottom. */
function plotArea(html: string): { left: number; right: number; top: number; bottom: number } {
  const [, left, right] = /<g class="x-axis">.*?<path d="M(\d+) \d+H(\d+)"/.exec(html)!.map(Number);
  const [, top, bottom] = /<g class="y-axis">.*?<path d="M\d+ (\d+)V(\d+)"/.exec(html)!.map(Number);
  return { left, right, top, bottom };
}

const spec = (series: Series[], over: Partial<ChartSpec> = {}): ChartSpec => ({
  id: 'ttft',
  title: 'TTFT by percentile',
  x: { label: 'percentile', scale: 'percentile' },
  y: { label: 'ms' },
  series,
  ...over,
});

describe('lineChart', () => {
  it('wraps the chart in a figure with caption, accessible svg, one element per series and a legend', () => {
    const html = lineChart(
      spec([
        {
          name: 'p50',
          color: seriesColor(0),
          points: [
            [0, 1],
            [90, 2],
            [99, 3],
          ],
        },
        {
          name: 'p99',
          color: seriesColor(0),
          points: [
            [0, 2],
            [90, 4],
            [99, 9],
          ],
          dash: true,
        },
      ]),
    );
    expect(html).toMatch(
      /^<figure class="chart" id="ttft" data-points="6"><figcaption>TTFT by percentile<\/figcaption><svg /,
    );
    expect(html).toMatch(/<svg [^>]*viewBox="0 0 420 300"[^>]*role="img"[^>]*aria-label="TTFT by percentile"/);
    expect(html.match(/class="series"/g)).toHaveLength(2);
    expect(html).toContain('data-series="p99"');
    expect(html).toMatch(/<polyline [^>]*data-series="p99"[^>]*stroke-dasharray/);
    expect(html.match(/<li>/g)).toHaveLength(2);
    expect(html).toMatch(/<li><svg [^>]*><path [^>]*stroke-dasharray[^>]*\/><\/svg>p99<\/li>/);
    for (const label of ['0%', '90%', '99%']) expect(html).toContain(`>${label}</text>`);
    expect(html.endsWith('</figure>')).toBe(true);
  });

  it('counts only the points it can plot', () => {
    const html = lineChart(
      spec(
        [
          {
            name: 'a',
            color: seriesColor(1),
            points: [
              [1, 1],
              [Number.NaN, 2],
              [3, Number.POSITIVE_INFINITY],
              [10, 0],
              [100, 5],
              [-2, 3],
            ],
          },
        ],
        { x: { label: 'x', scale: 'log' }, y: { label: 'y', scale: 'log' } },
      ),
    );
    // Left: [1, 1] and [100, 5]; NaN/∞ are not finite, 0 and −2 have no place on a log axis.
    expect(dataPoints(html)).toBe(2);
  });

  it('says "no data" when nothing can be plotted', () => {
    for (const series of [[], [{ name: 'a', color: '#000', points: [[Number.NaN, 1]] as [number, number][] }]]) {
      const html = lineChart(spec(series));
      expect(dataPoints(html)).toBe(0);
      expect(html).toContain('>no data</text>');
      expect(html).not.toContain('class="series"');
    }
  });

  it('keeps every polyline vertex inside the plot area', () => {
    const points = Array.from({ length: 200 }, (_, i) => [i * 7.3 - 400, Math.sin(i / 9) * 1e4 + 2e4] as const);
    for (const x of ['linear', 'category'] as const) {
      const series =
        x === 'category'
          ? [
              {
                name: 'c',
                color: '#000',
                points: [
                  [0, 3],
                  [1, 90],
                  [2, 42],
                ] as const,
              },
            ]
          : [];
      const html = lineChart(
        spec([{ name: 's', color: seriesColor(2), points }, ...series], {
          x: { label: 'x', scale: x },
          width: 600,
          height: 300,
        }),
      );
      const area = plotArea(html);
      const [, , w, h] = viewBox(html);
      expect(area.left).toBeGreaterThan(0);
      expect(area.right).toBeLessThan(w);
      expect(area.bottom).toBeLessThan(h);
      const lines = polylines(html);
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) {
        for (const [px, py] of line) {
          expect(px).toBeGreaterThanOrEqual(area.left);
          expect(px).toBeLessThanOrEqual(area.right);
          expect(py).toBeGreaterThanOrEqual(area.top);
          expect(py).toBeLessThanOrEqual(area.bottom);
        }
      }
    }
  });

  it('draws increasing x left to right and larger y higher up', () => {
    const html = lineChart(
      spec([
        {
          name: 's',
          color: '#000',
          points: [
            [0, 1],
            [90, 5],
            [99.9, 20],
          ],
        },
      ]),
    );
    const [line] = polylines(html);
    expect(line[0][0]).toBeLessThan(line[1][0]);
    expect(line[1][0]).toBeLessThan(line[2][0]);
    expect(line[0][1]).toBeGreaterThan(line[1][1]);
    expect(line[1][1]).toBeGreaterThan(line[2][1]);
    // 0 → 90 and 90 → 99.9 are one and two nines: the second gap is twice the first.
    expect(line[2][0] - line[1][0]).toBeCloseTo(2 * (line[1][0] - line[0][0]), 0);
  });

  it('keeps a scatter of 5000 points under 300 KB', () => {
    let seed = 7;
    const rand = (): number => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const points = Array.from({ length: 5000 }, () => [rand() * 3600, 150 + rand() * 40] as const);
    const html = lineChart(
      spec([{ name: 'requests', color: seriesColor(0), points, style: 'points' }], {
        x: { label: 'time s', scale: 'linear' },
      }),
    );
    expect(dataPoints(html)).toBe(5000);
    expect(html.match(/h0/g)).toHaveLength(5000);
    expect(Buffer.byteLength(html)).toBeLessThan(300_000);
  });
});

describe('lineChart axes and marks', () => {
  /** The y tick labels, bottom to top. */
  const yTicks = (html: string): string[] =>
    [.../<g class="y-axis">.*?<\/g><\/g>/.exec(html)![0].matchAll(/text-anchor="end">([^<]*)</g)].map((m) => m[1]);
  const latency: Series = {
    name: 'ttft',
    color: '#000',
    points: [
      [0, 152.8],
      [90, 153.3],
      [99, 181.2],
    ],
  };

  it('starts a latency axis at a nice value near the data, and a count axis at 0 when asked', () => {
    const ticks = yTicks(lineChart(spec([latency])));
    expect(Number(ticks[0])).toBeGreaterThan(100);
    expect(Number(ticks[0])).toBeLessThanOrEqual(152.8);
    expect(yTicks(lineChart(spec([latency], { y: { label: 'n', zero: true } })))[0]).toBe('0');
  });

  it('spans at least a tenth of the largest value, so that noise of 1% does not fill the plot', () => {
    const flat: Series = {
      name: 'gap',
      color: '#000',
      points: [
        [0, 0.501],
        [1, 0.509],
        [2, 0.505],
      ],
    };
    const ticks = yTicks(lineChart(spec([flat], { x: { label: 's', scale: 'linear' } }))).map(Number);
    expect(ticks[0]).toBeLessThanOrEqual(0.509 * 0.9);
    expect(ticks[0]).toBeGreaterThan(0);
  });

  it('marks every point of a line with markers, and says so in the legend', () => {
    const html = lineChart(spec([{ ...latency, markers: true }]));
    const marks = /<path class="markers" [^>]*d="([^"]*)"/.exec(html)![1];
    expect(marks.match(/h0/g)).toHaveLength(3);
    expect(html).toMatch(/<li><svg [^>]*><path [^>]*\/><circle [^>]*\/><\/svg>ttft<\/li>/);
    expect(lineChart(spec([latency]))).not.toContain('class="markers"');
  });

  it('draws zeros at the left end of a log axis with clampZero, labelled ≤ its value', () => {
    const cdf: Series = {
      name: 'itl',
      color: '#000',
      points: [
        [0, 0],
        [0, 0.2],
        [0.8, 0.5],
        [40, 1],
      ],
    };
    const dropped = lineChart(spec([cdf], { x: { label: 'ms', scale: 'log' } }));
    expect(dataPoints(dropped)).toBe(2);
    const html = lineChart(spec([cdf], { x: { label: 'ms', scale: 'log', clampZero: true } }));
    expect(dataPoints(html)).toBe(4);
    expect(html).toContain('>≤0.1</text>');
    const [line] = polylines(html);
    const { left } = plotArea(html);
    // The zero share rises at the axis' left end: 0 → 20% before the first positive value.
    expect(line[0][0]).toBe(left);
    expect(line[1][0]).toBe(left);
    expect(line[1][1]).toBeLessThan(line[0][1]);
    expect(line[2][0]).toBeGreaterThan(left);
  });
});

describe('seriesColor', () => {
  it('gives eight distinct Okabe–Ito colours, then cycles', () => {
    const colors = Array.from({ length: 8 }, (_, i) => seriesColor(i));
    expect(new Set(colors).size).toBe(8);
    expect(colors).toContain('#E69F00');
    expect(seriesColor(8)).toBe(seriesColor(0));
    expect(seriesColor(-1)).toBe(seriesColor(7));
  });
});
