/**
 * `jsonl`: one JSON object per line, `prompt` or OpenAI-style `messages`, optional `output_tokens` and
 * `timestamp` (ms), and `wirebench.gaps_ms` (a recorded conversation's pause before each turn, ms: what
 * `wirebench record` writes). Other keys are ignored, so files written for other tools can be used as
 * they are.
 */
import type { DatasetRecord, Message } from '../types.js';
import {
  expected,
  expectedField,
  failed,
  isInt,
  isObject,
  type Parsed,
  parseJson,
  type RecordIssue,
} from './fields.js';

/** `developer` is the newer OpenAI name of the system role. */
const ROLES = new Map<unknown, Message['role']>([
  ['system', 'system'],
  ['developer', 'system'],
  ['user', 'user'],
  ['assistant', 'assistant'],
]);

export function decodeJsonl(text: string, line: number): Parsed {
  const json = parseJson(text);
  if (!('value' in json)) return failed(json);
  const v = json.value;
  if (!isObject(v)) return failed(expected('', 'a JSON object ({ "prompt": … } or { "messages": […] })', v));

  const issues: RecordIssue[] = [];
  const { output_tokens: outputTokens, timestamp } = v;
  if (outputTokens !== undefined && !isInt(outputTokens, 1))
    issues.push(expected('output_tokens', 'an integer >= 1', outputTokens));
  const timed = timestamp !== undefined;
  if (timed && !(typeof timestamp === 'number' && Number.isFinite(timestamp) && timestamp >= 0)) {
    issues.push(expected('timestamp', 'a number >= 0 (ms)', timestamp));
  }

  let body: { kind: 'text'; prompt: string } | { kind: 'messages'; messages: Message[] } | undefined;
  if (v.prompt !== undefined && v.messages !== undefined) {
    issues.push({ path: 'messages', message: 'expected prompt or messages, not both' });
  } else if (v.messages !== undefined) {
    const messages = messagesOf(v.messages, issues);
    if (messages !== undefined) body = { kind: 'messages', messages };
  } else if (typeof v.prompt === 'string' && v.prompt !== '') {
    body = { kind: 'text', prompt: v.prompt };
  } else {
    issues.push(
      v.prompt === undefined
        ? {
            path: '',
            message:
              'required field is missing; expected prompt (a non-empty string) or messages (a list of chat messages)',
          }
        : expected('prompt', 'a non-empty string', v.prompt),
    );
  }
  const gapsMs = gapsOf(v.wirebench, issues);
  if (issues.length > 0 || body === undefined) return { issues };
  const record: DatasetRecord = {
    line,
    ...body,
    ...(outputTokens !== undefined && { outputTokens: outputTokens as number }),
    ...(gapsMs !== undefined && { gapsMs }),
  };
  return timed ? { record, time: timestamp as number } : { record };
}

/** `wirebench.gaps_ms`, when the record has it: a list of pauses (ms ≥ 0), one per turn. */
function gapsOf(block: unknown, issues: RecordIssue[]): number[] | undefined {
  if (block === undefined) return undefined;
  const gaps = isObject(block) ? block.gaps_ms : undefined;
  if (gaps === undefined) return undefined;
  if (!Array.isArray(gaps) || !gaps.every((g) => typeof g === 'number' && Number.isFinite(g) && g >= 0)) {
    issues.push(expected('wirebench.gaps_ms', 'a list of pauses in ms (numbers >= 0)', gaps));
    return undefined;
  }
  return gaps as number[];
}

function messagesOf(value: unknown, issues: RecordIssue[]): Message[] | undefined {
  if (!Array.isArray(value) || value.length === 0) {
    issues.push(expected('messages', 'a non-empty list of chat messages ({ role, content })', value));
    return undefined;
  }
  const before = issues.length;
  const messages: Message[] = [];
  value.forEach((m: unknown, k) => {
    const path = `messages[${k}]`;
    if (!isObject(m)) {
      issues.push(expected(path, 'a chat message ({ role, content })', m));
      return;
    }
    const role = ROLES.get(m.role);
    if (role === undefined)
      issues.push(expectedField(`${path}.role`, 'one of system | developer | user | assistant', m.role));
    const text = textOf(m.content, `${path}.content`, issues);
    if (role !== undefined && text !== undefined) messages.push({ role, text });
  });
  if (issues.length > before) return undefined;
  if (!messages.some((m) => m.role === 'user')) {
    issues.push({ path: 'messages', message: 'expected at least one message with role "user", got none' });
    return undefined;
  }
  return messages;
}

/** A string, or text parts joined by line breaks (as vLLM joins them for its chat templates). */
function textOf(content: unknown, path: string, issues: RecordIssue[]): string | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) {
    issues.push(expectedField(path, 'a string or a list of text parts ([{ "type": "text", "text": … }])', content));
    return undefined;
  }
  const texts: string[] = [];
  for (const [k, part] of content.entries()) {
    const at = `${path}[${k}]`;
    if (!isObject(part)) issues.push(expected(at, 'a text part ({ "type": "text", "text": … })', part));
    else if (part.type !== 'text') issues.push(expectedField(`${at}.type`, '"text" (only text is sent)', part.type));
    else if (typeof part.text !== 'string') issues.push(expectedField(`${at}.text`, 'a string', part.text));
    else texts.push(part.text);
  }
  return texts.length === content.length ? texts.join('\n') : undefined;
}
