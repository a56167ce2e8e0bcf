/** o200k tokens of the longest prompt wirebench synthesizes (128k). */
export const MAX_PROMPT_TOKENS = 131_072;
export { DEFAULT_PROMPT_TOKENS } from '../workload/types.js';
/** The most output tokens a request may ask for: far beyond any model's, small enough to stay exact in a histogram. */
export const MAX_OUTPUT_TOKENS = 1_000_000;
/**
 * The longest wait, seconds: Node's timers take at most 2^31 − 1 ms (24.8 days) and fire at once beyond
 * it, so a `timeout: 1e12` meant as "never" would fail every request in 1 ms.
 */
export const MAX_WAIT_S = 2_147_483;
/** The slowest open-loop rate: one arrival per 1000 s (a rate of 1e-9 would wait past any timer). */
export const MIN_RATE = 0.001;
