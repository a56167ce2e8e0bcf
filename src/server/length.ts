import { RequestError } from './errors.js';

/** What a request asks of its output length. */
export interface OutputRequest {
  /** The request's cap (max_tokens, max_output_tokens, …); undefined: none. */
  max: number | undefined;
  /** vLLM's and SGLang's `ignore_eos`: no stop at EOS, so exactly `max` tokens. */
  ignoreEos?: boolean;
  /** vLLM's and SGLang's `min_tokens`: no EOS before this many tokens (at most `max`, checked). */
  minTokens?: number;
}

/**
 * vLLM's and SGLang's exact-length knobs of a Chat Completions or Responses body. Both declare them
 * non-optional (`ignore_eos: bool = False`, `min_tokens: int = 0`), so null is as wrong as a string, and
 * both refuse a min_tokens above max_tokens rather than clamp it.
 */
export function lengthKnobs(b: Record<string, unknown>, max: number | undefined): Required<Omit<OutputRequest, 'max'>> {
  const ignoreEos = 'ignore_eos' in b ? b.ignore_eos : false;
  if (typeof ignoreEos !== 'boolean')
    throw new RequestError('invalid_type', 'ignore_eos must be a boolean.', 'ignore_eos');
  const n = 'min_tokens' in b ? b.min_tokens : 0;
  if (typeof n !== 'number' || !Number.isInteger(n))
    throw new RequestError('invalid_type', 'min_tokens must be an integer.', 'min_tokens');
  if (n < 0)
    throw new RequestError('invalid_value', `min_tokens must be greater than or equal to 0, got ${n}.`, 'min_tokens');
  if (max !== undefined && n > max) {
    throw new RequestError(
      'invalid_value',
      `min_tokens must be less than or equal to max_tokens=${max}, got ${n}.`,
      'min_tokens',
    );
  }
  return { ignoreEos, minTokens: n };
}

/**
 * Output tokens of a response. The server's output length plays the model stopping at EOS; ignore_eos
 * runs on to the request's cap (without one, the server's length stands in for vLLM's context limit),
 * min_tokens holds the EOS back.
 */
export function outputLength(modelTokens: number, r: OutputRequest): number {
  if (r.ignoreEos) return r.max ?? modelTokens;
  const natural = r.max === undefined ? modelTokens : Math.min(modelTokens, r.max);
  return Math.max(natural, r.minTokens ?? 0);
}
