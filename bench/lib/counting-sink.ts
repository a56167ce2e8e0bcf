import type { Channel, EventSink } from '../../src/core/types.js';

/** A sink that only counts the text it is given: a benchmark's stand-in for the recorder. Errors throw. */
export class CountingSink implements EventSink {
  chars = 0;
  ack(): void {}
  delta(_t: number, _channel: Channel, text: string): void {
    this.chars += text.length;
  }
  usage(): void {}
  done(): void {}
  toolCall(): void {}
  error(_t: number, cls: string, code?: string): void {
    throw new Error(`bench stream failed: ${cls} ${code ?? ''}`);
  }
}
