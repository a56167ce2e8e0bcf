import { type Result, scenarioName } from '../result/result.js';
import { describeThreshold } from '../result/thresholds.js';
import { definitionSources, definitionTables } from './definition-tables.js';
import { CHANGE_NOTE } from './format.js';
import { chartGrid as charts, htmlPage, htmlTable as table } from './html-page.js';
import { capacityAlert, warningCount, warningList } from './html-warnings.js';
import { colourOf, distributionCharts, sweepCharts } from './report-charts.js';
import {
  changeRows,
  claimsRows,
  clientLine,
  groups,
  percentileRows,
  resultsRows,
  thresholdsHeading,
} from './report-tables.js';
import type { VariantSeries } from './request-series.js';
import { SERVER_NOTE, serverTables } from './server-tables.js';
import { esc } from './svg/escape.js';
import type { IntervalMetrics } from './time-charts.js';
import { timeCharts, waterfallCharts } from './time-charts.js';
import { workloadCharts } from './workload-charts.js';
import { describeWorkload } from './workload-text.js';

/** `-53% (-13.35 ms) [-58%, -45%]` may wrap between its parts, never inside a bracket. */
const keepGroups = (cell: string): string => cell.replace(/ (?=[^([]*[)\]])/g, '\u00a0');

/** A table per variant of its metrics as vLLM, AIPerf or GuideLLM compute them (`run --definitions`). */
function definitions(result: Result): string {
  const all = groups(result);
  const tables = definitionTables(all).map((t) => `<h3>${esc(t.title)}</h3>${table(t.rows)}`);
  const sources = definitionSources(all);
  if (sources.length > 0) tables.push(`<p class="meta">Formulas read from ${esc(sources.join('; '))}.</p>`);
  return tables.join('');
}

/** Per variant, the endpoint's own latencies beside the client's (`server_metrics`). */
function serverSide(result: Result): string {
  const tables = serverTables(groups(result)).map(
    (t) => `<h3>${esc(t.title)}</h3><p class="meta">${esc(t.source)}</p>${table(t.rows)}`,
  );
  if (tables.length > 0) tables.push(`<p class="meta">${esc(SERVER_NOTE)}</p>`);
  return tables.join('');
}

function summary(result: Result): string {
  const all = groups(result);
  const parts = [table(resultsRows(all))];
  for (const g of all) {
    const at = g.label === undefined ? '' : ` at ${g.label}`;
    const change = changeRows(g);
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
  const colour = colourOf(result);
  const { percentiles, cdfs } = distributionCharts(result, colour);
  const n = warningCount(result);
  const warnings =
    n === 0 ? '' : `<p class="meta">⚠ ${n} warning${n === 1 ? '' : 's'}: <a href="#warnings">after the summary</a></p>`;
  const e = result.env;
  const header = `<p class="meta">${esc(result.target)} · ${esc(e.started_at)} · wirebench ${esc(e.wirebench)}${result.complete ? '' : ' · <strong>incomplete run</strong>: stopped early, the numbers cover only what had finished'}</p>
${result.workload === undefined ? '' : `<p class="meta">workload: ${esc(describeWorkload(result.workload))}</p>`}
${capacityAlert(result)}${warnings}`;
  return htmlPage(`wirebench · ${scenarioName(result, 'run')}`, header, [
    ['summary', 'Summary', summary(result)],
    ['definitions', "Other tools' definitions", definitions(result)],
    ['server', 'Server vs client', serverSide(result)],
    ['workload', 'Workload', charts(workloadCharts(result, data.series, colour))],
    ['sweep', 'Sweep', charts(sweepCharts(result, colour))],
    ['percentiles', 'Percentile distributions', charts(percentiles)],
    ['cdf', 'Cumulative distributions', charts(cdfs)],
    ['over-time', 'Over time', charts(timeCharts(result, data, colour))],
    ['waterfall', 'Token arrivals', charts(waterfallCharts(result, data.series), true)],
    ['all-percentiles', 'Every metric, every percentile', table(percentileRows(groups(result)))],
    ['environment', 'Environment', environment(result)],
  ]);
}
