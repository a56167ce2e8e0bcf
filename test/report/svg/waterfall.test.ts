import { describe, expect, it } from 'vitest';

import { legendItems, waterfall, type WaterfallRow } from '../../../src/report/svg/waterfall.js';

const dataPoints = (html: string): number => Number(/data-points="(\d+)"/.exec(html)?.[1]);

/** Each row's `<g>` markup, in order. */
const rowsOf = (html: string): string[] => [...html.matchAll(/<g class="row" [^>]*>.*?<\/g>/g)].map((m) => m[0]);

function row(label: string, start: number, n: number, error?: string): WaterfallRow {
  return {
    label,
    segments: [
      { name: 'connect', from: 0, to: start * 0.2, color: '#0072B2' },
      { name: 'waiting', from: start * 0.2, to: start, color: '#E69F00' },
      { name: 'streaming', from: start, to: start + n, color: '#009E73' },
    ],
    ticks: Array.from({ length: n }, (_, i) => start + i + 0.5),
    error,
  };
}

describe('waterfall', () => {
  const rows = [row('http-fresh #1', 150, 200), row('http-fresh #2', 170, 3000), row('ws #1', 20, 0, 'reset by peer')];
  const html = waterfall({ id: 'wf', title: 'Token arrivals', xLabel: 'ms since request start', rows });

  it('draws one row per request and counts segments and ticks', () => {
    expect(rowsOf(html)).toHaveLength(3);
    expect(html.match(/class="segment"/g)).toHaveLength(9);
    expect(dataPoints(html)).toBe(9 + 3200);
    const [, , height] = /viewBox="0 0 (\d+) (\d+)"/.exec(html)!.map(Number);
    expect(height).toBeGreaterThanOrEqual(3 * 22);
    // At the chart width no second, narrow drawing.
    expect(html.match(/<svg /g)!.length).toBe(1 + 4);
  });

  it('draws every tick as one short stroke in a single path per row', () => {
    const counts = rowsOf(html).map((r) => (/<path class="ticks" d="([^"]*)"/.exec(r)?.[1].match(/M/g) ?? []).length);
    expect(counts).toEqual([200, 3000, 0]);
  });

  it('orders segments along x as their times, with tooltips', () => {
    for (const r of rowsOf(html)) {
      const xs = [...r.matchAll(/<rect class="segment" [^>]*x="([\d.]+)"[^>]*width="([\d.]+)"/g)].map((m) => [
        Number(m[1]),
        Number(m[2]),
      ]);
      expect(xs).toHaveLength(3);
      for (let i = 1; i < xs.length; i++) expect(xs[i][0]).toBeGreaterThan(xs[i - 1][0]);
    }
    expect(html).toContain('<title>connect 0.00–30.00 ms</title>');
  });

  it('shows the error at the row end and a deduplicated legend', () => {
    expect(rowsOf(html)[2]).toMatch(/<text class="error"[^>]*>reset by peer</);
    const legend = [...html.matchAll(/<li><svg[^>]*>.*?<\/svg>([^<]*)<\/li>/g)].map((m) => m[1]);
    expect(legend).toEqual(['connect', 'waiting', 'streaming', 'token arrivals']);
  });

  it('orders the legend as the phases of a request, though no row has them all', () => {
    const seg = (name: string) => ({ name, from: 0, to: 1, color: '#000' });
    // A kept connection has no connect; only the failed request shows its failure.
    const names = legendItems(
      [
        [seg('until accepted'), seg('until first token'), seg('streaming')],
        [seg('connect'), seg('TLS'), seg('until accepted'), seg('until it failed')],
        [seg('connect'), seg('until accepted'), seg('until first token')],
      ],
      true,
    ).map((i) => i.name);
    expect(names).toEqual([
      'connect',
      'TLS',
      'until accepted',
      'until first token',
      'streaming',
      'until it failed',
      'token arrivals',
    ]);
  });

  it('draws a wide waterfall a second time at chart width for narrow pages, the request index kept', () => {
    const wide = waterfall({
      id: 'wf',
      title: 't',
      xLabel: 'ms',
      width: 1150,
      rows: [row('ws-per-request-with-a-long-name #19', 20, 10)],
    });
    expect(wide).toMatch(/<svg [^>]*class="wide-only" viewBox="0 0 1150 /);
    expect(wide).toMatch(/<svg [^>]*class="narrow-only" viewBox="0 0 420 /);
    const narrowLabel = /class="narrow-only".*?<g class="row"[^>]*><text [^>]*>([^<]*)</.exec(wide)![1];
    expect(narrowLabel).toBe('ws-per-requ… #19');
  });

  it('skips what cannot be placed and says "no data" when nothing is left', () => {
    const bad = waterfall({
      id: 'x',
      title: 't',
      xLabel: 'ms',
      rows: [{ label: 'a', segments: [{ name: 's', from: 5, to: 2, color: '#000' }], ticks: [Number.NaN, -1] }],
    });
    expect(dataPoints(bad)).toBe(0);
    expect(bad).toContain('>no data</text>');
    expect(dataPoints(waterfall({ id: 'x', title: 't', xLabel: 'ms', rows: [] }))).toBe(0);
  });
});
