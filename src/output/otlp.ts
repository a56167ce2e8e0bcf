import type { RequestLine } from '../result/requests/line.js';
import type { Pipeline } from './otlp-pipeline.js';
import type { Output, RunLabel } from './output.js';
import { fold } from './series.js';

/** Between exports while the run lasts: a dashboard follows the run without a request per completion. */
const INTERVAL_MS = 5000;

/** The URL metrics are POSTed to: TARGET, with OTLP/HTTP's `/v1/metrics` when it names no path. */
export function otlpUrl(target: string): string | undefined {
  if (!URL.canParse(target)) return undefined;
  const url = new URL(target);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.pathname === '/') url.pathname = '/v1/metrics';
  return url.href;
}

/**
 * `--out otlp=URL`: the series of series.ts pushed to an OTLP/HTTP receiver by the OpenTelemetry SDK
 * (otlp-pipeline.ts) every INTERVAL_MS while the run lasts, and once more when it ends.
 */
export class OtlpOutput implements Output {
  private pipeline: Pipeline | undefined;

  constructor(
    readonly url: string,
    private readonly intervalMs = INTERVAL_MS,
  ) {}

  async start(run: RunLabel): Promise<void> {
    // Loaded by the runs that use it: the SDK's modules would slow every command's start (0.4 s measured).
    const { openPipeline } = await import('./otlp-pipeline.js');
    // Nothing to open: the receiver is first reached by the first export, and its failure is a warning.
    this.pipeline = openPipeline(this.url, this.intervalMs, run);
  }

  request(line: RequestLine): void {
    if (this.pipeline !== undefined) fold(line, this.pipeline.sink);
  }

  async end(): Promise<void> {
    const pipeline = this.pipeline;
    if (pipeline === undefined) return;
    this.pipeline = undefined;
    const problem = await pipeline.end();
    if (problem !== undefined) throw new Error(problem);
  }
}
