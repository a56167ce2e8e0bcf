import { describe, expect, it } from 'vitest';

import { parseScenario } from '../../src/scenario/load.js';
import { scenarioFailure } from './helpers.js';

const scenario = (variant: string): string => `name: t
target: embedded
variants:
  - ${variant}
`;

/** The message a scenario text is rejected with. */
const failure = (text: string): string => scenarioFailure(text).message;

const OK = '{ path: /api/generate, body: { prompt: "{{prompt}}" }, response: ndjson, select: { delta: /response } }';

describe('protocol: generic (scenario file)', () => {
  it('takes its configuration from the variant', () => {
    const { scenario: s } = parseScenario(
      scenario(`{ protocol: generic, connection: http-keepalive, generic: ${OK} }`),
      's.yaml',
      {},
    );
    expect(s.variants[0]).toMatchObject({
      protocol: 'generic',
      generic: { path: '/api/generate', response: 'ndjson' },
    });
  });

  it('needs the configuration, and only with protocol generic', () => {
    expect(failure(scenario('{ protocol: generic, connection: http-keepalive }'))).toMatch(
      /variants\[0\]\.generic: protocol generic needs its generic: configuration/,
    );
    expect(failure(scenario(`{ protocol: openai-chat, connection: http-keepalive, generic: ${OK} }`))).toMatch(
      /generic: applies to protocol generic only, not openai-chat/,
    );
  });

  it('reports a bad pointer or placeholder at the block, and a WebSocket policy without generic.ws', () => {
    expect(
      failure(
        scenario(`{ protocol: generic, connection: http-keepalive, generic: ${OK.replace('/response', 'response')} }`),
      ),
    ).toMatch(/generic\.select\.delta: expected a JSON pointer/);
    expect(
      failure(
        scenario(
          `{ protocol: generic, connection: http-keepalive, generic: ${OK.replace('{{prompt}}', '{{promt}}')} }`,
        ),
      ),
    ).toMatch(/variants\[0\]\.generic: generic protocol: .*promt/);
    expect(failure(scenario(`{ protocol: generic, connection: ws-persistent, generic: ${OK} }`))).toMatch(
      /needs generic\.ws/,
    );
  });

  it('a WebSocket-only protocol refuses HTTP connections', () => {
    expect(failure(scenario('{ protocol: openai-realtime, connection: http-keepalive }'))).toMatch(
      /variants\[0\]\.connection: connection http-keepalive needs a protocol with an HTTP mode; openai-realtime is WebSocket only/,
    );
  });
});
