/**
 * `mooncake`: the Mooncake trace's JSONL, `{ timestamp, input_length, output_length, hash_ids }`. The
 * hash ids name the prompt's 512-token blocks, equal ids meaning a shared prefix; they pass through as read.
 * This is the path of multi-million-line traces, so it is a straight hand check.
 */
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

export function decodeMooncake(text: string, line: number): Parsed {
  const json = parseJson(text);
  if (!('value' in json)) return failed(json);
  const v = json.value;
  if (!isObject(v))
    return failed(expected('', 'a JSON object ({ "timestamp", "input_length", "output_length", "hash_ids" })', v));
  const { timestamp, input_length: input, output_length: output, hash_ids: hashIds } = v;
  const issues: RecordIssue[] = [];
  if (!isInt(timestamp, 0)) issues.push(expectedField('timestamp', 'an integer >= 0 (ms)', timestamp));
  if (!isInt(input, 1)) issues.push(expectedField('input_length', 'an integer >= 1', input));
  if (!isInt(output, 1)) issues.push(expectedField('output_length', 'an integer >= 1', output));
  if (hashIds !== undefined) {
    if (!Array.isArray(hashIds)) issues.push(expected('hash_ids', 'a list of integers >= 0', hashIds));
    else {
      const bad = hashIds.findIndex((id) => !isInt(id, 0));
      if (bad !== -1) issues.push(expected(`hash_ids[${bad}]`, 'an integer >= 0', hashIds[bad]));
    }
  }
  if (issues.length > 0) return { issues };
  return {
    record: {
      line,
      kind: 'length',
      inputTokens: input as number,
      outputTokens: output as number,
      ...(hashIds !== undefined && { hashIds: hashIds as number[] }),
    },
    time: timestamp as number,
  };
}
