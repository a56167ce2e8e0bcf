import { type Result, scenarioName } from '../result/result.js';
import { describeThreshold } from '../result/thresholds.js';
import { definitionSources, definitionTables } from './definition-tables.js';
import { CHANGE_NOTE } from './format.js';
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
import { SERVER_NOTE, serverTables } from './server-tables.js';
import { describeSetup } from './setup-text.js';
import { describeWorkload } from './workload-text.js';

/**
 * User text in a table cell or list item: must not end the cell or the line, nor open an HTML tag
 * (GitHub renders inline HTML). A `<` that cannot start a tag (`< 400`) stays readable as it is.
 */
export const cell = (text: string): string =>
  text
    .replace(/[\\|`[\]]/g, '\\$&')
    .replace(/<(?=[A-Za-z/!?])/g, '&lt;')
    .replace(/\r?\n/g, ' ');

function mdTable(rows: readonly (readonly string[])[]): string[] {
  const [head, ...body] = rows;
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`,
    ...body.map((r) => `| ${r.join(' | ')} |`),
  ];
}

/** A table (after its heading, if any) and, when it has marked figures, the note on them. */
function section(heading: string | undefined, rows: string[][] | undefined): string[] {
  if (rows === undefined) return [];
  return [
    ...(heading === undefined ? [] : ['', heading]),
    '',
    ...mdTable(rows.map((r) => r.map(cell))),
    ...tableNotes(rows).flatMap((note) => ['', `<sub>${cell(note)}</sub>`]),
  ];
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
    [
      cell(result.target),
      e.started_at,
      `${seconds.toFixed(1)} s`,
      `wirebench ${e.wirebench}`,
      `Node ${e.node}`,
      cell(e.os),
      cell(`${e.cpu.count}× ${e.cpu.model}`),
      ...(result.shard !== undefined ? [`shard ${result.shard.index}/${result.shard.count}`] : []),
      ...(result.merged_from !== undefined ? [`merged from ${result.merged_from} shards`] : []),
    ].join(' · '),
  ];
  for (const line of describeSetup(result)) out.push('', cell(line[0].toUpperCase() + line.slice(1)));
  if (result.workload !== undefined) out.push('', `Workload: ${cell(describeWorkload(result.workload))}`);
  if (!result.complete) out.push('', '> **Incomplete run**: stopped early; the numbers cover only what had finished.');
  const all = groups(result);
  out.push(...section(undefined, resultsRows(all)));
  const at = (label: string | undefined): string => (label === undefined ? '' : ` at ${cell(label)}`);
  for (const g of all) out.push(...section(`Change of medians${at(g.label)}:`, changeRows(g)));
  if (all.some((g) => g.comparisons.some((c) => c.significant !== undefined))) out.push('', `_${CHANGE_NOTE}_`);
  for (const g of all) out.push(...section(`### Claims${at(g.label)}`, claimsRows(g)));
  for (const t of definitionTables(all)) out.push(...section(`### ${cell(t.title)}: other tools' definitions`, t.rows));
  const sources = definitionSources(all);
  if (sources.length > 0) out.push('', `<sub>Formulas read from ${sources.map(cell).join('; ')}.</sub>`);
  const server = serverTables(all);
  for (const t of server) out.push(...section(`### ${cell(t.title)}: server vs client (${cell(t.source)})`, t.rows));
  if (server.length > 0) out.push('', `<sub>${cell(SERVER_NOTE)}</sub>`);
  const t = result.thresholds ?? [];
  if (t.length > 0) {
    out.push('', `### ${thresholdsHeading(t)}`, '');
    out.push(...t.map((x) => `- ${x.ok ? '✅' : '❌'} ${cell(describeThreshold(x, result.steps))}`));
  }
  if (result.client !== undefined) out.push('', clientLine(result.client));
  if (result.warnings.length > 0) out.push('', '### Warnings', '', ...result.warnings.map((w) => `- ⚠️ ${cell(w)}`));
  out.push(
    '',
    '<details><summary>Every metric, every percentile</summary>',
    ...section(undefined, percentileRows(all)),
    '',
    '</details>',
  );
  return out.join('\n') + '\n';
}
