import WebSocket from 'ws';

import { now } from '../core/clock.js';
import type {
  Connection,
  MessageDecoder,
  ProtocolAdapter,
  RequestInput,
  RequestRecord,
  Transport,
  TransportOptions,
  WsProtocol,
} from '../core/types.js';
import { CLIENT_CANCEL } from '../core/types.js';
import { classifyError, statusClass } from './errors.js';
import { joinPath } from './route.js';
import {
  bytesIn,
  markBytes,
  openTimedSocket,
  type SocketTarget,
  socketTarget,
  tagTls,
  type TimedSocket,
} from './socket.js';
import { dataListeners, takeReads } from './ws-read.js';

interface Turn {
  /** The socket the turn was sent on: a late close of an earlier socket must not fail it. */
  ws: WebSocket;
  rec: RequestRecord;
  decoder: MessageDecoder;
  finish: () => void;
}

/**
 * One virtual user's WebSocket. `persistent` keeps it open for every turn (the socket is reopened only
 * after it broke or a turn timed out); otherwise each request opens a socket, pays the upgrade, and
 * closes it after its turn. Turns on one socket run one at a time, as the Responses WebSocket mode requires.
 */
/** How long a cancelled turn may wait for the server to confirm the cancel. */
const CANCEL_ANSWER_MS = 5000;

class WsConnection implements Connection {
  private ws: WebSocket | undefined;
  /** The socket under `ws`. */
  private timed: TimedSocket | undefined;
  private turn: Turn | undefined;
  private readonly target: SocketTarget;
  /** The upgrade URL without the request's query parameters. */
  private readonly url: string;
  private readonly wsProtocol: WsProtocol;
  private readonly headers: Record<string, string>;

  constructor(
    protocol: ProtocolAdapter,
    private readonly opts: TransportOptions,
    private readonly persistent: boolean,
  ) {
    if (protocol.ws === undefined) throw new Error(`protocol ${protocol.kind} has no WebSocket mode`);
    this.wsProtocol = protocol.ws;
    this.headers = { ...protocol.ws.headers, ...opts.headers };
    this.target = socketTarget(opts, ['http/1.1']);
    this.url = `${this.target.secure ? 'wss' : 'ws'}://${opts.target.host}${joinPath(opts.target, protocol.ws.path)}`;
  }

  async exchange(req: RequestInput, rec: RequestRecord, signal: AbortSignal): Promise<void> {
    rec.reused = true;
    if (this.ws === undefined || this.ws.readyState !== WebSocket.OPEN) {
      const opened = await this.open(req, rec, signal);
      if (!opened) return;
    }
    const ws = this.ws as WebSocket;
    tagTls(rec, this.timed);
    // The turn's messages only: the upgrade response was read before the mark.
    const mark = markBytes(this.timed);
    const timed = this.timed;
    await new Promise<void>((resolve) => {
      const onAbort = (): void => {
        const cancel = this.wsProtocol.cancel;
        if (signal.reason === CLIENT_CANCEL && cancel !== undefined) {
          // Cancelled in-band: the turn ends on the server's answer and the socket stays for the next
          // one. A server that never answers costs the socket, not a hung run.
          ws.send(cancel);
          setTimeout(() => this.turn?.rec === rec && this.drop(), CANCEL_ANSWER_MS).unref();
          return;
        }
        rec.error(now(), 'timeout', 'timeout', 'request timed out');
        // Events of the abandoned turn would be read as the next turn's: this socket is done for.
        this.drop();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.turn = {
        ws,
        rec,
        decoder: this.wsProtocol.decoder(rec),
        finish: () => {
          signal.removeEventListener('abort', onAbort);
          this.turn = undefined;
          rec.bytesIn = bytesIn(timed, mark);
          resolve();
        },
      };
      rec.requestSent = now();
      ws.send(this.wsProtocol.encode(req));
    });
    // end-of-turn close: close() not terminate() so the server sees a clean 1000 and can free the session.
    if (!this.persistent) this.closeSocket();
  }

  private open(req: RequestInput, rec: RequestRecord, signal: AbortSignal): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      let timed: TimedSocket | undefined;
      const arrival = (): number => timed?.arrival || now();
      const query = this.wsProtocol.query?.(req);
      const ws = new WebSocket(query === undefined ? this.url : `${this.url}?${new URLSearchParams(query)}`, {
        headers: this.headers,
        perMessageDeflate: this.opts.perMessageDeflate,
        // ws checks every text frame for valid UTF-8 before handing it over; the decoder reads bytes and
        // a server sending bad UTF-8 shows up as a malformed event anyway, so the check is pure cost.
        skipUTF8Validation: true,
        createConnection: () => {
          timed = openTimedSocket(this.target, rec, 'data');
          return timed.socket;
        },
        finishRequest: (request) => {
          rec.upgradeSent = now();
          request.end();
        },
      });
      let settled = false;
      const settle = (ok: boolean): void => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        resolve(ok);
      };
      const fail = (cls: Parameters<RequestRecord['error']>[1], code: string, message: string): void => {
        rec.error(now(), cls, code, message);
        ws.terminate();
        settle(false);
      };
      const onAbort = (): void => fail('timeout', 'timeout', 'request timed out during the WebSocket upgrade');
      signal.addEventListener('abort', onAbort, { once: true });
      let before: readonly unknown[] = [];
      ws.on('upgrade', () => {
        rec.upgraded = arrival();
        before = dataListeners(timed?.socket);
      });
      ws.on('unexpected-response', (_req, res) => {
        rec.firstByte = arrival();
        rec.status = res.statusCode ?? 0;
        fail(statusClass(rec.status), String(rec.status), `WebSocket upgrade rejected with HTTP ${rec.status}`);
      });
      const ready = (): void => {
        this.ws = ws;
        this.timed = timed;
        settle(true);
      };
      // Until the session is ready (at 'open' unless the protocol waits for a first message), messages are
      // the session's; then the turns'.
      const message = (data: Buffer): void => {
        if (settled) return this.onMessage(ws, data, arrival());
        if (this.wsProtocol.ready?.(data)) return ready();
        // Most likely the server's reason for refusing the session (an error event): the decoder
        // classifies it like any turn's error.
        const t = arrival();
        rec.firstByte = t;
        if (decode(this.wsProtocol.decoder(rec), rec, data, t) === false) {
          rec.error(t, 'protocol', 'session_not_ready', 'the first message did not start the session');
        }
        ws.terminate();
        settle(false);
      };
      ws.on('open', () => {
        const own = takeReads(ws, timed?.socket, before, message, (err) => {
          if (settled) this.onFrameError(ws, err.message, arrival());
          else fail('protocol', 'ws_invalid_frame', err.message);
        });
        if (!own) ws.on('message', message);
        if (this.wsProtocol.ready === undefined) ready();
      });
      ws.on('error', (err) => {
        if (!settled) {
          const { cls, code, message } = classifyError(err, rec.connectEnd !== 0);
          fail(cls, code, message);
        }
      });
      ws.on('close', (code) => {
        if (!settled) fail('reset', `ws_close_${code}`, `WebSocket closed (${code}) before the session started`);
        this.onClose(ws, code);
      });
    });
  }

  private onMessage(ws: WebSocket, data: Buffer, t: number): void {
    const turn = this.turn;
    // A late event of a finished or abandoned turn, or of a socket already let go.
    if (turn === undefined || turn.ws !== ws) return;
    if (turn.rec.firstByte === 0) turn.rec.firstByte = t;
    const over = decode(turn.decoder, turn.rec, data, t);
    // After a decoder failure the socket's stream position is unknown, so the socket goes too.
    if (over === undefined) this.drop();
    else if (over) turn.finish();
  }

  /** A frame no server may send: the turn's protocol error, and the socket's stream position is lost. */
  private onFrameError(ws: WebSocket, message: string, t: number): void {
    const turn = this.turn;
    if (turn === undefined || turn.ws !== ws) return ws.terminate();
    turn.rec.error(t, 'protocol', 'ws_invalid_frame', message);
    this.drop();
  }

  private onClose(ws: WebSocket, code: number): void {
    if (this.ws === ws) this.ws = undefined;
    const turn = this.turn;
    if (turn !== undefined && turn.ws === ws) {
      turn.rec.error(now(), 'reset', `ws_close_${code}`, `WebSocket closed (${code}) before the response completed`);
      turn.finish();
    }
  }

  private drop(): void {
    const turn = this.turn;
    this.ws?.terminate();
    this.ws = undefined;
    turn?.finish();
  }

  private closeSocket(): void {
    const ws = this.ws;
    this.ws = undefined;
    ws?.close(1000);
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- async: close() fails as a rejection, never a throw
  async close(): Promise<void> {
    this.closeSocket();
  }
}

/**
 * One message through a turn's decoder: whether the turn is over, or undefined when the decoder threw.
 * Whatever the server sent, a decoder failure is that turn's protocol error, not a crash.
 */
function decode(decoder: MessageDecoder, rec: RequestRecord, data: Buffer, t: number): boolean | undefined {
  try {
    return decoder.message(data, t);
  } catch (err) {
    rec.error(t, 'protocol', 'decode_failed', (err as Error)?.message ?? String(err));
    return undefined;
  }
}

export const wsPersistent = {
  kind: 'ws-persistent',
  connection: (protocol, opts) => new WsConnection(protocol, opts, true),
} as const satisfies Transport;

export const wsPerRequest = {
  kind: 'ws-per-request',
  connection: (protocol, opts) => new WsConnection(protocol, opts, false),
} as const satisfies Transport;
