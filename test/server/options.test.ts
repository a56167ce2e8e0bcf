import { readFileSync } from 'node:fs';
import path from 'node:path';

import { Command } from 'commander';
import { describe, expect, it } from 'vitest';

import { serveCommand } from '../../src/cli/serve.js';
import { serverOptions } from '../../src/run/run-inputs.js';
import { scenarioJsonSchema } from '../../src/scenario/json-schema.js';
import { ServerOptionsSchema } from '../../src/scenario/server-options.js';
import { type OptionSpec, rangeText } from '../../src/server/option-spec.js';
import { DEFAULT_SERVER_OPTIONS, OPTION_LIST, validateOptions } from '../../src/server/options.js';

const README = path.join(import.meta.dirname, '../../README.md');

const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** The README's table of server options, as the schema gives it. */
function optionsTable(): string {
  const code = (s: string) => `\`${s}\``;
  const flag = (spec: OptionSpec) =>
    spec.kind === 'boolean'
      ? `--${spec.flag}`
      : spec.kind === 'faults'
        ? `--${spec.flag} CLASS=P,…`
        : `--${spec.flag} ${spec.arg.toUpperCase()}`;
  const value = (spec: OptionSpec) =>
    spec.kind === 'int' || spec.kind === 'number'
      ? rangeText(spec, spec.min)
      : { boolean: 'true or false', string: 'an address', faults: 'class: probability, summing to at most 1' }[
          spec.kind
        ];
  const dflt = (spec: OptionSpec) => {
    const shown = code(JSON.stringify(spec.default).replace(/^"(.*)"$/, '$1'));
    return spec.kind === 'boolean' && spec.scenarioDefault !== undefined
      ? `${code(String(spec.scenarioDefault))} (\`serve\`: ${shown})`
      : shown;
  };
  const rows = OPTION_LIST.map(
    ([, spec]) =>
      `| ${spec.scenario === undefined ? '–' : code(spec.scenario)} | ${code(flag(spec))} | ${value(spec)} | ${dflt(spec)} | ${spec.description} |`,
  );
  return ['| `server:` key | `serve` flag | value | default | what |', '|---|---|---|---|---|', ...rows].join('\n');
}

describe('the server options schema', () => {
  it('names every option after its key: snake_case in scenarios, kebab-case flags (--fault: one spec of many faults)', () => {
    for (const [key, spec] of OPTION_LIST) {
      if (spec.scenario !== undefined) expect(spec.scenario).toBe(snake(key));
      expect(spec.flag).toBe(key === 'faults' ? 'fault' : kebab(key));
    }
  });

  it('gives a scenario the server defaults, except stamp, with tls off', () => {
    const { host: _h, port: _p, ...defaults } = DEFAULT_SERVER_OPTIONS;
    expect(serverOptions(ServerOptionsSchema.parse({}))).toEqual({ ...defaults, stamp: true, tls: false });
    expect(Object.keys(ServerOptionsSchema.shape)).toEqual(
      OPTION_LIST.flatMap(([, s]) => (s.scenario === undefined ? [] : [s.scenario])),
    );
  });

  it('describes the scenario keys in the JSON schema with the schema descriptions', () => {
    const server = (
      scenarioJsonSchema() as { properties: { server: { properties: Record<string, { description?: string }> } } }
    ).properties.server;
    for (const [, spec] of OPTION_LIST) {
      if (spec.scenario !== undefined) expect(server.properties[spec.scenario]?.description).toBe(spec.description);
    }
  });

  it('bounds the scenario keys as the schema says', () => {
    for (const bad of [
      { output_tokens: 0 },
      { tps: 0 },
      { jitter: 1.5 },
      { prefix_cache_blocks: 2 ** 21 },
      { seed: 1.5 },
      { faults: { reset: 0.6, stall: 0.6 } },
    ]) {
      expect(ServerOptionsSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
    expect(ServerOptionsSchema.parse({ tps: 0.0005, seed: -3, stamp: false })).toMatchObject({
      tps: 0.0005,
      seed: -3,
      stamp: false,
    });
  });

  it('validates what startServer gets: kinds, bounds, an empty response allowed', () => {
    const ok = { ...DEFAULT_SERVER_OPTIONS, outputTokens: 0 };
    expect(() => validateOptions(ok)).not.toThrow();
    expect(() => validateOptions({ ...ok, outputTokens: -1 })).toThrow(
      'server option outputTokens must be an integer >= 0, got -1',
    );
    expect(() => validateOptions({ ...ok, tps: 0 })).toThrow('server option tps must be a number > 0, got 0');
    expect(() => validateOptions({ ...ok, prefixCacheBlocks: 0 })).toThrow(
      'prefixCacheBlocks must be an integer in [1, 1048576], got 0',
    );
    expect(() => validateOptions({ ...ok, seed: 0.5 })).toThrow('seed must be an integer, got 0.5');
    expect(() => validateOptions({ ...ok, stamp: 'yes' as never })).toThrow('stamp must be a boolean, got yes');
  });
});

describe('the serve flags', () => {
  const serve = (): Command => {
    const cli = new Command();
    serveCommand(cli);
    const cmd = cli.commands.find((c) => c.name() === 'serve')!;
    return cmd.exitOverride().configureOutput({ writeErr: () => {} });
  };

  it('are the schema flags, defaulted as the server, plus --cert-out', () => {
    const cmd = serve();
    expect(cmd.options.map((o) => o.long)).toEqual([...OPTION_LIST.map(([, s]) => `--${s.flag}`), '--cert-out']);
    const values = cmd.opts();
    for (const [key, spec] of OPTION_LIST) expect(values[key === 'faults' ? 'fault' : key]).toEqual(spec.default);
  });

  it('parse and bound their values as the schema says', () => {
    const cmd = serve();
    cmd.parseOptions(['--ttft-ms', '5', '--stamp', '--fault', 'reset=0.1', '--seed', '-2']);
    expect(cmd.opts()).toMatchObject({ ttftMs: 5, stamp: true, fault: { reset: 0.1 }, seed: -2 });
    expect(() => serve().parseOptions(['--tps', '0'])).toThrow('--tps must be a number > 0');
    expect(() => serve().parseOptions(['--jitter', '2'])).toThrow('--jitter must be at most 1');
    expect(() => serve().parseOptions(['--output-tokens', '0'])).toThrow('--output-tokens must be an integer >= 1');
    expect(() => serve().parseOptions(['--prefix-cache-blocks', String(2 ** 21)])).toThrow(
      '--prefix-cache-blocks must be at most 1048576',
    );
  });
});

describe('README', () => {
  it('lists exactly the schema options in its table', () => {
    const readme = readFileSync(README, 'utf8');
    const start = readme.indexOf('| `server:` key |');
    expect(start, 'README.md has no server options table').toBeGreaterThan(0);
    const end = readme.indexOf('\n\n', start);
    expect(readme.slice(start, end)).toBe(optionsTable());
  });
});
