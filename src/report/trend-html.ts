import { axisLabel, METRIC_INFO, type MetricName } from '../core/catalog.js';
import { TREND_STATS, type TrendOutcome, type TrendSeries } from '../stats/trend.js';
import { chartGrid, htmlPage, htmlTable } from './html-page.js';
import { esc } from './svg/escape.js';
import { lineChart, type Series } from './svg/line-chart.js';
import { seriesColor } from './svg/palette.js';
import { changeLines, runTime, seriesRows, seriesTitle, trendNotes } from './trend-text.js';

/**
 * `wirebench trend --html`: one self-contained page with a chart per metric — each variant's p50 (solid)
 * and p99 (dashed) against the run, a dot where compare's rule finds a change from the run before
 * significant — then the runs and the tables of the terminal output.
 */

/** A metric's chart: x is the run's place in time order, every variant in its own colour. */
function metricChart(
  metric: MetricName,
  series: readonly TrendSeries[],
  o: TrendOutcome,
  colour: (v: string) => string,
): string {
  const lines: Series[] = [];
  for (const s of series) {
    for (const st of TREND_STATS) {
      const points = s.points.flatMap((p, i): [number, number][] => (p === null ? [] : [[i, p[st]]]));
      lines.push({ name: `${s.variant} ${st}`, color: colour(s.variant), points, dash: st === 'p99' });
    }
    // A dot on each figure that changed significantly: drawn last, over the lines.
    const marks = s.points.flatMap((p, i): [number, number][] =>
      (p?.change?.significant ?? []).map((st) => [i, p![st]]),
    );
    if (marks.length > 0)
      lines.push({
        name: `${s.variant}: significant change`,
        color: colour(s.variant),
        points: marks,
        style: 'points',
        dotSize: 9,
      });
  }
  return lineChart({
    id: `trend-${metric}`,
    title: `${metric} by run`,
    x: { label: 'run, by start time', scale: 'category', categories: o.runs.map((_, i) => `#${i + 1}`) },
    y: { label: axisLabel(metric) },
    series: lines,
    note: `${METRIC_INFO[metric].description}. p50 solid, p99 dashed; a dot marks a significant change from the run before.`,
  });
}

export function renderTrendHtml(o: TrendOutcome): string {
  const variants = [...new Set(o.series.map((s) => s.variant))];
  const colour = (v: string): string => seriesColor(variants.indexOf(v));
  const metrics = [...new Set(o.series.map((s) => s.metric))];
  const charts = metrics.map((m) =>
    metricChart(
      m,
      o.series.filter((s) => s.metric === m),
      o,
      colour,
    ),
  );
  const runs = htmlTable([
    ['run', 'started', 'commit', 'result'],
    ...o.runs.map((r, i) => [`#${i + 1}`, runTime(r), r.git_commit ?? '-', r.path ?? '(a result object)']),
  ]);
  const tables = o.series.map((s) => `<h3>${esc(seriesTitle(s))}</h3>${htmlTable(seriesRows(s, o.runs))}`).join('\n');
  const changes = changeLines(o);
  const notes = [
    ...trendNotes(o).map((n) => `<p class="meta">${esc(n)}</p>`),
    ...(o.runs.length < 2
      ? []
      : changes.length === 0
        ? ['<p>No significant change.</p>']
        : ['<p>Significant changes:</p><ul>', ...changes.map((c) => `<li>${esc(c)}</li>`), '</ul>']),
  ].join('\n');
  const warnings = o.warnings.map((w) => `<p class="warn">⚠ ${esc(w)}</p>`).join('');
  const header = `<p class="meta">${o.runs.length} run${o.runs.length === 1 ? '' : 's'}, ${esc(runTime(o.runs[0]))} to ${esc(runTime(o.runs[o.runs.length - 1]))}</p>${warnings}`;
  return htmlPage(`wirebench trend · ${o.scenario}`, header, [
    ['charts', 'Trend', chartGrid(charts)],
    ['changes', 'Changes', notes],
    ['runs', 'Runs', runs],
    ['tables', 'Per run', tables],
  ]);
}
