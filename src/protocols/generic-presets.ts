import { type GenericAdapter, genericAdapter, type GenericConfig } from './generic.js';

/**
 * Generic-protocol configurations of popular servers that speak neither OpenAI nor Anthropic. (vLLM,
 * SGLang and llama.cpp serve OpenAI Chat Completions: they need `openai-chat`, not a preset.)
 */

const OLLAMA_DONE = { pointer: '/done', equals: true };
const OLLAMA_USAGE = { usage_output: '/eval_count', usage_input: '/prompt_eval_count' };
/** Ollama caps the output with options.num_predict. */
const OLLAMA_OPTIONS = { num_predict: '{{max_tokens}}' };

export const PRESETS = {
  /** Ollama's completion endpoint: NDJSON lines with `response`, a last line `done: true` with the counts. */
  'ollama-generate': {
    path: '/api/generate',
    body: { model: '{{model}}', prompt: '{{prompt}}', stream: true, options: OLLAMA_OPTIONS },
    response: 'ndjson',
    select: { delta: '/response', done: OLLAMA_DONE, ...OLLAMA_USAGE },
  },
  /** Ollama's chat endpoint: the same lines with the text in `message.content`. */
  'ollama-chat': {
    path: '/api/chat',
    body: { model: '{{model}}', messages: '{{messages}}', stream: true, options: OLLAMA_OPTIONS },
    response: 'ndjson',
    select: { delta: '/message/content', done: OLLAMA_DONE, ...OLLAMA_USAGE },
  },
  /**
   * Hugging Face text-generation-inference's native stream: one SSE event per token, the last one also
   * carrying `generated_text` (and, with `details`, the generated token count).
   */
  'tgi-generate-stream': {
    path: '/generate_stream',
    body: { inputs: '{{prompt}}', parameters: { max_new_tokens: '{{max_tokens}}', details: true } },
    response: 'sse',
    select: { delta: '/token/text', done: { pointer: '/generated_text' }, usage_output: '/details/generated_tokens' },
  },
} as const satisfies Record<string, GenericConfig>;

export type PresetKind = keyof typeof PRESETS;

/** The adapter of a preset, registered under the preset's name. */
export function presetAdapter(kind: PresetKind): GenericAdapter {
  return genericAdapter(PRESETS[kind], kind);
}
