/** o200k tokens of the longest prompt wirebench synthesizes (128k). */
export const MAX_PROMPT_TOKENS = 131_072;
export const DEFAULT_PROMPT_TOKENS = 32;
