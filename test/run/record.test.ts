import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

import type { RequestLine } from '../../src/result/requests/line.js';
import type { Result } from '../../src/result/result.js';
import { record, WORKLOAD_FILE } from '../../src/run/record.js';
import { runScenario } from '../../src/run/runner.js';
import { parseScenario } from '../../src/scenario/load.js';
import { type RunningServer, startServer } from '../../src/server/index.js';

/**
 * A recorded agent session replays with `wirebench run`: the same sessions, turns, chains and output
 * lengths, over another transport than the one recorded.
 */
const dir = mkdtempSync(path.join(os.tmpdir(), 'wirebench-record-'));
let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ ttftMs: 5, tps: 5000, outputTokens: 100 });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One WebSocket turn: the id of the response it got. */
function wsTurn(ws: WebSocket, max: number, previous?: string): Promise<string> {
  return new Promise((resolve) => {
    const onMessage = (data: Buffer): void => {
      const ev = JSON.parse(data.toString()) as { type: string; response?: { id: string } };
      if (ev.type !== 'response.completed') return;
      ws.off('message', onMessage);
      resolve(ev.response!.id);
    };
    ws.on('message', onMessage);
    const prev = previous === undefined ? {} : { previous_response_id: previous };
    ws.send(JSON.stringify({ type: 'response.create', model: 'm', input: 'go on', max_output_tokens: max, ...prev }));
  });
}

/** One streamed HTTP request: the id of the response it got. */
async function httpTurn(base: string, max: number, previous?: string): Promise<string> {
  const prev = previous === undefined ? {} : { previous_response_id: previous };
  const res = await request(`${base}/v1/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'm', input: 'go on', max_output_tokens: max, stream: true, ...prev }),
  });
  const text = await res.body.text();
  return /"type":"response\.completed".*?"id":"(resp_[^"]+)"/.exec(text)![1];
}

/** `record` in front of the reference server, listening: its URL, and `stop` to end it and await its files. */
async function startRecording(
  outDir: string,
  keepContent = false,
): Promise<{ url: string; stop: () => Promise<void> }> {
  let stopping = false;
  let url = '';
  let recording: Promise<unknown> = Promise.resolve();
  await new Promise<void>((resolve) => {
    recording = record({
      host: '127.0.0.1',
      port: 0,
      target: new URL(server.url),
      outDir,
      keepContent,
      stopping: () => stopping,
      log: () => {},
      listening: (u) => {
        url = u;
        resolve();
      },
    });
  });
  return {
    url,
    stop: async () => {
      stopping = true;
      await recording;
    },
  };
}

describe('record → workload.jsonl → run', () => {
  const out = path.join(dir, 'recorded');
  let workload: { messages: { role: string; content: string }[]; wirebench: { gaps_ms: number[] } }[];

  beforeAll(async () => {
    const { url: proxyUrl, stop } = await startRecording(out);
    // An agent over WebSocket: three chained turns, with tool time between them.
    const ws = new WebSocket(`${proxyUrl.replace('http', 'ws')}/v1/responses`);
    await new Promise((r) => ws.once('open', r));
    let id = await wsTurn(ws, 5);
    await pause(40);
    id = await wsTurn(ws, 8, id);
    await pause(40);
    await wsTurn(ws, 12, id);
    ws.close();
    // Another over HTTP: two chained turns; and a request of its own.
    await httpTurn(proxyUrl, 6, await httpTurn(proxyUrl, 7));
    await httpTurn(proxyUrl, 4);
    await stop();
    workload = readFileSync(path.join(out, WORKLOAD_FILE), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as (typeof workload)[number]);
  });

  it('writes a session per chain, each turn as long as recorded, the gaps between turns along', () => {
    const lengths = workload.map((s) =>
      s.messages.filter((m) => m.role === 'assistant').map((m) => countTokens(m.content)),
    );
    expect(lengths).toEqual([[5, 8, 12], [7, 6], [4]]);
    for (const s of workload)
      expect(s.messages.map((m) => m.role)).toEqual(s.messages.map((_, k) => (k % 2 === 0 ? 'user' : 'assistant')));
    const gaps = workload[0].wirebench.gaps_ms;
    expect(gaps[0]).toBe(0);
    expect(gaps[1]).toBeGreaterThanOrEqual(40);
    expect(gaps[2]).toBeGreaterThanOrEqual(40);
    // The recording's own result is there too.
    const result = JSON.parse(readFileSync(path.join(out, 'result.json'), 'utf8')) as Result;
    expect(result.variants.map((v) => [v.name, v.counts.ok])).toEqual([
      ['openai-responses-ws', 3],
      ['openai-responses-http', 3],
    ]);
  });

  it('replays over ws-persistent and http-keepalive with the same sessions, turns, chains, lengths and pauses', async () => {
    const yaml = `name: replay
target: ${server.url}
dataset: { path: ${path.join(out, WORKLOAD_FILE)} }
variants:
  - { name: ws, protocol: openai-responses, connection: ws-persistent }
  - { name: http, protocol: openai-responses, connection: http-keepalive }
load: { kind: session, concurrency: 1, sessions: 3, history: chain, tool_time: recorded }
`;
    const file = path.join(dir, 'replay.yaml');
    writeFileSync(file, yaml);
    const loaded = parseScenario(yaml, file, {});
    const replayOut = path.join(dir, 'replay');
    const { result } = await runScenario({
      loaded,
      scenario: loaded.scenario,
      outDir: replayOut,
      log: () => {},
      stopping: () => false,
    });
    const lines = readFileSync(path.join(replayOut, 'requests.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as RequestLine);
    for (const v of result.variants) {
      expect(v.sessions, v.name).toMatchObject({ total: 3, ok: 3 });
      const mine = lines
        .filter((l) => l.variant === v.name)
        .sort((a, b) => a.session! - b.session! || a.turn! - b.turn!);
      const bySession = [0, 1, 2].map((s) => mine.filter((l) => l.session === s));
      expect(
        bySession.map((turns) => turns.map((l) => l.output_tokens)),
        v.name,
      ).toEqual([[5, 8, 12], [7, 6], [4]]);
      // Every turn after a session's first is chained to the answer before it.
      for (const turns of bySession)
        turns.forEach((l, k) =>
          expect(l.previous_response_id, v.name).toBe(k === 0 ? undefined : turns[k - 1].response_id),
        );
      // Each turn waited the recorded pause after the previous one's answer (a timer never fires early).
      const agent = bySession[0];
      for (const k of [1, 2]) {
        const pauseMs = agent[k].start_ms - (agent[k - 1].start_ms + agent[k - 1].phases.doneAt);
        expect(pauseMs, `${v.name} turn ${k}`).toBeGreaterThanOrEqual(workload[0].wirebench.gaps_ms[k] - 1);
      }
    }
  });
});

describe('record --keep-content', () => {
  it('keeps each turn’s new input and the answer’s text, as sent and received', async () => {
    const out = path.join(dir, 'content');
    const { url, stop } = await startRecording(out, true);
    const ws = new WebSocket(`${url.replace('http', 'ws')}/v1/responses`);
    await new Promise((r) => ws.once('open', r));
    const answers: string[] = [];
    let previous: string | undefined;
    for (const input of ['first question', 'and a second one']) {
      previous = await new Promise<string>((resolve) => {
        let text = '';
        const onMessage = (data: Buffer): void => {
          const ev = JSON.parse(data.toString()) as { type: string; delta?: string; response?: { id: string } };
          if (ev.type === 'response.output_text.delta') text += ev.delta;
          if (ev.type !== 'response.completed') return;
          ws.off('message', onMessage);
          answers.push(text);
          resolve(ev.response!.id);
        };
        ws.on('message', onMessage);
        const prev = previous === undefined ? {} : { previous_response_id: previous };
        ws.send(JSON.stringify({ type: 'response.create', model: 'm', input, max_output_tokens: 6, ...prev }));
      });
    }
    ws.close();
    await stop();
    const [session] = readFileSync(path.join(out, WORKLOAD_FILE), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { messages: { role: string; content: string }[] });
    expect(session.messages).toEqual([
      { role: 'user', content: 'first question' },
      { role: 'assistant', content: answers[0] },
      { role: 'user', content: 'and a second one' },
      { role: 'assistant', content: answers[1] },
    ]);
  });
});
