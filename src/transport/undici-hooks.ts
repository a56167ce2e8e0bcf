import diagnosticsChannel from 'node:diagnostics_channel';
import type { RequestRecord } from '../load/types.js';
import { now } from '../metrics/clock.js';

/** Whoever owns a socket knows which request it is carrying right now. */
export interface SocketOwner {
  readonly inFlight: RequestRecord | undefined;
}

const owners = new WeakMap<object, SocketOwner>();

/**
 * undici announces on `undici:client:sendHeaders` the moment it writes a request's headers to a socket.
 * That — not the moment the request was handed to undici, which for a fresh connection precedes DNS,
 * TCP and TLS — is when the request left. Subscribed once per process; sockets of other undici users
 * (not in the map) are ignored.
 */
diagnosticsChannel.subscribe('undici:client:sendHeaders', (message) => {
  const { socket } = message as { socket: object };
  const rec = owners.get(socket)?.inFlight;
  if (rec !== undefined) rec.requestSent = now();
});

export function ownSocket(socket: object, owner: SocketOwner): void {
  owners.set(socket, owner);
}
