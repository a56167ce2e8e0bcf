import type { RequestInput } from '../../src/core/types.js';
import { WorkSource } from '../../src/load/work.js';
import { MadeFeed } from '../../src/workload/feed.js';

/** A variant's requests that all send `input` (its prompt, lengths and body). */
export function fixedWork(input: RequestInput): WorkSource {
  return new WorkSource(new MadeFeed(() => ({ prompt: input.prompt, maxOutputTokens: input.maxOutputTokens })), {
    model: input.model,
    extra: input.extra,
    knobs: [],
  });
}
