import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

import WebSocket, { WebSocketServer } from 'ws';

import { now } from '../core/clock.js';
import type { MessageDecoder } from '../core/types.js';
import { Timeline } from '../metrics/timeline.js';
import { classifyError } from '../transport/errors.js';
import { openTimedSocket, type SocketTarget, type TimedSocket } from '../transport/socket.js';
import type { Recorder } from './recorder.js';
import { forwardHeaders, type Route, routeOf } from './routes.js';

/** Upgrade headers ws sets itself on the upstream leg. */
const OWN_UPGRADE_HEADERS = new Set([
  'sec-websocket-key',
  'sec-websocket-version',
  'sec-websocket-extensions',
  'sec-websocket-protocol',
]);
/** The request that starts a turn in the WebSocket modes wirebench knows (Responses, Realtime). */
const TURN_START = Buffer.from('"response.create"');
/** Close codes that may not be sent in a close frame (RFC 6455 §7.4.1): the other leg gets a plain close. */
const sendable = (code: number): boolean =>
  code === 1000 || (code >= 3000 && code <= 4999) || (code > 1000 && code < 1004) || (code >= 1007 && code <= 1014);

/**
 * Relays WebSocket connections message by message in both directions — text stays text, binary stays
 * binary, close codes go through — after opening the upstream socket first, so that the client's
 * handshake completes with the upstream's own answer (its subprotocol, or its refusal, relayed as sent).
 * A turn (`response.create`) of a known protocol is timed from the client's message arriving here to the
 * decoder's end of the turn, on the upstream socket's arrival stamps.
 */
export class WsProxy {
  /** The subprotocol the upstream chose, per upgrade request: the client's handshake answers with it. */
  private readonly chosen = new WeakMap<IncomingMessage, string>();
  private readonly wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    skipUTF8Validation: true,
    handleProtocols: (_offered, req) => this.chosen.get(req) || false,
  });
  private readonly sockets = new Set<WebSocket>();

  constructor(
    private readonly wsOrigin: string,
    private readonly target: SocketTarget,
    private readonly recorder: Recorder,
  ) {}

  handle(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.recorder.headers(req.headers);
    const route = routeOf(req.url ?? '/', 'ws');
    // The upgrade's phases: the first turn on the socket is charged with them, as a run's first turn is.
    const opening = new Timeline(now(), now());
    let timed: TimedSocket | undefined;
    const protocols = (req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p !== '');
    const upstream = new WebSocket(`${this.wsOrigin}${req.url ?? '/'}`, protocols, {
      headers: Object.fromEntries(forwardHeaders(req.rawHeaders, OWN_UPGRADE_HEADERS)),
      perMessageDeflate: false,
      skipUTF8Validation: true,
      createConnection: () => {
        timed = openTimedSocket(this.target, opening, 'data');
        return timed.socket;
      },
      finishRequest: (request) => {
        opening.upgradeSent = now();
        request.end();
      },
    });
    socket.on('error', () => upstream.terminate());
    upstream.on('upgrade', () => (opening.upgraded = timed?.arrival || now()));
    upstream.on('unexpected-response', (_r, res) => {
      // The upstream's refusal (401, 426, 429…) reaches the client as it was sent.
      const lines = [`HTTP/1.1 ${res.statusCode ?? 502} ${res.statusMessage ?? ''}`];
      for (let i = 0; i + 1 < res.rawHeaders.length; i += 2)
        lines.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
      res.pipe(socket);
      this.recorder.untimed();
    });
    upstream.once('error', (err) => {
      if (upstream.readyState === WebSocket.OPEN) return;
      if (socket.writable) socket.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
      // The upgrade of a known protocol failed on the way: counted and classified as a run's would be.
      if (route === undefined) return this.recorder.untimed();
      const { cls, code, message } = classifyError(err, opening.connectEnd !== 0);
      opening.error(now(), cls, code, message);
      this.recorder.done(route.kind, 'ws', opening, Buffer.alloc(0));
    });
    upstream.once('open', () => {
      this.chosen.set(req, upstream.protocol);
      this.wss.handleUpgrade(req, socket, head, (client) => {
        this.sockets.add(client);
        this.sockets.add(upstream);
        this.relay(client, upstream, route, opening, () => timed?.arrival || now());
      });
    });
  }

  private relay(
    client: WebSocket,
    upstream: WebSocket,
    route: Route | undefined,
    opening: Timeline,
    arrival: () => number,
  ): void {
    let turn: { tl: Timeline; decoder: MessageDecoder; request: Buffer } | undefined;
    let first = true;
    const end = (): void => {
      const t = turn;
      turn = undefined;
      if (t !== undefined && route !== undefined) this.recorder.done(route.kind, 'ws', t.tl, t.request);
    };
    client.on('message', (data: Buffer, isBinary) => {
      const t = now();
      if (route?.adapter.ws !== undefined && !isBinary && turn === undefined && data.includes(TURN_START)) {
        const tl = new Timeline(t, t, this.recorder.keepText);
        if (first) copyOpening(tl, opening);
        tl.reused = !first;
        first = false;
        turn = { tl, decoder: route.adapter.ws.decoder(tl), request: data };
      }
      if (upstream.readyState === WebSocket.OPEN) upstream.send(data, { binary: isBinary });
      if (turn !== undefined && turn.tl.requestSent === 0) turn.tl.requestSent = now();
    });
    upstream.on('message', (data: Buffer, isBinary) => {
      const t = arrival();
      if (client.readyState === WebSocket.OPEN) client.send(data, { binary: isBinary });
      const current = turn;
      if (current === undefined || route === undefined) return;
      this.recorder.forwarded(route.kind, 'ws', t, now());
      // The protocols timed here speak JSON text; a binary message (audio) is relayed, not decoded.
      if (isBinary) return;
      if (current.tl.firstByte === 0) current.tl.firstByte = t;
      try {
        if (current.decoder.message(data, t)) end();
      } catch (err) {
        current.tl.error(t, 'protocol', 'decode_failed', (err as Error)?.message ?? String(err));
        end();
      }
    });
    client.on('close', (code, reason) => {
      this.sockets.delete(client);
      turn?.tl.cancel(now());
      end();
      if (upstream.readyState === WebSocket.OPEN) {
        if (sendable(code)) upstream.close(code, reason);
        else upstream.close();
      }
    });
    upstream.on('close', (code, reason) => {
      this.sockets.delete(upstream);
      turn?.tl.error(now(), 'reset', `ws_close_${code}`, `WebSocket closed (${code}) before the response completed`);
      end();
      if (client.readyState === WebSocket.OPEN) {
        if (sendable(code)) client.close(code, reason);
        else client.terminate();
      }
    });
    client.on('error', () => upstream.terminate());
    upstream.on('error', () => client.terminate());
  }

  close(): void {
    for (const s of this.sockets) s.terminate();
    this.wss.close();
  }
}

/** The connection phases the upgrade paid, onto the first turn's record. */
function copyOpening(tl: Timeline, opening: Timeline): void {
  tl.connStart = opening.connStart;
  tl.dnsEnd = opening.dnsEnd;
  tl.connectEnd = opening.connectEnd;
  tl.tlsEnd = opening.tlsEnd;
  tl.upgradeSent = opening.upgradeSent;
  tl.upgraded = opening.upgraded;
  tl.alpn = opening.alpn;
  tl.tlsVersion = opening.tlsVersion;
  tl.tlsResumed = opening.tlsResumed;
}
