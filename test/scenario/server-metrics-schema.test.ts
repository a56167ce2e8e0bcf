import { describe, expect, it } from 'vitest';

import { parseScenario } from '../../src/scenario/load.js';
import { scenarioFailure } from './helpers.js';

const scenario = (target: string, block: string): string => `name: t
target: ${target}
variants:
  - { protocol: openai-responses, connection: http-keepalive }
server_metrics: ${block}
`;

describe('server_metrics (scenario file)', () => {
  it('gets its defaults, and may leave out the URL with the embedded target', () => {
    const s = parseScenario(scenario('embedded', '{ preset: wirebench }'), 's.yaml', {}).scenario;
    expect(s.server_metrics).toEqual({ preset: 'wirebench', labels: {}, timeout_ms: 2000 });
  });

  it('takes a URL, labels and a timeout', () => {
    const block = '{ url: "http://gpu:8000/metrics", preset: vllm, labels: { model_name: m }, timeout_ms: 500 }';
    const s = parseScenario(scenario('http://gpu:8000', block), 's.yaml', {}).scenario;
    expect(s.server_metrics).toEqual({
      url: 'http://gpu:8000/metrics',
      preset: 'vllm',
      labels: { model_name: 'm' },
      timeout_ms: 500,
    });
  });

  it.each([
    [
      'no URL for a remote target',
      'http://gpu:8000',
      '{ preset: vllm }',
      /server_metrics\.url.*required unless target: embedded/,
    ],
    ['an unknown preset', 'embedded', '{ preset: triton }', /server_metrics\.preset.*vllm.*sglang.*tgi.*wirebench/s],
    [
      'a URL that is not http(s)',
      'embedded',
      '{ url: "ftp://x/metrics", preset: vllm }',
      /server_metrics\.url.*http:\/\/ or https:\/\//,
    ],
    ['an unknown key', 'embedded', '{ preset: vllm, every: 5 }', /server_metrics.*every/],
  ])('refuses %s, naming the place', (_what, target, block, message) => {
    expect(scenarioFailure(scenario(target, block)).message).toMatch(message);
  });
});
