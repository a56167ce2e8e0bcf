import { InvalidArgumentError } from 'commander';

import type { OutputSpec } from '../output/output.js';
import { looksLikeSpec, OUTPUT_KINDS, parseOutputSpec } from '../output/registry.js';

/** `--out`'s help: the folder, and every output kind. */
export const OUT_HELP = `result folder (default results/<UTC timestamp>-<name>); repeatable KIND=TARGET adds an output: ${OUTPUT_KINDS}`;

/** `--out`, given any number of times: at most one result folder, and the outputs beside it. */
export interface OutFlags {
  dir?: string;
  outputs: OutputSpec[];
}

/**
 * Commander's collector for `--out`: `KIND=TARGET` adds an output (k6's `--out`), anything else is the
 * result folder, as it always was. A bad spec is a usage error naming the flag (exit 2).
 */
export function outArg(value: string, previous: OutFlags | undefined): OutFlags {
  const acc: OutFlags = previous ?? { outputs: [] };
  if (!looksLikeSpec(value)) {
    if (acc.dir !== undefined)
      throw new InvalidArgumentError(`--out names one result folder (got ${acc.dir} and ${value})`);
    return { ...acc, dir: value };
  }
  const spec = parseOutputSpec(value);
  if (typeof spec === 'string') throw new InvalidArgumentError(`--out ${spec}`);
  return { ...acc, outputs: [...acc.outputs, spec] };
}
