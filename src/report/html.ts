import { axisLabel, METRIC_INFO } from '../core/catalog.js';
import { type Result, scenarioName } from '../result/result.js';
import { describeThreshold } from '../result/thresholds.js';
import { CHANGE_NOTE } from './format.js';
import { capacityAlert, warningCount, warningList } from './html-warnings.js';
import { colourOf, distributionCharts, sweepCharts } from './report-charts.js';
import {
  changeRows,
  claimsRows,
  clientLine,
  groups,
  hasUnresolved,
  percentileRows,
  resultsRows,
  type TableLabels,
  thresholdsHeading,
  UNRESOLVED_NOTE,
} from './report-tables.js';
import type { VariantSeries } from './request-series.js';
import { esc } from './svg/escape.js';
import { CHART_CSS } from './svg/frame.js';
import type { IntervalMetrics } from './time-charts.js';
import { timeCharts, waterfallCharts } from './time-charts.js';
import { workloadCharts } from './workload-charts.js';
import { describeWorkload } from './workload-text.js';

/**
 * Narrow screens get one chart per row and tables that scroll inside their own box (the first column
 * stays put); the page itself never scrolls sideways. Chart cells are ≥ 400 px wide (CHART_CSS says why).
 */
const PAGE_CSS = `
body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1400px; padding: 0 24px 48px; color: #1f2328; }
@media (max-width: 700px) { body { padding: 0 10px 32px; } }
h1 { font-size: 22px; margin: 24px 0 4px; overflow-wrap: anywhere; }
h2 { font-size: 19px; margin: 32px 0 8px; border-bottom: 1px solid #d0d7de; padding-bottom: 4px; }
h3 { font-size: 16px; margin: 20px 0 6px; }
.meta { color: #57606a; overflow-wrap: anywhere; }
.alert { background: #ffebe9; border: 1px solid #cf222e; border-left-width: 5px; padding: 6px 12px; border-radius: 6px; margin: 10px 0; }
.alert p { margin: 4px 0; } .alert ul { margin: 4px 0; padding-left: 20px; }
ul.warn { background: #fff8c5; border: 1px solid #d4a72c; border-radius: 6px; margin: 6px 0; padding: 6px 12px 6px 28px; }
ul.warn li { margin: 3px 0; } .count { color: #57606a; white-space: nowrap; }
nav { display: flex; flex-wrap: wrap; gap: 4px 16px; margin: 8px 0; }
.table-wrap { max-width: 100%; overflow-x: auto; margin: 6px 0 14px; border-left: 1px solid #d0d7de; }
table { border-collapse: separate; border-spacing: 0; font-variant-numeric: tabular-nums; border-top: 1px solid #d0d7de; }
th, td { border: solid #d0d7de; border-width: 0 1px 1px 0; padding: 3px 8px; text-align: right; white-space: nowrap; background: #fff; }
th { background: #f6f8fa; white-space: normal; vertical-align: bottom; min-width: 3.5em; }
th:first-child, td:first-child { text-align: left; position: sticky; left: 0; z-index: 1; box-shadow: 1px 0 0 #d0d7de; }
table.text td { white-space: normal; overflow-wrap: anywhere; min-width: 8em; text-align: left; } table.wrap td { white-space: normal; min-width: 6em; }
@media (max-width: 700px) { th:first-child, td:first-child { white-space: normal; } }
.ok { color: #1a7f37; } .fail { color: #cf222e; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 400px), 1fr)); gap: 28px 24px; }
.charts.wide { grid-template-columns: minmax(0, 1fr); }
pre { background: #f6f8fa; padding: 10px; overflow: auto; }
`;

/** The HTML's table headers: every one with its unit, every metric by its catalog name. */
const LABELS: TableLabels = {
  column: (m, p) => `${METRIC_INFO[m].name} ${p} (${METRIC_INFO[m].unit})`,
  change: (m) => `${METRIC_INFO[m].name} Δ% (Δ\u00a0${METRIC_INFO[m].unit})`,
  metric: axisLabel,
  units: true,
};

/** A table in a box of its own that scrolls sideways, and, when it has marked figures, the note on them. */
function table(rows: readonly (readonly string[])[] | undefined, cls?: string): string {
  if (rows === undefined || rows.length === 0) return '';
  const [head, ...body] = rows;
  const tr = (r: readonly string[], tag: 'th' | 'td') =>
    `<tr>${r.map((c) => `<${tag}>${esc(c)}</${tag}>`).join('')}</tr>`;
  const note = hasUnresolved(rows) ? `<p class="meta">${esc(UNRESOLVED_NOTE)}</p>` : '';
  const attr = cls === undefined ? '' : ` class="${cls}"`;
  return `<div class="table-wrap"><table${attr}><thead>${tr(head, 'th')}</thead><tbody>${body.map((r) => tr(r, 'td')).join('')}</tbody></table></div>${note}`;
}

/** `wide`: one chart per row (waterfalls need the width for their ticks). */
const charts = (list: readonly string[], wide = false): string =>
  list.length === 0 ? '' : `<div class="charts${wide ? ' wide' : ''}">${list.join('\n')}</div>`;

/** `-53% (-13.35 ms) [-58%, -45%]` may wrap between its parts, never inside a bracket. */
const keepGroups = (cell: string): string => cell.replace(/ (?=[^([]*[)\]])/g, '\u00a0');

function summary(result: Result): string {
  const all = groups(result);
  const parts = [table(resultsRows(all, LABELS))];
  for (const g of all) {
    const at = g.label === undefined ? '' : ` at ${g.label}`;
    const change = changeRows(g, LABELS);
    if (change !== undefined) {
      parts.push(
        `<h3>${esc(`Change of medians${at}`)}</h3>`,
        table(
          change.map((r) => r.map(keepGroups)),
          'wrap',
        ),
      );
      if (g.comparisons.some((c) => c.significant !== undefined)) parts.push(`<p>${esc(CHANGE_NOTE)}</p>`);
    }
    const claims = claimsRows(g, LABELS);
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
  const warnings = warningList(result);
  if (warnings !== '') parts.push('<h3 id="warnings">Warnings</h3>', warnings);
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
    table(rows, 'text') +
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
      ['all-percentiles', 'Every metric, every percentile', table(percentileRows(groups(result), LABELS))],
      ['environment', 'Environment', environment(result)],
    ] as const
  ).filter(([, , body]) => body !== '');
  const nav = sections.map(([id, title]) => `<a href="#${id}">${esc(title)}</a>`);
  const n = warningCount(result);
  const warnings =
    n === 0 ? '' : `<p class="meta">⚠ ${n} warning${n === 1 ? '' : 's'}: <a href="#warnings">after the summary</a></p>`;
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
${capacityAlert(result)}${warnings}
<nav>${nav.join('')}</nav>
</header>
${sections.map(([id, title, body]) => `<section id="${id}"><h2>${esc(title)}</h2>${body}</section>`).join('\n')}
</body>
</html>
`;
}
