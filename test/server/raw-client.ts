import { connect } from 'node:net';

import WebSocket from 'ws';

/**
 * How a connection ended: `fin` an orderly close, `reset` a TCP RST (ECONNRESET), `idle` nothing for
 * the idle timeout with the connection still open (the client then hung up).
 */
export type Ending = 'fin' | 'reset' | 'idle';

export interface RawExchange {
  status: number;
  head: string;
  /** The body, de-chunked. */
  body: string;
  /** Whether the body was complete: the terminating chunk (or content-length) arrived. */
  complete: boolean;
  ending: Ending;
}

/** Decodes a chunked body as far as it goes; complete when the terminating chunk is there. */
function dechunk(raw: string): { body: string; complete: boolean } {
  let body = '';
  let at = 0;
  for (;;) {
    const eol = raw.indexOf('\r\n', at);
    if (eol < 0) return { body, complete: false };
    const size = parseInt(raw.slice(at, eol), 16);
    if (size === 0) return { body, complete: true };
    const start = eol + 2;
    if (raw.length < start + size) return { body: body + raw.slice(start), complete: false };
    body += raw.slice(start, start + size);
    at = start + size + 2;
  }
}

/**
 * POSTs over a bare TCP socket, so that the way the connection ends (FIN, RST or not at all) is seen
 * as it is on the wire, which node:http would blur into one 'aborted'.
 */
export function rawPost(
  baseUrl: string,
  path: string,
  body: unknown,
  idleMs = 300,
  headers: Record<string, string> = {},
): Promise<RawExchange> {
  const url = new URL(baseUrl);
  const payload = JSON.stringify(body);
  const extra = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    let raw = '';
    let ending: Ending = 'fin';
    let idle: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(idle);
      idle = setTimeout(() => {
        ending = 'idle';
        socket.destroy();
      }, idleMs);
    };
    socket.setEncoding('latin1');
    socket.on('connect', () => {
      socket.write(
        `POST ${path} HTTP/1.1\r\nhost: ${url.host}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(payload)}\r\nconnection: close\r\n${extra}\r\n${payload}`,
      );
      arm();
    });
    socket.on('data', (d: string) => {
      raw += d;
      arm();
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ECONNRESET') ending = 'reset';
      else reject(e);
    });
    socket.on('close', () => {
      clearTimeout(idle);
      const split = raw.indexOf('\r\n\r\n');
      const head = split < 0 ? raw : raw.slice(0, split);
      const rest = split < 0 ? '' : raw.slice(split + 4);
      const status = Number(/^HTTP\/1\.1 (\d+)/.exec(head)?.[1] ?? 0);
      const length = /\r\ncontent-length: (\d+)/i.exec(head);
      const decoded = length ? { body: rest, complete: rest.length >= Number(length[1]) } : dechunk(rest);
      resolve({
        status,
        head,
        body: Buffer.from(decoded.body, 'latin1').toString('utf8'),
        complete: decoded.complete,
        ending,
      });
    });
  });
}

export interface SseFrame {
  event: string | undefined;
  data: string;
}

export function sseFrames(body: string): SseFrame[] {
  return body
    .split('\n\n')
    .filter((f) => f.trim() !== '')
    .map((f) => {
      const lines = f.split('\n');
      const event = lines.find((l) => l.startsWith('event: '))?.slice(7);
      const data = lines
        .filter((l) => l.startsWith('data: '))
        .map((l) => l.slice(6))
        .join('\n');
      return { event, data };
    });
}

export type Outcome = 'ok' | 'http-500' | 'mid-stream-error' | 'reset' | 'stall' | 'malformed' | 'truncated';

function parses(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    return undefined;
  }
}

/** What a client makes of a streamed Responses or Chat exchange. */
export function classify(x: RawExchange): Outcome {
  if (x.status === 500) return 'http-500';
  if (x.ending === 'reset') return 'reset';
  if (x.ending === 'idle') return 'stall';
  let completed = false;
  for (const f of sseFrames(x.body)) {
    if (f.data === '[DONE]') {
      completed = true;
      continue;
    }
    const d = parses(f.data) as Record<string, unknown> | undefined;
    if (d === undefined) return 'malformed';
    if (d.type === 'error' || d.error !== undefined) return 'mid-stream-error';
    if (d.type === 'response.completed') completed = true;
  }
  return completed && x.complete ? 'ok' : 'truncated';
}

/** The text deltas of a Responses or Chat stream that parse. */
export function deltaCount(x: RawExchange): number {
  return sseFrames(x.body).filter((f) => {
    const d = parses(f.data) as { type?: string; choices?: { delta?: { content?: string } }[] } | undefined;
    return d?.type === 'response.output_text.delta' || (d?.choices?.[0]?.delta?.content ?? '') !== '';
  }).length;
}

export interface RawWs {
  ws: WebSocket;
  /** Every message as received, parseable or not. */
  messages: string[];
  /** Resolves with the close code and whether the TCP connection was reset. */
  closed: Promise<{ code: number; reset: boolean }>;
}

/** A WebSocket that keeps raw messages (a malformed one must not throw) and sees a reset as such. */
export function rawWs(baseUrl: string, headers: Record<string, string> = {}): Promise<RawWs> {
  const ws = new WebSocket(baseUrl.replace(/^http/, 'ws') + '/v1/responses', { headers, perMessageDeflate: false });
  const messages: string[] = [];
  let reset = false;
  ws.on('upgrade', (res) => res.socket.on('error', (e: NodeJS.ErrnoException) => (reset ||= e.code === 'ECONNRESET')));
  ws.on('message', (d) => messages.push((d as Buffer).toString()));
  const closed = new Promise<{ code: number; reset: boolean }>((resolve) =>
    ws.once('close', (code) => resolve({ code, reset })),
  );
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, messages, closed }));
    ws.once('error', reject);
  });
}

/** Resolves once `cond` holds, polling; rejects after `ms`. */
export async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
