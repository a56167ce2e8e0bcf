/** One requests.jsonl line as text: a measured, successful request of variant `v`, with `o` over it. */
export const lineText = (o: Record<string, unknown> = {}): string =>
  JSON.stringify({
    variant: 'v',
    i: 0,
    warmup: false,
    ok: true,
    intended_ms: 0,
    start_ms: 0,
    phases: {},
    deltas: 0,
    output_tokens: 0,
    ...o,
  });
