import { type Result, scenarioName } from '../result/result.js';
import { describeThreshold } from '../result/thresholds.js';
import { CHANGE_NOTE } from './format.js';
import { colourOf, distributionCharts, sweepCharts } from './report-charts.js';
import {
  changeRows,
  claimsRows,
  clientLine,
  groups,
  percentileRows,
  resultsRows,
  tableNotes,
  thresholdsHeading,
} from './report-tables.js';
import type { VariantSeries } from './request-series.js';
import { esc } from './svg/escape.js';
import { CHART_CSS } from './svg/frame.js';
import type { IntervalMetrics } from './time-charts.js';
import { timeCharts, waterfallCharts } from './time-charts.js';
import { workloadCharts } from './workload-charts.js';
import { describeWorkload } from './workload-text.js';

const PAGE_CSS = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1200px; padding: 0 24px 48px; color: #1f2328; }
h1 { font-size: 22px; margin: 24px 0 4px; } h2 { font-size: 18px; margin: 32px 0 8px; border-bottom: 1px solid #d0d7de; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 20px 0 6px; }
.meta { color: #57606a; } .warn { background: #fff8c5; border: 1px solid #d4a72c; padding: 6px 10px; border-radius: 6px; margin: 4px 0; }
nav a { margin-right: 14px; }
table { border-collapse: collapse; margin: 6px 0 14px; font-variant-numeric: tabular-nums; display: block; max-width: 100%; overflow-x: auto; }
th, td { border: 1px solid #d0d7de; padding: 3px 8px; text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; } th { background: #f6f8fa; }
.ok { color: #1a7f37; } .fail { color: #cf222e; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 16px; } .charts.wide { grid-template-columns: 1fr; }
pre { background: #f6f8fa; padding: 10px; overflow: auto; }
`;

/** A table and, when it has marked figures, the note on them. */
function table(rows: readonly (readonly string[])[] | undefined): string {
  if (rows === undefined || rows.length === 0) return '';
  const [head, ...body] = rows;
  const tr = (r: readonly string[], tag: 'th' | 'td') =>
    `<tr>${r.map((c) => `<${tag}>${esc(c)}</${tag}>`).join('')}</tr>`;
  const note = tableNotes(rows)
    .map((n) => `<p class="meta">${esc(n)}</p>`)
    .join('');
  return `<table><thead>${tr(head, 'th')}</thead><tbody>${body.map((r) => tr(r, 'td')).join('')}</tbody></table>${note}`;
}

/** `wide`: one chart per row (waterfalls need the width for their ticks). */
const charts = (list: readonly string[], wide = false): string =>
  list.length === 0 ? '' : `<div class="charts${wide ? ' wide' : ''}">${list.join('\n')}</div>`;

function summary(result: Result): string {
  const all = groups(result);
  const parts = [table(resultsRows(all))];
  for (const g of all) {
    const at = g.label === undefined ? '' : ` at ${g.label}`;
    const change = changeRows(g);
    if (change !== undefined) {
      parts.push(`<h3>${esc(`Change of medians${at}`)}</h3>`, table(change));
      if (g.comparisons.some((c) => c.significant !== undefined)) parts.push(`<p>${esc(CHANGE_NOTE)}</p>`);
    }
    const claims = claimsRows(g);
    if (claims !== undefined) parts.push(`<h3>${esc(`Claims${at}`)}</h3>`, table(claims));
  }
  const t = result.thresholds ?? [];
  if (t.length > 0) {
    parts.push(
      `<h3>${esc(thresholdsHeading(t))}</h3><ul>`,
      ...t.map(
        (x) =>
          `<li class="${x.ok ? 'ok' : 'fail'}">${x.ok ? '✓' : '✗'} ${esc(describeThreshold(x, result.steps))}</li>`,
      ),
      '</ul>',
    );
  }
  return parts.join('\n');
}

function environment(result: Result): string {
  const e = result.env;
  const rows = [
    ['', ''],
    ['target', result.target],
    ['started', e.started_at],
    ['ended', e.ended_at],
    ['wirebench', e.wirebench],
    ['node', e.node],
    ['os / arch', `${e.os} ${e.arch}`],
    ['cpu', `${e.cpu.count} × ${e.cpu.model}`],
    ['host', e.hostname],
  ];
  if (result.shard !== undefined) rows.push(['shard', `${result.shard.index}/${result.shard.count}`]);
  if (result.merged_from !== undefined) rows.push(['merged from', `${result.merged_from} shards`]);
  if (result.client !== undefined) rows.push(['client', clientLine(result.client)]);
  if (result.overrides !== undefined) rows.push(['overrides', JSON.stringify(result.overrides)]);
  return (
    table(rows) +
    `<details><summary>scenario (as run, secrets redacted)</summary><pre>${esc(JSON.stringify(result.scenario, null, 2))}</pre></details>`
  );
}

/** What the page draws beyond result.json, keyed `[step<k>.]<variant>`; either may be empty. */
export interface ReportData {
  series: ReadonlyMap<string, VariantSeries>;
  intervals: ReadonlyMap<string, IntervalMetrics>;
}

/**
 * The run as one self-contained HTML page: inline CSS and SVG, no script, and a content-security policy
 * that forbids loading anything, so the file opens offline and shows the same thing anywhere.
 * Without `data` (or parts of it) the over-time charts, waterfalls and length scatter plots are left out.
 */
export function renderHtml(result: Result, data: ReportData = { series: new Map(), intervals: new Map() }): string {
  const name = scenarioName(result, 'run');
  const colour = colourOf(result);
  const { percentiles, cdfs } = distributionCharts(result, colour);
  // [id, title, body]: a section with an empty body is left out, of the page and of its navigation.
  const sections = (
    [
      ['summary', 'Summary', summary(result)],
      ['workload', 'Workload', charts(workloadCharts(result, data.series, colour))],
      ['sweep', 'Sweep', charts(sweepCharts(result, colour))],
      ['percentiles', 'Percentile distributions', charts(percentiles)],
      ['cdf', 'Cumulative distributions', charts(cdfs)],
      ['over-time', 'Over time', charts(timeCharts(result, data, colour))],
      ['waterfall', 'Token arrivals', charts(waterfallCharts(result, data.series), true)],
      ['all-percentiles', 'Every metric, every percentile', table(percentileRows(groups(result)))],
      ['environment', 'Environment', environment(result)],
    ] as const
  ).filter(([, , body]) => body !== '');
  const nav = sections.map(([id, title]) => `<a href="#${id}">${esc(title)}</a>`);
  const warnings = result.warnings.map((w) => `<p class="warn">⚠ ${esc(w)}</p>`).join('');
  const e = result.env;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>wirebench · ${esc(name)}</title>
<style>${PAGE_CSS}${CHART_CSS}</style>
</head>
<body>
<header>
<h1>wirebench · ${esc(name)}</h1>
<p class="meta">${esc(result.target)} · ${esc(e.started_at)} · wirebench ${esc(e.wirebench)}${result.complete ? '' : ' · <strong>incomplete run</strong>: stopped early, the numbers cover only what had finished'}</p>
${result.workload === undefined ? '' : `<p class="meta">workload: ${esc(describeWorkload(result.workload))}</p>`}
${warnings}
<nav>${nav.join('')}</nav>
</header>
${sections.map(([id, title, body]) => `<section id="${id}"><h2>${esc(title)}</h2>${body}</section>`).join('\n')}
</body>
</html>
`;
}
