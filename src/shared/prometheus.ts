/**
 * The Prometheus text exposition format (0.0.4), written: what the reference server's /metrics and the
 * run's `--out prometheus` share — the content type, a histogram with fixed buckets, its lines.
 */
import { lowerBound } from './lower-bound.js';

export const PROM_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Observations counted per bucket (`le` inclusive; past the last bound, +Inf): no allocation per observation. */
export class PromHistogram {
  /** Per bucket, not cumulative; the last one is +Inf. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(v: number): void {
    this.counts[lowerBound(this.bounds, v)]++;
    this.sum += v;
    this.count++;
  }

  /** Its cumulative `_bucket` lines, `_sum` and `_count`, for one label set (`labels`: `a="x",b="y"`). */
  lines(name: string, labels: string): string[] {
    const out: string[] = [];
    let below = 0;
    for (let i = 0; i <= this.bounds.length; i++) {
      below += this.counts[i];
      const le = i < this.bounds.length ? String(this.bounds[i]) : '+Inf';
      out.push(`${name}_bucket{${labels},le="${le}"} ${below}`);
    }
    out.push(`${name}_sum{${labels}} ${this.sum}`, `${name}_count{${labels}} ${this.count}`);
    return out;
  }
}

/** A metric family — HELP, TYPE, its sample lines — appended to `out`; nothing when it has no samples. */
export function pushFamily(out: string[], name: string, type: string, help: string, body: readonly string[]): void {
  if (body.length > 0) out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...body);
}
