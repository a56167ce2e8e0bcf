import type { RequestInput } from '../core/types.js';

export type Role = 'system' | 'user' | 'assistant';

/** One chat message of a request, as role and text: what every chat-shaped wire format is built from. */
export interface TextMessage {
  role: Role;
  text: string;
}

/**
 * The conversation a request sends: its items, or its prompt as one user message. Function calls and
 * their outputs have no form outside the Responses protocol (the schema keeps agent loops there).
 */
export function textMessages(req: RequestInput): TextMessage[] {
  if (req.items === undefined) return [{ role: 'user', text: req.prompt }];
  return req.items.map((item) => {
    if (item.kind === 'call' || item.kind === 'output')
      throw new Error(`a function ${item.kind} item needs the openai-responses protocol`);
    return { role: item.kind, text: item.text };
  });
}

/** The request as one text, for wire formats that take a single prompt: its messages joined by blank lines. */
export function promptText(req: RequestInput): string {
  return req.items === undefined
    ? req.prompt
    : textMessages(req)
        .map((m) => m.text)
        .join('\n\n');
}

/** `{ role, content }` messages, the shape of OpenAI Chat Completions and of Ollama's chat. */
export function chatMessages(req: RequestInput): { role: Role; content: string }[] {
  return textMessages(req).map((m) => ({ role: m.role, content: m.text }));
}
