import { describe, expect, it } from 'vitest';

import { indexDataset } from '../../../src/workload/dataset/index.js';
import { datasetFile, failure, jsonLines } from './helpers.js';

const MOONCAKE = { timestamp: 0, input_length: 10, output_length: 2, hash_ids: [1] };
const AZURE = 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.6805900,4808,10\n';
const BURSTGPT =
  'Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n5,ChatGPT,472,18,490,Conversation log\n';
const SHAREGPT = JSON.stringify([{ id: 'a', conversations: [{ from: 'human', value: 'q' }] }]);

describe('format detection', () => {
  it.each([
    ['trace.jsonl', jsonLines([MOONCAKE]), 'mooncake'],
    ['lengths.jsonl', jsonLines([{ timestamp: 0, input_length: 10, output_length: 2 }]), 'mooncake'],
    [
      'ids.ndjson',
      `\n\n${jsonLines([{ hash_ids: [1], timestamp: 0, input_length: 1, output_length: 1 }])}`,
      'mooncake',
    ],
    ['prompts.jsonl', jsonLines([{ prompt: 'a', timestamp: 5 }]), 'jsonl'],
    ['chat.NDJSON', jsonLines([{ messages: [{ role: 'user', content: 'a' }] }]), 'jsonl'],
    ['azure.csv', AZURE, 'azure-csv'],
    ['azure-bom.CSV', `\uFEFF${AZURE}`, 'azure-csv'],
    ['burst.csv', BURSTGPT, 'burstgpt-csv'],
    ['burst-spaced.csv', BURSTGPT.replace('Request tokens', ' request tokens '), 'burstgpt-csv'],
    ['sharegpt.json', SHAREGPT, 'sharegpt'],
  ])('%s → %s', async (name, text, format) => {
    const index = await indexDataset(datasetFile(name, text));
    expect(index).toMatchObject({ format, detected: true, records: 1 });
  });

  it('a format given wins over the name, and is not "detected"', async () => {
    const index = await indexDataset(datasetFile('export.txt', jsonLines([MOONCAKE])), 'mooncake');
    expect(index).toMatchObject({ format: 'mooncake', detected: false, records: 1 });
    // Given as jsonl, a Mooncake line is a jsonl record without a prompt.
    expect((await failure('trace.jsonl', jsonLines([MOONCAKE]), 'jsonl')).text).toContain(
      'trace.jsonl:1:1 required field is missing; expected prompt',
    );
  });

  it('a first line that is not JSON reads as jsonl, which reports it', async () => {
    expect((await failure('broken.jsonl', 'not json\n')).text).toMatch(/^broken\.jsonl:1:1 invalid JSON: /);
  });

  it('an unknown CSV header, or name, asks for dataset.format', async () => {
    expect((await failure('other.csv', 'a,b,c\n1,2,3\n')).text).toBe(
      'other.csv:1:1 cannot tell the trace from its header (expected Azure\'s TIMESTAMP,ContextTokens,GeneratedTokens or BurstGPT\'s Timestamp,Model,Request tokens,Response tokens,…), got "a,b,c"; set dataset.format',
    );
    expect((await failure('data', SHAREGPT)).text).toContain('set dataset.format to one of');
  });
});
