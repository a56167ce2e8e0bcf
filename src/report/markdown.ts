import { fmtMs } from './format.js';
import { scenarioName, type Result } from './result.js';
import { changeRows, claimsRows, groups, percentileRows, resultsRows } from './report-tables.js';
import { describeThreshold } from './thresholds.js';

/**
 * User text in a table cell or list item: must not end the cell or the line, nor open an HTML tag
 * (GitHub renders inline HTML). A `<` that cannot start a tag (`< 400`) stays readable as it is.
 */
export const cell = (text: string): string =>
  text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/<(?=[A-Za-z/!?])/g, '&lt;').replace(/\r?\n/g, ' ');

function mdTable(rows: readonly (readonly string[])[]): string[] {
  const [head, ...body] = rows;
  return [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`, ...body.map((r) => `| ${r.join(' | ')} |`)];
}

function section(heading: string, rows: string[][] | undefined): string[] {
  return rows === undefined ? [] : ['', heading, '', ...mdTable(rows.map((r) => r.map(cell)))];
}

/**
 * The run as GitHub-flavoured markdown: fits a job summary (`$GITHUB_STEP_SUMMARY`) and a pull-request
 * comment. Headline table first, then what changed, claims, thresholds, warnings, the full percentiles.
 */
export function renderMarkdown(result: Result): string {
  const name = scenarioName(result, 'run');
  const e = result.env;
  const seconds = (Date.parse(e.ended_at) - Date.parse(e.started_at)) / 1000;
  const out = [
    `## wirebench · ${cell(name)}`,
    '',
    `\`${result.target}\` · ${e.started_at} · ${seconds.toFixed(1)} s · wirebench ${e.wirebench} · Node ${e.node} · ${e.os} · ${e.cpu.count}× ${e.cpu.model}` +
      (result.shard !== undefined ? ` · shard ${result.shard.index}/${result.shard.count}` : '') +
      (result.merged_from !== undefined ? ` · merged from ${result.merged_from} shards` : ''),
  ];
  if (!result.complete) out.push('', '> **Incomplete run**: stopped early; the numbers cover only what had finished.');
  const all = groups(result);
  out.push('', ...mdTable(resultsRows(all).map((r) => r.map(cell))));
  const at = (label: string | undefined): string => (label === undefined ? '' : ` at ${cell(label)}`);
  for (const g of all) out.push(...section(`Change of medians${at(g.label)}:`, changeRows(g)));
  for (const g of all) out.push(...section(`### Claims${at(g.label)}`, claimsRows(g)));
  const t = result.thresholds ?? [];
  if (t.length > 0) {
    const failed = t.filter((x) => !x.ok).length;
    out.push('', failed === 0 ? `### Thresholds: all ${t.length} passed` : `### Thresholds: ${failed} of ${t.length} failed`, '');
    out.push(...t.map((x) => `- ${x.ok ? '✅' : '❌'} ${cell(describeThreshold(x, result.steps))}`));
  }
  if (result.client !== undefined) {
    const c = result.client;
    out.push('', `Client: event-loop delay p50 ${fmtMs(c.event_loop_delay_ms.p50)} ms, p99 ${fmtMs(c.event_loop_delay_ms.p99)} ms, max ${fmtMs(c.event_loop_delay_ms.max)} ms; CPU ${c.cpu_percent.toFixed(0)}%.`);
  }
  if (result.warnings.length > 0) out.push('', '### Warnings', '', ...result.warnings.map((w) => `- ⚠️ ${cell(w)}`));
  out.push('', '<details><summary>Every metric, every percentile</summary>', ...section('', percentileRows(all)), '', '</details>');
  return out.join('\n') + '\n';
}
