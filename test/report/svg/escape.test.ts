import { describe, expect, it } from 'vitest';

import { esc, safeId } from '../../../src/report/svg/escape.js';
import { lineChart } from '../../../src/report/svg/line-chart.js';
import { waterfall } from '../../../src/report/svg/waterfall.js';

const EVIL = `<script>alert("x")</script> & 'quoted' "too"`;

/** Every `<` in the output opens a tag we wrote; no raw user markup or unbalanced quote slips through. */
function expectNoRawUserText(html: string): void {
  expect(html).not.toContain('<script');
  expect(html).not.toContain('"x"');
  expect(html).not.toContain("'quoted'");
  expect(html).not.toMatch(/&(?!amp;|lt;|gt;|quot;|#39;)/);
  expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quoted&#39; &quot;too&quot;');
}

describe('esc', () => {
  it('escapes the five XML specials', () => {
    expect(esc(`a<b>&"c"'d'`)).toBe('a&lt;b&gt;&amp;&quot;c&quot;&#39;d&#39;');
  });

  it('drops characters XML cannot carry and keeps the rest', () => {
    expect(esc('a\u0000b\u001Fc\td\ne\uD800f')).toBe('abc\td\nef');
    expect(esc('p99 ≤ 5 ms 🚀')).toBe('p99 ≤ 5 ms 🚀');
  });

  it('reduces ids to a safe alphabet', () => {
    expect(safeId('ttft <by> "variant"')).toBe('ttft-by-variant-');
    expect(safeId('"><')).toBe('chart');
    expect(safeId('ok_id-1')).toBe('ok_id-1');
  });
});

describe('user text in charts', () => {
  it('is escaped in a line chart: title, axis labels, categories, series names, colours, note', () => {
    const html = lineChart({
      id: EVIL,
      title: EVIL,
      x: { label: EVIL, scale: 'category', categories: [EVIL, 'b'] },
      y: { label: EVIL },
      series: [
        {
          name: EVIL,
          color: `red" onload="alert(1)`,
          points: [
            [0, 1],
            [1, 2],
          ],
        },
        { name: EVIL, color: '#000', points: [[0, 3]], style: 'points' },
      ],
      note: EVIL,
    });
    expectNoRawUserText(html);
    expect(html).not.toContain('" onload="');
    expect(html).toMatch(/<figure class="chart" id="[A-Za-z0-9_-]+"/);
  });

  it('is escaped in the empty line chart', () => {
    const html = lineChart({
      id: 'e',
      title: EVIL,
      x: { label: EVIL, scale: 'linear' },
      y: { label: EVIL },
      series: [],
    });
    expectNoRawUserText(html);
  });

  it('is escaped in a waterfall: row labels, segment names, errors', () => {
    const html = waterfall({
      id: 'w',
      title: EVIL,
      xLabel: EVIL,
      rows: [{ label: EVIL, segments: [{ name: EVIL, from: 0, to: 2, color: '#000' }], ticks: [3], error: EVIL }],
      note: EVIL,
    });
    expectNoRawUserText(html);
  });
});
