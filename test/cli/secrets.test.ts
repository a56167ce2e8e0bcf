import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { assertBuilt, runCli, tempDir } from './helpers.js';

/**
 * Secrets never reach a file or a log: the key comes from the environment, the endpoint even echoes it
 * back in its error messages (as real APIs do: "Incorrect API key provided: sk-…"), and still no output
 * file, stdout or stderr contains it.
 */
const KEY = 'sk-test-5f1c9e0b7a2d4c68b3e1f0a9d8c7b6a5';
const CUSTOM = 'tok-custom-77e1a0c3d5b9';
const { dir, cleanup } = tempDir();
let server: http.Server;
let url: string;

beforeAll(async () => {
  assertBuilt();
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const auth = String(req.headers.authorization ?? '');
      const custom = String(req.headers['x-custom-token'] ?? '');
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: { code: 'invalid_api_key', message: `Incorrect API key provided: ${auth} (${custom})` },
        }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  cleanup();
});

function filesUnder(root: string): string[] {
  return readdirSync(root, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(path.join(root, e.name)) : [path.join(root, e.name)],
  );
}

describe('secrets', () => {
  it('an API key from the environment, echoed by the endpoint, appears in no output file or log', async () => {
    const file = path.join(dir, 'secret.yaml');
    writeFileSync(
      file,
      `name: secret
target: ${url}
headers:
  authorization: "Bearer \${env:WB_TEST_KEY}"
  x-custom-token: "\${env:WB_CUSTOM}"
redact: [x-custom-token]
variants:
  - { protocol: openai-responses, connection: http-keepalive }
  - { protocol: openai-chat, connection: http-fresh }
load: { kind: closed, requests: 3 }
`,
    );
    const out = path.join(dir, 'out');
    const o = await runCli(['run', file, '--out', out], { env: { WB_TEST_KEY: KEY, WB_CUSTOM: CUSTOM } });
    // Every request is refused (the key is made up), so the run itself fails: exit 3, results written.
    expect(o.code, o.stderr).toBe(3);
    const files = filesUnder(out);
    expect(files.map((f) => path.basename(f))).toEqual(expect.arrayContaining(['result.json', 'requests.jsonl']));
    // The errors were recorded — with the key scrubbed out of the message, not dropped.
    const lines = readFileSync(path.join(out, 'requests.jsonl'), 'utf8');
    expect(lines).toContain('Incorrect API key provided: [redacted]');
    expect(lines).toContain('invalid_api_key');
    for (const text of [...files.map((f) => readFileSync(f, 'utf8')), o.stdout, o.stderr]) {
      expect(text).not.toContain(KEY);
      expect(text).not.toContain(KEY.slice(3));
      expect(text).not.toContain(CUSTOM);
    }
    const result = JSON.parse(readFileSync(path.join(out, 'result.json'), 'utf8'));
    // The file's own references stay readable: they name the variable, not its value.
    expect(result.scenario.headers.authorization).toBe('Bearer ${env:WB_TEST_KEY}');
  });
});
