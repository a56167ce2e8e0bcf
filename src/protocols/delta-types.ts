import { stampValue } from '../core/clock.js';
import type { Channel, EventSink, Nanos } from '../core/types.js';
import { FieldScan } from './json-scan.js';

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

const TYPE = 0;
const DELTA = 1;
const STAMP = 2;

/**
 * The delta events of OpenAI's event streams (Responses, Realtime): `{"type": <a delta type>, …,
 * "delta": "…"}` with the reference server's `wb_t` stamp, read by the byte-scanning fast path or from
 * the parsed object — one reader, so both protocols treat a delta alike.
 */
export class TypedDeltaReader {
  private readonly scan = new FieldScan(['type', 'delta', 'wb_t']);
  /** The last `fast` call's event was one well-formed JSON object. */
  private wellFormed = false;

  constructor(private readonly types: DeltaTypes) {}

  /** Reports the event in `buf[start, end)` if it is a delta; false when it is not (or not simply). */
  fast(buf: Buffer, start: number, end: number, t: Nanos, sink: EventSink): boolean {
    const s = this.scan;
    this.wellFormed = s.scan(buf, start, end);
    if (!this.wellFormed || !s.isString(buf, TYPE) || !s.isString(buf, DELTA)) return false;
    const channel = this.types.scanned(s, buf, TYPE);
    if (channel === undefined) return false;
    sink.delta(t, channel, s.string(buf, DELTA), s.stamp(buf, STAMP));
    return true;
  }

  /** After `fast` declined an event: whether it was well-formed JSON whose `type` is one of `types`. */
  scannedType(buf: Buffer, types: readonly Buffer[]): boolean {
    if (!this.wellFormed || !this.scan.isString(buf, TYPE)) return false;
    for (const type of types) if (this.scan.stringIs(buf, TYPE, type)) return true;
    return false;
  }

  /** Reports a parsed event if its type is a delta type (true even when its delta is missing). */
  parsed(ev: Record<string, unknown>, type: string, t: Nanos, sink: EventSink): boolean {
    const channel = this.types.channel(type);
    if (channel === undefined) return false;
    if (typeof ev.delta === 'string') sink.delta(t, channel, ev.delta, stampValue(ev.wb_t));
    return true;
  }
}
