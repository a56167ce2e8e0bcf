/**
 * `sharegpt`: one element of the ShareGPT array, `{ id, conversations: [{ from, value }] }`, becomes a
 * `messages` record holding the whole conversation in order (assistant turns included: what part of it
 * to send is the load's choice). Real files hold empty conversations and ones without a human turn:
 * those are skipped and counted, not errors.
 */
import type { Message } from '../types.js';
import { expected, expectedField, failed, isObject, type Parsed, parseJson, type RecordIssue } from './fields.js';

const FROM = new Map<unknown, Message['role']>([
  ['human', 'user'],
  ['user', 'user'],
  ['gpt', 'assistant'],
  ['chatgpt', 'assistant'],
  ['assistant', 'assistant'],
  ['bard', 'assistant'],
  ['bing', 'assistant'],
  ['model', 'assistant'],
  ['system', 'system'],
]);

const NO_HUMAN_TURN = 'conversations without a human turn';
const EMPTY_CONVERSATION = 'empty conversations';

export function decodeShareGpt(text: string, line: number, ordinal: number): Parsed {
  const at = `[${ordinal}]`;
  const json = parseJson(text, at);
  if (!('value' in json)) return failed(json);
  const v = json.value;
  if (!isObject(v))
    return failed(expected(at, 'a conversation ({ "id": …, "conversations": [{ "from", "value" }, …] })', v));
  const turns = v.conversations;
  if (!Array.isArray(turns))
    return failed(expectedField(`${at}.conversations`, 'a list of turns ([{ "from", "value" }, …])', turns));
  if (turns.length === 0) return { skip: EMPTY_CONVERSATION };

  const issues: RecordIssue[] = [];
  const messages: Message[] = [];
  turns.forEach((turn: unknown, k) => {
    const path = `${at}.conversations[${k}]`;
    if (!isObject(turn)) {
      issues.push(expected(path, 'a turn ({ "from", "value" })', turn));
      return;
    }
    // Case varies between ShareGPT derivatives ("Human", "GPT").
    const role = FROM.get(typeof turn.from === 'string' ? turn.from.toLowerCase() : turn.from);
    if (role === undefined) {
      issues.push(
        expectedField(
          `${path}.from`,
          'human | gpt | system (or user, chatgpt, assistant, bard, bing, model)',
          turn.from,
        ),
      );
    }
    if (typeof turn.value !== 'string') issues.push(expectedField(`${path}.value`, 'a string', turn.value));
    else if (role !== undefined) messages.push({ role, text: turn.value });
  });
  if (issues.length > 0) return { issues };
  // A human turn with no text asks nothing: it does not make the conversation a request.
  if (!messages.some((m) => m.role === 'user' && m.text.trim() !== '')) return { skip: NO_HUMAN_TURN };
  return { record: { line, kind: 'messages', messages } };
}
