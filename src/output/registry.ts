import { CsvOutput } from './csv.js';
import { JsonOutput } from './json.js';
import { OtlpOutput, otlpUrl } from './otlp.js';
import type { Output, OutputSpec } from './output.js';
import { parseHostPort, PrometheusOutput } from './prometheus.js';

interface Kind {
  /** What TARGET is, for the usage message. */
  target: string;
  /** Undefined when `target` is acceptable, else why not. */
  check?: (target: string) => string | undefined;
  make: (target: string) => Output;
}

/** The outputs by kind: the one place a new kind is added. */
const KINDS: Readonly<Record<string, Kind>> = {
  csv: { target: 'FILE', make: (t) => new CsvOutput(t) },
  json: { target: 'FILE', make: (t) => new JsonOutput(t) },
  prometheus: {
    target: 'HOST:PORT',
    check: (t) => (parseHostPort(t) === undefined ? 'HOST:PORT with a port from 1 to 65535' : undefined),
    make: (t) => new PrometheusOutput(parseHostPort(t)!),
  },
  otlp: {
    target: 'URL',
    check: (t) => (otlpUrl(t) === undefined ? 'an http:// or https:// URL' : undefined),
    make: (t) => new OtlpOutput(otlpUrl(t)!),
  },
};

/** Every kind and its target, for the help: `csv=FILE, json=FILE, …`. */
export const OUTPUT_KINDS = Object.entries(KINDS)
  .map(([kind, k]) => `${kind}=${k.target}`)
  .join(', ');

/** `kind=target`: an output spec, not a folder — a word before the first `=`, and no path separator in it. */
export const looksLikeSpec = (value: string): boolean => /^[A-Za-z][A-Za-z0-9_-]*=/.test(value);

/** Parses `KIND=TARGET`; a string saying what is wrong when it is not one this run can start. */
export function parseOutputSpec(value: string): OutputSpec | string {
  const at = value.indexOf('=');
  const kind = value.slice(0, at);
  const target = value.slice(at + 1);
  const known = KINDS[kind];
  if (known === undefined || !Object.hasOwn(KINDS, kind))
    return `unknown output kind "${kind}" (known: ${Object.keys(KINDS).join(', ')})`;
  if (target === '') return `${kind}= needs a target: ${kind}=${known.target}`;
  const problem = known.check?.(target);
  return problem === undefined ? { kind, target } : `${kind}=${target}: expected ${problem}`;
}

/** The output a checked spec names. */
export function makeOutput(spec: OutputSpec): Output {
  return KINDS[spec.kind].make(spec.target);
}
