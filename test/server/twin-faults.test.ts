import { describe, expect, it } from 'vitest';

import type { HttpProtocol } from '../../src/core/types.js';
import { anthropicMessages } from '../../src/protocols/anthropic-messages.js';
import { presetAdapter } from '../../src/protocols/generic-presets.js';
import { FAULT_AFTER_TOKENS } from '../../src/server/faults.js';
import { type ServerOptions, startServer } from '../../src/server/index.js';
import { decodeFrom } from './decode.js';

const PROTOCOLS: ReadonlyArray<[string, HttpProtocol]> = [
  ['anthropic-messages', anthropicMessages.http],
  ['ollama-generate', presetAdapter('ollama-generate').http],
  ['ollama-chat', presetAdapter('ollama-chat').http],
  ['tgi-generate-stream', presetAdapter('tgi-generate-stream').http],
];
const input = { model: 'm', prompt: 'hi', maxOutputTokens: 100, extra: {} };

async function decodeWith(opts: Partial<ServerOptions>, protocol: HttpProtocol) {
  const s = await startServer({ ttftMs: 1, tps: 20_000, outputTokens: 8, ...opts });
  try {
    return await decodeFrom(s.url, protocol, input);
  } finally {
    await s.close();
  }
}

describe("injected faults, in each twin's own shape, as its adapter reads them", () => {
  it.each(PROTOCOLS)(
    "%s: mid-stream-error is the protocol's error event after the first tokens",
    async (kind, protocol) => {
      const { sink } = await decodeWith({ faults: { 'mid-stream-error': 1 } }, protocol);
      expect(sink.deltas()).toHaveLength(FAULT_AFTER_TOKENS);
      const [what, , cls, code] = sink.calls.at(-1)!;
      expect(what).toBe('error');
      const expected: Record<string, [string, string | undefined]> = {
        'anthropic-messages': ['server_error', 'overloaded_error'],
        'ollama-generate': ['protocol', undefined],
        'ollama-chat': ['protocol', undefined],
        'tgi-generate-stream': ['protocol', 'generation'],
      };
      expect([cls, code]).toEqual(expected[kind]);
    },
  );

  it.each(PROTOCOLS)('%s: malformed is an event that is not JSON after the first tokens', async (_kind, protocol) => {
    const { sink } = await decodeWith({ stamp: true, faults: { malformed: 1 } }, protocol);
    expect(sink.deltas()).toHaveLength(FAULT_AFTER_TOKENS);
    const last = sink.calls.at(-1)!;
    expect([last[0], last[2], last[3]]).toEqual(['error', 'protocol', 'malformed_event']);
  });

  it.each(PROTOCOLS)('%s: reset drops the connection after the first tokens', async (_kind, protocol) => {
    await expect(decodeWith({ faults: { reset: 1 } }, protocol)).rejects.toThrow();
  });
});
