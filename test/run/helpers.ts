import { now } from '../../src/core/clock.js';
import { WorkSource } from '../../src/load/work.js';
import { VariantRecorder } from '../../src/metrics/variant-recorder.js';
import type { RequestLine } from '../../src/result/requests/line.js';
import { requestBase } from '../../src/run/run-inputs.js';
import { VariantRun } from '../../src/run/variant-run.js';
import { parseScenario } from '../../src/scenario/load.js';
import type { Scenario } from '../../src/scenario/schema.js';
import { countSoon } from '../../src/shared/token-thread.js';
import type { Feed } from '../../src/workload/feed.js';
import { Workload } from '../../src/workload/workload.js';

/** A scenario parsed and validated exactly as a file would be (defaults applied), from its YAML text. */
export function scenarioOf(yaml: string, file = '/tmp/wirebench-test/scenario.yaml'): Scenario {
  return parseScenario(yaml, file, {}).scenario;
}

/** Variants named `names` on one transport, as the lines of a YAML list. */
export function variantsYaml(names: readonly string[], connection = 'http-keepalive'): string {
  return names.map((n) => `  - { name: ${n}, protocol: openai-responses, connection: ${connection} }`).join('\n');
}

export interface BuiltRun {
  run: VariantRun;
  /** The requests.jsonl lines the variant's recorder wrote, in order. */
  lines: RequestLine[];
}

export interface RunOptions {
  stopping?: () => boolean;
  /** Replaces the scenario's workload (e.g. a feed that fails). */
  feed?: Feed;
  hardStop?: AbortSignal;
  /** Every variant's lines also go here, in the order they were written. */
  all?: RequestLine[];
}

/**
 * The variants of `s` as the runner builds them (one feed slot each, the recorder writing into an array),
 * against `url`: a test drives their blocks itself.
 */
export function buildRuns(s: Scenario, url: string, opts: RunOptions = {}): BuiltRun[] {
  const workload = new Workload(s, 7);
  const start = now();
  return s.variants.map((variant, v) => {
    const lines: RequestLine[] = [];
    const rec = new VariantRecorder(
      variant.name,
      start,
      countSoon,
      (l) => {
        lines.push(l);
        opts.all?.push(l);
      },
      undefined,
      s.slo,
    );
    const work = new WorkSource(opts.feed ?? workload.feed(v, s.variants.length), requestBase(s, variant));
    const run = new VariantRun(
      s,
      variant,
      { target: new URL(url), tls: variant.tls },
      work,
      rec,
      opts.stopping ?? (() => false),
      opts.hardStop,
    );
    return { run, lines };
  });
}

/** "aabbba" → ["a", "b", "a"]: the variant of each stretch of consecutive lines. */
export function stretches(lines: readonly { variant: string }[]): string[] {
  return lines.map((l) => l.variant).filter((v, i, all) => i === 0 || all[i - 1] !== v);
}
