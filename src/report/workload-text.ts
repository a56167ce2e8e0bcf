import { describeLength } from '../workload/lengths.js';
import type { WorkloadInfo } from '../workload/types.js';

/** 94123 → "94k": record counts read at a glance. */
function count(n: number): string {
  return n >= 10_000 ? `${Math.round(n / 1000)}k` : String(n);
}

/** How the prompts of a synthesized or literal workload relate to each other. */
function sharing(w: WorkloadInfo): string {
  if (w.prompts === 'identical') return 'identical on every request';
  if (w.prompts === 'unique') return 'unique from the first token';
  const groups = (w.prefix_groups ?? 1) > 1 ? ` in ${w.prefix_groups} groups` : '';
  return `the first ${w.shared_prefix_tokens} tokens shared${groups}, the rest unique`;
}

/** One line saying what the requests carried: the summary's, the reports' "workload". */
export function describeWorkload(w: WorkloadInfo): string {
  const output = `output ${describeLength(w.max_output_tokens)} tokens`;
  const seeds = `seed ${w.seed}${w.salt === undefined ? '' : `, salt ${w.salt}`}`;
  if (w.dataset !== undefined) {
    const d = w.dataset;
    const unit = d.format === 'sharegpt' ? 'conversations' : 'records';
    const skipped =
      d.skipped === undefined ? '' : `; skipped ${d.skipped.map((s) => `${count(s.count)} ${s.reason}`).join(', ')}`;
    const sample = d.sample === 'random' ? `random (seed ${d.seed})` : 'in order';
    return (
      `dataset ${d.path} (${d.format}${d.detected ? ', detected' : ''}, ${count(d.records)} ${unit}${skipped}), ${sample}; ` +
      `${d.isolate ? 'isolated per variant and run' : 'texts as written'}; ${output} where a record gives none; ${seeds}`
    );
  }
  if (w.source === 'literal')
    return `a literal prompt, ${w.prompts === 'identical' ? 'the same on every request' : 'behind a unique tag per request'}; ${output}; ${seeds}`;
  return `synthesized prompts of ${describeLength(w.prompt_tokens ?? 0)} tokens, ${sharing(w)}; ${output}; ${seeds}`;
}
