/** o200k tokens of the longest prompt wirebench synthesizes (128k). */
export const MAX_PROMPT_TOKENS = 131_072;
export { DEFAULT_PROMPT_TOKENS } from '../workload/types.js';
/** The most output tokens a request may ask for: far beyond any model's, small enough to stay exact in a histogram. */
export const MAX_OUTPUT_TOKENS = 1_000_000;
