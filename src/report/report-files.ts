import { existsSync } from 'node:fs';
import path from 'node:path';

import type { Result } from '../result/result.js';
import { writeFileAtomic } from '../shared/atomic-file.js';
import { readIntervalSeries } from './hlog-series.js';
import { renderHtml, type ReportData } from './html.js';
import { renderMarkdown } from './markdown.js';
import { chartGroups } from './report-charts.js';
import { readRequestSeries } from './request-series.js';
import { INTERVAL_METRICS, type IntervalMetrics } from './time-charts.js';

export interface ReportTargets {
  /** Where to write each report; undefined leaves it out. */
  html?: string;
  md?: string;
  /** Removes secret values from what is written (the run's scrubber; reports repeat user text). */
  scrub?: (text: string) => string;
}

/**
 * What the HTML draws beyond result.json, from the result folder: the requests.jsonl (over-time charts,
 * waterfalls, latency against length, the output lengths asked for) and the interval logs of `--hdr-log` (percentiles per interval). A merged result draws only
 * the logs merge wrote for it (`interval_logs`): its folder may hold one shard's files (merge --out
 * shard-1/merged.json), which under the merged title would show a part as the whole.
 */
async function readReportData(result: Result, dir: string): Promise<ReportData> {
  const merged = result.merged_from !== undefined;
  const logOf = (key: string): string | undefined => (merged ? result.interval_logs?.[key] : `${key}.hlog`);
  const intervals = new Map<string, IntervalMetrics>();
  for (const g of chartGroups(result)) {
    for (const v of g.variants) {
      const name = logOf(g.prefix + v.name);
      if (name === undefined || !existsSync(path.join(dir, name))) continue;
      const series = await readIntervalSeries(path.join(dir, name), INTERVAL_METRICS);
      intervals.set(g.prefix + v.name, Object.fromEntries(series));
    }
  }
  const requests = path.join(dir, 'requests.jsonl');
  return { series: !merged && existsSync(requests) ? await readRequestSeries(requests) : new Map(), intervals };
}

/** Writes the markdown and HTML reports of the result in `dir` (or of a result file elsewhere, `dir` its folder). */
export async function writeReports(result: Result, dir: string, to: ReportTargets): Promise<void> {
  const scrub = to.scrub ?? ((t: string) => t);
  const writes: Promise<void>[] = [];
  if (to.md !== undefined) writes.push(writeFileAtomic(to.md, scrub(renderMarkdown(result))));
  if (to.html !== undefined)
    writes.push(writeFileAtomic(to.html, scrub(renderHtml(result, await readReportData(result, dir)))));
  await Promise.all(writes);
}

/** The reports `run` writes into its result folder. */
export function defaultReports(dir: string): { html: string; md: string } {
  return { html: path.join(dir, 'report.html'), md: path.join(dir, 'report.md') };
}
