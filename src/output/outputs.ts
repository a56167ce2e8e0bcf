import type { RequestLine } from '../result/requests/line.js';
import { listensForBlocks, type Output, type OutputSpec, type RunLabel } from './output.js';
import { makeOutput } from './registry.js';

const describe = (spec: OutputSpec): string => `${spec.kind}=${spec.target}`;

/**
 * The run's outputs, fanned out: each is started, fed and ended on its own, and one that fails is a
 * warning and is dropped — an exporter must not cost the benchmark its result.
 */
export class Outputs {
  private live: { spec: OutputSpec; out: Output }[] = [];

  private constructor(private readonly warn: (line: string) => void) {}

  /** Starts every output; those that cannot start are said and left out. */
  static async start(specs: readonly OutputSpec[], run: RunLabel, warn: (line: string) => void): Promise<Outputs> {
    const outputs = new Outputs(warn);
    const started = await Promise.all(
      specs.map(async (spec) => {
        const out = makeOutput(spec);
        try {
          await out.start(run);
          return { spec, out };
        } catch (err) {
          outputs.fail(spec, err);
          return undefined;
        }
      }),
    );
    outputs.live = started.filter((s) => s !== undefined);
    return outputs;
  }

  private fail(spec: OutputSpec, err: unknown): void {
    this.warn(`warning: output ${describe(spec)}: ${(err as Error).message}; the run goes on without it`);
    this.live = this.live.filter((l) => l.spec !== spec);
  }

  /** Lines of requests.jsonl as written (scrubbed, newline-terminated): parsed once for every output. */
  lines(text: string): void {
    if (this.live.length === 0) return;
    for (const json of text.split('\n')) {
      if (json === '') continue;
      const line = JSON.parse(json) as RequestLine;
      for (const l of this.live) this.each(l, (out) => out.request(line, json));
    }
  }

  blockDone(variant: string): void {
    for (const l of this.live) this.each(l, (out) => listensForBlocks(out) && out.blockDone(variant));
  }

  private each(l: { spec: OutputSpec; out: Output }, act: (out: Output) => unknown): void {
    try {
      act(l.out);
    } catch (err) {
      this.fail(l.spec, err);
    }
  }

  /** Ends every output; a failure to finish is a warning, as any other. */
  async end(): Promise<void> {
    const live = this.live;
    this.live = [];
    await Promise.all(
      live.map((l) =>
        l.out
          .end()
          .catch((err: unknown) => this.warn(`warning: output ${describe(l.spec)}: ${(err as Error).message}`)),
      ),
    );
  }
}
