import type { IncomingHttpHeaders } from 'node:http';

import type { Nanos } from '../core/types.js';
import type { Timeline } from '../metrics/timeline.js';
import type { ProtocolKind } from '../protocols/registry.js';
import type { RecordedTransport } from './routes.js';

/** Where the proxy hands what it timed: the composition root records it as a run's variant would. */
export interface Recorder {
  /** Whether new exchanges keep their delta texts (for token counting when the endpoint reports no usage). */
  readonly keepText: boolean;
  /** Bytes of a timed answer that arrived from upstream at `arrival` were handed to the client at `written`. */
  forwarded(kind: ProtocolKind, transport: RecordedTransport, arrival: Nanos, written: Nanos): void;
  /** A timed exchange is over; `request`: the body (HTTP) or message (WebSocket) that asked for it. */
  done(kind: ProtocolKind, transport: RecordedTransport, tl: Timeline, request: Buffer): void;
  /** An exchange passed through without timing (not a streamed answer of a protocol wirebench knows). */
  untimed(): void;
  /** A request's headers as the client sent them: its credentials must never reach a file. */
  headers(headers: IncomingHttpHeaders): void;
}
