import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';
import { readRequestSeries, type VariantSeries } from './request-series.js';
import type { Result } from './result.js';

export interface ReportTargets {
  /** Where to write each report; undefined leaves it out. */
  html?: string;
  md?: string;
  /** Removes secret values from what is written (the run's scrubber; reports repeat user text). */
  scrub?: (text: string) => string;
}

/**
 * Writes the markdown and HTML reports of a result. The over-time charts and waterfalls come from the
 * requests.jsonl beside it when there is one (a merged result has none: its charts are the histograms').
 */
export async function writeReports(result: Result, requestsFile: string | undefined, to: ReportTargets): Promise<void> {
  const scrub = to.scrub ?? ((t: string) => t);
  const writes: Promise<void>[] = [];
  if (to.md !== undefined) writes.push(writeFile(to.md, scrub(renderMarkdown(result))));
  if (to.html !== undefined) {
    const series: Map<string, VariantSeries> =
      requestsFile !== undefined && existsSync(requestsFile) ? await readRequestSeries(requestsFile) : new Map();
    writes.push(writeFile(to.html, scrub(renderHtml(result, series))));
  }
  await Promise.all(writes);
}

/** The reports `run` writes into its result folder. */
export function defaultReports(dir: string): { html: string; md: string } {
  return { html: path.join(dir, 'report.html'), md: path.join(dir, 'report.md') };
}
