import type { Channel } from '../load/types.js';
import type { FieldScan } from './json-scan.js';

/**
 * The event types of a protocol that carry a delta, each with its channel. The fast paths look up a
 * scanned `type` by its bytes without making a string of it: only the types as long as the scanned value
 * are compared, rarely more than one.
 */
export class DeltaTypes {
  private readonly byName: ReadonlyMap<string, Channel>;
  private readonly byLength: Array<Array<readonly [Buffer, Channel]>> = [];

  constructor(types: ReadonlyArray<readonly [string, Channel]>) {
    this.byName = new Map(types);
    for (const [type, channel] of types) (this.byLength[type.length] ??= []).push([Buffer.from(type), channel]);
  }

  /** The channel of a parsed event's type, if it is a delta type. */
  channel(type: string): Channel | undefined {
    return this.byName.get(type);
  }

  /** The channel named by string field `k` of the scan just made of `buf`, if it is a delta type. */
  scanned(scan: FieldScan, buf: Buffer, k: number): Channel | undefined {
    const candidates = this.byLength[scan.end[k] - scan.start[k] - 2];
    if (candidates === undefined) return undefined;
    for (const [bytes, channel] of candidates) if (scan.stringIs(buf, k, bytes)) return channel;
    return undefined;
  }
}
