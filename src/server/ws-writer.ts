import type { Socket } from 'node:net';

import type { WebSocket } from 'ws';

import type { EventOut } from './responses.js';

/**
 * One WebSocket text message per event, with the raw socket corked for the batch: `ws` writes each
 * frame as its own write, so without the cork a batch of deltas would cost one syscall per frame.
 */
export class WsWriter implements EventOut {
  constructor(
    private readonly ws: WebSocket,
    private readonly socket: Socket,
  ) {}

  begin(): void {
    this.socket.cork();
  }

  event(_type: string, json: string): void {
    this.ws.send(json);
  }

  end(): void {
    this.socket.uncork();
  }
}
