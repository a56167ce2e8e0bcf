/**
 * What a workload is made of, independent of the wire and of the load model: the records a dataset file
 * holds, the lengths a scenario asks for, and the items a load hands to its requests. Imports nothing.
 */

/** A chat message of a dataset record, its content as plain text. */
export interface Message {
  role: 'system' | 'user' | 'assistant';
  text: string;
}

/** o200k tokens of a synthesized prompt when a scenario names no length. */
export const DEFAULT_PROMPT_TOKENS = 32;

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
  /** A recorded conversation (`wirebench record`): the client's pause before each turn, ms. */
  gapsMs?: readonly number[];
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

/** What one request — or one session — of a load is given: made by a feed from the scenario and its dataset. */
export interface WorkItem {
  /** The text to send; absent when `messages` are sent instead. */
  prompt?: string;
  /** A chat record to send as it is, or a whole conversation (sessions). */
  messages?: readonly Message[];
  /** o200k tokens of `prompt` when the client made it (synthesized): known without tokenizing. */
  promptTokens?: number;
  /** Output tokens to ask for (a conversation: for each turn without a recorded length). */
  maxOutputTokens: number;
  /** A conversation: output tokens to ask for per user turn (the lengths of the recorded replies). */
  turnOutputTokens?: readonly number[];
  /** A recorded conversation: the pause before each user turn, ms (`tool_time: recorded`). */
  turnGapsMs?: readonly number[];
  /** The dataset record it came from (its 1-based line). */
  record?: number;
  /** A trace: when the request is due, ms after the replay began (speed applied). */
  atMs?: number;
}

/** What result.json records of a run's workload (`workload`), so its numbers can be read for what was sent. */
export interface WorkloadInfo {
  /** Prompts synthesized to lengths, one literal prompt, or a dataset's. */
  source: 'synthesized' | 'literal' | 'dataset';
  /** How prompts relate: unique per request, a shared prefix, identical, or as the dataset has them. */
  prompts: string;
  prompt_tokens?: LengthSpec;
  shared_prefix_tokens?: number;
  prefix_groups?: number;
  max_output_tokens: LengthSpec;
  seed: number;
  /**
   * Mixed into every text of the run; `request.salt` set to it repeats the run's exact prompts. Absent
   * in a merge: each shard mixes in its own index.
   */
  salt?: number;
  dataset?: {
    /** As the scenario names it. */
    path: string;
    format: DatasetFormat;
    /** The format was told from the file, not named. */
    detected: boolean;
    records: number;
    sample: 'sequential' | 'random';
    seed: number;
    isolate: boolean;
    skipped?: { count: number; reason: string }[];
  };
}
