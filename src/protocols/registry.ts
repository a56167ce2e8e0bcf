import type { ProtocolAdapter } from '../core/types.js';
import { anthropicMessages } from './anthropic-messages.js';
import { presetAdapter } from './generic-presets.js';
import { openaiChat } from './openai-chat.js';
import { openaiRealtime } from './openai-realtime.js';
import { openaiResponses } from './openai-responses.js';

/** Every protocol wirebench speaks, by the `kind` a scenario names it with. */
export const PROTOCOL_KINDS = [
  'openai-responses',
  'openai-chat',
  'openai-realtime',
  'anthropic-messages',
  'ollama-generate',
  'ollama-chat',
  'tgi-generate-stream',
] as const;
export type ProtocolKind = (typeof PROTOCOL_KINDS)[number];

const ADAPTERS: Readonly<Record<ProtocolKind, ProtocolAdapter>> = {
  'openai-responses': openaiResponses,
  'openai-chat': openaiChat,
  'openai-realtime': openaiRealtime,
  'anthropic-messages': anthropicMessages,
  // Generic-protocol presets; `generic` itself needs its configuration from the scenario.
  'ollama-generate': presetAdapter('ollama-generate'),
  'ollama-chat': presetAdapter('ollama-chat'),
  'tgi-generate-stream': presetAdapter('tgi-generate-stream'),
};

function isKind(kind: string): kind is ProtocolKind {
  return Object.hasOwn(ADAPTERS, kind);
}

export function getProtocol(kind: string): ProtocolAdapter | undefined {
  return isKind(kind) ? ADAPTERS[kind] : undefined;
}

/** Whether the protocol has an HTTP mode (the http-* connection policies need one; Realtime has none). */
export function httpCapable(kind: string): boolean {
  return getProtocol(kind)?.http !== undefined;
}

/** Whether the protocol has a WebSocket mode (the ws-* connection policies need one). */
export function wsCapable(kind: string): boolean {
  return getProtocol(kind)?.ws !== undefined;
}

/** Whether the adapter reports the function calls a response ends with (agent-loop sessions need them). */
export function sessionCapable(kind: string): boolean {
  return getProtocol(kind)?.sessions === true;
}

/** Whether the stream's every message is a choice chunk, ack and end included (vLLM's token messages). */
export function choiceFrames(kind: string): boolean {
  return getProtocol(kind)?.choiceFrames === true;
}
