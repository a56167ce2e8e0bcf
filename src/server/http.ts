import type { IncomingMessage, ServerResponse } from 'node:http';
import { beginTurn, endTurn } from './chain.js';
import { ChatEmitter, ChatTurn, parseChatRequest } from './chat.js';
import type { ServerContext } from './context.js';
import { RequestError, sendError, sendJson } from './errors.js';
import type { Emitter } from './generation.js';
import { parseResponsesRequest, ResponsesEmitter } from './responses.js';
import { SseWriter } from './sse-writer.js';

type Route = (ctx: ServerContext, body: unknown, t0: number, res: ServerResponse) => void;

/** Non-streamed answers: the same schedule, one JSON body when the last token is due. */
class JsonEmitter implements Emitter {
  private body = '';

  constructor(
    private readonly res: ServerResponse,
    private readonly build: (text: string, outputTokens: number) => Record<string, unknown>,
  ) {}

  open(): void {}
  ack(): void {}
  delta(): void {}

  done(text: string, outputTokens: number): void {
    this.body = JSON.stringify(this.build(text, outputTokens));
  }

  flush(last: boolean): void {
    if (last && !this.res.destroyed) sendJson(this.res, 200, this.body);
  }
}

function run(
  ctx: ServerContext,
  res: ServerResponse,
  t0: number,
  tokens: { max: number | undefined; input: number },
  emitter: Emitter,
  onDone: (text: string, outputTokens: number) => void = () => {},
): void {
  const g = ctx.generation(ctx.plan(t0, ctx.opts.httpOverheadMs, tokens.max, tokens.input), emitter, onDone);
  res.once('close', () => ctx.stop(g));
  g.start();
}

const responses: Route = (ctx, body, t0, res) => {
  const req = parseResponsesRequest(body);
  const turn = beginTurn(ctx, req);
  const emitter =
    req.body.stream === true ? new ResponsesEmitter(turn, new SseWriter(res)) : new JsonEmitter(res, (text, n) => turn.completed(text, n));
  run(ctx, res, t0, { max: req.generate ? req.maxOutputTokens : 0, input: req.inputTokens }, emitter, (_text, n) => endTurn(ctx, turn, n));
};

const chat: Route = (ctx, body, t0, res) => {
  const req = parseChatRequest(body);
  const turn = new ChatTurn(req);
  const emitter = req.stream ? new ChatEmitter(turn, new SseWriter(res)) : new JsonEmitter(res, (text, n) => turn.completion(text, n));
  run(ctx, res, t0, { max: req.maxTokens, input: req.promptTokens }, emitter);
};

const ROUTES: ReadonlyMap<string, Route> = new Map([
  ['/v1/responses', responses],
  ['/v1/chat/completions', chat],
]);

export function pathOf(url: string | undefined): string {
  const u = url ?? '/';
  const q = u.indexOf('?');
  return q < 0 ? u : u.slice(0, q);
}

export function handleHttp(ctx: ServerContext, req: IncomingMessage, res: ServerResponse): void {
  ctx.stats.httpRequests++;
  const path = pathOf(req.url);
  const route = req.method === 'POST' ? ROUTES.get(path) : undefined;
  if (route === undefined) {
    req.resume();
    sendError(res, 404, { type: 'invalid_request_error', code: 'not_found', message: `No route for ${req.method} ${path}.`, param: null });
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const t0 = performance.now();
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      sendError(res, 400, new RequestError('invalid_json', 'We could not parse the JSON body of your request.').body());
      return;
    }
    try {
      route(ctx, body, t0, res);
    } catch (e) {
      if (!(e instanceof RequestError)) throw e;
      sendError(res, 400, e.body());
    }
  });
}
