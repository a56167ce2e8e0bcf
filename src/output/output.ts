import type { RequestLine } from '../result/requests/line.js';

/**
 * An exporter beside the result folder (`run --out KIND=TARGET`), the way k6's `--out` has them. It sees
 * completed requests only, never a token: whatever it costs stays off the path that is being measured.
 * Its failures are its own: the run that feeds it goes on without it (see outputs.ts).
 */
export interface Output {
  /**
   * Opens the target (a file, a listening socket); rejects when it cannot, before any request is sent.
   * `run` names the run, for an output that labels what it sends.
   */
  start(run: RunLabel): Promise<void>;
  /** A completed request, as requests.jsonl has it: the parsed line and its JSON text (secrets scrubbed). */
  request(line: RequestLine, json: string): void;
  /** The run has ended (complete or stopped): finish the file, close the socket. Rejects on a failure. */
  end(): Promise<void>;
}

/** Which run an output serves. */
export interface RunLabel {
  /** The scenario's `name`. */
  scenario: string;
  /** The result folder's name (`<UTC timestamp>-<scenario>` unless `--out DIR` named it). */
  run: string;
}

/** An optional ability: told when a block of a variant's requests has finished (a natural point to flush). */
export interface BlockListener {
  blockDone(variant: string): void;
}

export const listensForBlocks = (o: Output): o is Output & BlockListener =>
  typeof (o as Partial<BlockListener>).blockDone === 'function';

/** A parsed `--out KIND=TARGET`. */
export interface OutputSpec {
  kind: string;
  target: string;
}
