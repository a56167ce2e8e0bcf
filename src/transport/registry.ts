import type { ConnectionPolicy, Transport } from '../core/types.js';
import { httpFresh, httpKeepalive } from './http.js';
import { http2 } from './http2.js';
import { wsPerRequest, wsPersistent } from './ws.js';

const TRANSPORTS: Record<ConnectionPolicy, Transport> = {
  'http-fresh': httpFresh,
  'http-keepalive': httpKeepalive,
  http2,
  'ws-persistent': wsPersistent,
  'ws-per-request': wsPerRequest,
};

export function getTransport(kind: ConnectionPolicy): Transport {
  return TRANSPORTS[kind];
}
