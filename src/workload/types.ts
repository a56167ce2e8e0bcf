/**
 * What a workload is made of, independent of the wire and of the load model: the records a dataset file
 * holds, the lengths a scenario asks for, and the items a load hands to its requests. Imports nothing.
 */

/** A chat message of a dataset record, its content as plain text. */
export interface Message {
  role: 'system' | 'user' | 'assistant';
  text: string;
}

export const DATASET_FORMATS = ['jsonl', 'sharegpt', 'mooncake', 'azure-csv', 'burstgpt-csv'] as const;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

/** One record of a dataset file, normalized across formats. */
export type DatasetRecord = {
  /** Where the record starts in its file (1-based line): for messages that name it. */
  line: number;
  /** Arrival time, ms after the file's first record (traces; a `jsonl` record's `timestamp`). */
  timestampMs?: number;
  /** The output length the record asks for (trace lengths, a `jsonl` record's `output_tokens`). */
  outputTokens?: number;
} & (
  | { kind: 'text'; prompt: string }
  /** `jsonl` messages, a ShareGPT conversation: in order, at least one user message. */
  | { kind: 'messages'; messages: readonly Message[] }
  /** Length-only traces (Mooncake, Azure, BurstGPT): the client synthesizes the text. */
  | { kind: 'length'; inputTokens: number; hashIds?: readonly number[] }
);

/**
 * A length a scenario asks for: a number, or a seeded distribution of integers in [min, max] (values
 * drawn outside are drawn again). `mean`/`stddev` are those of the lengths themselves, lognormal included.
 */
export type LengthSpec =
  | number
  | { distribution: 'uniform'; min: number; max: number }
  | { distribution: 'normal'; mean: number; stddev: number; min: number; max: number }
  | { distribution: 'lognormal'; mean: number; stddev: number; min: number; max: number }
  | { distribution: 'exponential'; mean: number; min: number; max: number };
