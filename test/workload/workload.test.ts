import { encode } from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';

import { type ItemContext, recordItem } from '../../src/workload/items.js';
import { PromptSynth } from '../../src/workload/prompt.js';
import type { DatasetRecord, WorkItem } from '../../src/workload/types.js';
import { Workload, type WorkloadSpec } from '../../src/workload/workload.js';

function spec(request: Partial<WorkloadSpec['request']>): WorkloadSpec {
  return {
    request: { shared_prefix_tokens: 0, prefix_groups: 1, max_output_tokens: 50, seed: 1, ...request },
    load: { kind: 'closed' },
  };
}

/** The first `n` items of each of `slots` variant slots. */
function items(w: Workload, slots: number, n: number): WorkItem[][] {
  return Array.from({ length: slots }, (_, slot) => {
    const feed = w.feed(slot, slots);
    return Array.from({ length: n }, () => feed.take()!);
  });
}

describe('a workload of synthesized prompts', () => {
  it('no two requests of a run share a first token, across variants and sweep steps, each prompt exactly its length', () => {
    const all = items(new Workload(spec({ prompt_tokens: 64 }), 17), 6, 400).flat();
    const firsts = all.map((x) => encode(x.prompt!)[0]);
    expect(new Set(firsts).size).toBe(all.length);
    for (const x of all.slice(0, 50)) expect(encode(x.prompt!)).toHaveLength(64);
  });

  it('every variant gets the same lengths in the same order; another seed, other lengths', () => {
    const request = {
      prompt_tokens: { distribution: 'lognormal' as const, mean: 500, stddev: 300, min: 10, max: 4000 },
    };
    const [a, b] = items(new Workload(spec(request), 1), 2, 200);
    const lengths = (xs: WorkItem[]) => xs.map((x) => [x.promptTokens, x.maxOutputTokens]);
    expect(lengths(a)).toEqual(lengths(b));
    expect(new Set(a.map((x) => x.promptTokens)).size).toBeGreaterThan(100);
    const [c] = items(new Workload(spec({ ...request, seed: 2 }), 1), 1, 200);
    expect(lengths(c)).not.toEqual(lengths(a));
  });

  it('shared_prefix_tokens: 1024 — every prompt of a variant starts with the same 1024 tokens and then differs', () => {
    const [a, b] = items(new Workload(spec({ prompt_tokens: 2048, shared_prefix_tokens: 1024 }), 5), 2, 20);
    const tokens = a.map((x) => encode(x.prompt!));
    for (const t of tokens) {
      expect(t).toHaveLength(2048);
      expect(t.slice(0, 1024)).toEqual(tokens[0].slice(0, 1024));
    }
    expect(new Set(tokens.map((t) => t[1024])).size).toBe(tokens.length);
    // The other variant's prefix is its own: it never reads the cache this one filled.
    expect(encode(b[0].prompt!)[0]).not.toBe(tokens[0][0]);
  });

  it('prefix groups take turns; `all` makes prompts identical; a literal prompt gets a unique tag unless `all`', () => {
    const [g] = items(new Workload(spec({ prompt_tokens: 600, shared_prefix_tokens: 512, prefix_groups: 3 }), 5), 1, 6);
    const head = (x: WorkItem) => encode(x.prompt!).slice(0, 512).join();
    expect(head(g[0])).toBe(head(g[3]));
    expect(new Set(g.slice(0, 3).map(head)).size).toBe(3);
    const [same] = items(new Workload(spec({ prompt_tokens: 300, shared_prefix_tokens: 'all' }), 5), 1, 3);
    expect(new Set(same.map((x) => x.prompt)).size).toBe(1);
    const [lit] = items(new Workload(spec({ prompt: 'Say hi.' }), 5), 1, 3);
    expect(lit.every((x) => x.prompt!.endsWith('\nSay hi.'))).toBe(true);
    expect(new Set(lit.map((x) => x.prompt)).size).toBe(3);
    const [verbatim] = items(new Workload(spec({ prompt: 'Say hi.', shared_prefix_tokens: 'all' }), 5), 1, 2);
    expect(verbatim.map((x) => x.prompt)).toEqual(['Say hi.', 'Say hi.']);
  });

  it('records what it is in result.json terms', () => {
    expect(new Workload(spec({ prompt_tokens: 64, shared_prefix_tokens: 32, prefix_groups: 2 }), 9).info()).toEqual({
      source: 'synthesized',
      prompts: 'shared prefix',
      prompt_tokens: 64,
      shared_prefix_tokens: 32,
      prefix_groups: 2,
      max_output_tokens: 50,
      seed: 1,
      salt: 9,
    });
  });
});

describe('dataset records as requests', () => {
  const ctx = (tag = ''): ItemContext => ({
    synth: new PromptSynth(3),
    slot: 1,
    slots: 2,
    seed: 1,
    maxOutput: 77,
    tag,
    isolate: true,
  });
  const chat = (over: Partial<DatasetRecord> = {}): DatasetRecord =>
    ({
      kind: 'messages',
      line: 4,
      messages: [
        { role: 'system', text: 'sys' },
        { role: 'user', text: 'q1' },
        { role: 'assistant', text: 'a one two three' },
        { role: 'user', text: 'q2' },
        { role: 'assistant', text: 'a2' },
      ],
      ...over,
    }) as DatasetRecord;

  it('a chat record sends everything up to its last question; ShareGPT its first, as vLLM replays it', () => {
    const jsonl = recordItem(ctx(), chat(), 0, 'jsonl', false);
    expect(jsonl.messages!.map((m) => m.text)).toEqual(['sys', 'q1', 'a one two three', 'q2']);
    expect(jsonl.maxOutputTokens).toBe(encode('a2').length);
    const share = recordItem(ctx('TAG '), chat(), 0, 'sharegpt', false);
    expect(share.messages!.map((m) => m.text)).toEqual(['TAG sys', 'q1']);
    expect(share.maxOutputTokens).toBe(encode('a one two three').length);
    expect(recordItem(ctx(), chat({ outputTokens: 9 }), 0, 'jsonl', false).maxOutputTokens).toBe(9);
    expect(share.record).toBe(4);
  });

  it('a conversation for a session keeps every turn, asking per question for its recorded reply’s length', () => {
    const c = recordItem(ctx(), chat(), 0, 'sharegpt', true);
    expect(c.messages).toHaveLength(5);
    expect(c.turnOutputTokens).toEqual([encode('a one two three').length, encode('a2').length]);
    // A question without a recorded reply asks the scenario's length.
    const open = chat({ messages: [{ role: 'user', text: 'only' }] });
    expect(recordItem(ctx(), open, 0, 'jsonl', true).turnOutputTokens).toEqual([77]);
  });

  it('a length record is synthesized to its length; its hash ids are its variant’s own blocks', () => {
    const rec: DatasetRecord = {
      kind: 'length',
      line: 2,
      inputTokens: 1100,
      hashIds: [5, 6, 7],
      outputTokens: 12,
      timestampMs: 40,
    };
    const a = recordItem(ctx(), rec, 0, 'mooncake', false);
    const again = recordItem(ctx(), rec, 1, 'mooncake', false);
    expect(encode(a.prompt!)).toHaveLength(1100);
    expect(a).toMatchObject({ promptTokens: 1100, maxOutputTokens: 12, record: 2, atMs: 40 });
    // The same ids in the same variant are the same text, whichever request sends them.
    expect(again.prompt).toBe(a.prompt);
    const other = recordItem({ ...ctx(), slot: 0 }, rec, 0, 'mooncake', false);
    expect(encode(other.prompt!)[0]).not.toBe(encode(a.prompt!)[0]);
  });
});
