import type { ConnectionPolicy, Transport } from '../load/types.js';
import { httpFresh, httpKeepalive } from './http.js';
import { wsPerRequest, wsPersistent } from './ws.js';

const TRANSPORTS: Record<ConnectionPolicy, Transport> = {
  'http-fresh': httpFresh,
  'http-keepalive': httpKeepalive,
  'ws-persistent': wsPersistent,
  'ws-per-request': wsPerRequest,
};

export function getTransport(kind: ConnectionPolicy): Transport {
  return TRANSPORTS[kind];
}
