import { PHASES, type RequestLine } from './line.js';

/**
 * The requests.jsonl line as flat columns (a CSV's header): each field of RequestLine in the line's order,
 * an object field as `field.key`. Typed over every key of RequestLine, so a new field fails to compile
 * until it has its column here.
 */
const SHAPE: { readonly [K in keyof Required<RequestLine>]: readonly string[] | null } = {
  variant: null,
  step: null,
  worker: null,
  i: null,
  warmup: null,
  ok: null,
  intended_ms: null,
  start_ms: null,
  phases: PHASES,
  status: null,
  reused: null,
  bytes_in: null,
  tls: ['alpn', 'version', 'resumed'],
  deltas: null,
  output_tokens: null,
  token_source: null,
  max_output_tokens: null,
  prompt_tokens: null,
  input_tokens: null,
  cached_tokens: null,
  record: null,
  reasoning_tokens: null,
  first_channel: null,
  response_id: null,
  session: null,
  turn: null,
  previous_response_id: null,
  cancelled: null,
  redirect: null,
  attempt: null,
  retried: null,
  token_ms: null,
  error: ['class', 'code', 'message'],
};

/** A column's value: absent fields are empty cells. */
export type Cell = string | number | boolean | undefined;

const FIELDS = Object.entries(SHAPE) as [keyof RequestLine, readonly string[] | null][];

/** The column names, in order: `variant`, …, `phases.connStart`, …, `error.message`. */
export const LINE_COLUMNS: readonly string[] = FIELDS.flatMap(([k, sub]) =>
  sub === null ? [k] : sub.map((s) => `${k}.${s}`),
);

/** A line's cells, in LINE_COLUMNS' order; `token_ms`, a list, is its values separated by spaces. */
export function lineCells(l: RequestLine): Cell[] {
  return FIELDS.flatMap(([k, sub]): Cell[] => {
    const v = l[k];
    if (sub === null) return [Array.isArray(v) ? v.join(' ') : (v as Cell)];
    const o = (v ?? {}) as Record<string, Cell>;
    return sub.map((s) => o[s]);
  });
}
