import type { IncomingMessage, ServerResponse } from 'node:http';

import { PROM_CONTENT_TYPE } from '../shared/prometheus.js';
import { MessagesEmitter, messagesErrorBody, MessageTurn, parseMessagesRequest } from './anthropic.js';
import { beginTurn, endTurn } from './chain.js';
import { ChatEmitter, ChatTurn, parseChatRequest } from './chat.js';
import type { ServerContext, TokenRequest } from './context.js';
import { type ApiError, rateLimitError, RequestError, sendError, sendJson, SERVER_ERROR } from './errors.js';
import { chatFaultOut, type FaultOut, fitReset, responsesFaultOut } from './fault-out.js';
import type { Emitter } from './generation.js';
import { tokenizeAhead, withTokens } from './input.js';
import { NdjsonWriter } from './ndjson-writer.js';
import { OllamaEmitter, type OllamaEndpoint, ollamaErrorBody, OllamaTurn, parseOllamaRequest } from './ollama.js';
import { type Protocol, type RequestSeries } from './prom.js';
import { apiKey } from './rate-limit.js';
import { parseResponsesRequest, ResponsesEmitter } from './responses.js';
import { SseWriter } from './sse-writer.js';
import { parseTgiRequest, TgiEmitter, tgiErrorBody } from './tgi.js';

/** A request as it arrived: fully received at `t0` (performance.now() ms), its timings observed in `series`. */
interface Arrival {
  t0: number;
  series: RequestSeries;
}

type Route = (ctx: ServerContext, body: unknown, at: Arrival, res: ServerResponse) => void;

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
  at: Arrival,
  tokens: TokenRequest,
  emitter: Emitter,
  onDone: (text: string, outputTokens: number) => void = () => {},
  // Fault injection hook: a streamed route passes how its protocol shows mid-stream faults; without
  // it a request can still draw http-500.
  faults?: FaultOut,
): void {
  const plan = ctx.plan(at.t0, ctx.opts.httpOverheadMs, tokens);
  const fault = ctx.fault(plan.seq);
  if (fault === 'http-500') {
    sendError(res, 500, SERVER_ERROR);
    return;
  }
  const strike = fault !== null && faults !== undefined ? { kind: fault, out: fitReset(faults, res) } : undefined;
  const g = ctx.generation(plan, at.series, emitter, { done: onDone }, strike);
  res.once('close', () => ctx.stop(g));
  g.start();
}

const responses: Route = (ctx, body, at, res) => {
  const req = parseResponsesRequest(body);
  const turn = beginTurn(ctx, req);
  const tokens = turn.tokens;
  const onDone = (_text: string, n: number) => endTurn(ctx, turn, n);
  if (req.body.stream !== true)
    return run(ctx, res, at, tokens, new JsonEmitter(res, (text, n) => turn.completed(text, n)), onDone);
  const out = new SseWriter(res);
  const emitter = new ResponsesEmitter(turn, out);
  run(ctx, res, at, tokens, emitter, onDone, responsesFaultOut(emitter, out, res.socket));
};

const chat: Route = (ctx, body, at, res) => {
  const req = parseChatRequest(body);
  const turn = new ChatTurn(req, ctx.prompt(req.prompt));
  const tokens = turn.tokens;
  if (!req.stream) return run(ctx, res, at, tokens, new JsonEmitter(res, (text, n) => turn.completion(text, n)));
  const out = new SseWriter(res);
  run(ctx, res, at, tokens, new ChatEmitter(turn, out), undefined, chatFaultOut(turn, out, res.socket));
};

const messages: Route = (ctx, body, at, res) => {
  const req = parseMessagesRequest(body);
  const turn = new MessageTurn(req, ctx.prompt(req.prompt));
  const tokens = { max: req.maxTokens, input: turn.input };
  if (!turn.req.stream) return run(ctx, res, at, tokens, new JsonEmitter(res, (text, n) => turn.completed(text, n)));
  const emitter = new MessagesEmitter(turn, new SseWriter(res));
  run(ctx, res, at, tokens, emitter, undefined, emitter.faultOut(res.socket));
};

const ollama =
  (endpoint: OllamaEndpoint): Route =>
  (ctx, body, at, res) => {
    const req = parseOllamaRequest(body, endpoint);
    const turn = new OllamaTurn(req, ctx.prompt(req.prompt));
    const tokens = { max: req.maxTokens, input: turn.input };
    if (!turn.req.stream) return run(ctx, res, at, tokens, new JsonEmitter(res, (text, n) => turn.final(text, n)));
    const emitter = new OllamaEmitter(turn, new NdjsonWriter(res));
    run(ctx, res, at, tokens, emitter, undefined, emitter.faultOut(res.socket));
  };

const tgi: Route = (ctx, body, at, res) => {
  const req = parseTgiRequest(body);
  const emitter = new TgiEmitter(req, new SseWriter(res));
  run(
    ctx,
    res,
    at,
    { max: req.maxTokens, input: ctx.prompt(req.prompt) },
    emitter,
    undefined,
    emitter.faultOut(res.socket),
  );
};

/** A route whose clients expect their own API's error body for a rejected request, not OpenAI's. */
function rejecting(route: Route, status: number, errorBody: (message: string) => string): Route {
  return (ctx, body, at, res) => {
    try {
      route(ctx, body, at, res);
    } catch (e) {
      if (!(e instanceof RequestError)) throw e;
      sendJson(res, status, errorBody(e.message));
    }
  };
}

/** Each POST endpoint: its route and the protocol its timings are labelled with. */
const ROUTES: ReadonlyMap<string, readonly [Protocol, Route]> = new Map<string, readonly [Protocol, Route]>([
  ['/v1/responses', ['responses', responses]],
  ['/v1/chat/completions', ['chat', chat]],
  ['/v1/messages', ['anthropic', rejecting(messages, 400, messagesErrorBody)]],
  ['/api/generate', ['ollama', rejecting(ollama('generate'), 400, ollamaErrorBody)]],
  ['/api/chat', ['ollama', rejecting(ollama('chat'), 400, ollamaErrorBody)]],
  ['/generate_stream', ['tgi', rejecting(tgi, 422, tgiErrorBody)]],
]);

export function pathOf(url: string | undefined): string {
  const u = url ?? '/';
  const q = u.indexOf('?');
  return q < 0 ? u : u.slice(0, q);
}

const tooLarge = (limit: number): ApiError => ({
  type: 'invalid_request_error',
  code: 'request_too_large',
  message: `The request body is larger than ${limit} bytes (wirebench serve --max-body-bytes).`,
  param: null,
});

export function handleHttp(ctx: ServerContext, req: IncomingMessage, res: ServerResponse): void {
  const path = pathOf(req.url);
  // For tests and humans watching a run; not load, so not counted.
  if (req.method === 'GET' && path === '/stats') {
    req.resume();
    sendJson(res, 200, JSON.stringify(ctx.snapshot()));
    return;
  }
  // For a scraper: the server's own view of the latencies, not load either.
  if (req.method === 'GET' && path === '/metrics') {
    req.resume();
    const text = ctx.metrics.expose();
    res.writeHead(200, { 'content-type': PROM_CONTENT_TYPE, 'content-length': Buffer.byteLength(text) });
    res.end(text);
    return;
  }
  ctx.stats.httpRequests++;
  const found = req.method === 'POST' ? ROUTES.get(path) : undefined;
  if (found === undefined) {
    req.resume();
    sendError(res, 404, {
      type: 'invalid_request_error',
      code: 'not_found',
      message: `No route for ${req.method} ${path}.`,
      param: null,
    });
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (c: Buffer) => {
    size += c.length;
    if (size <= ctx.opts.maxBodyBytes) return void chunks.push(c);
    // Refused before it is all buffered: a huge body must not take the memory of every stream.
    if (res.headersSent) return;
    req.pause();
    sendError(res, 413, tooLarge(ctx.opts.maxBodyBytes), { connection: 'close' });
    res.once('finish', () => req.socket.destroy());
  });
  req.on('end', () => {
    if (size > ctx.opts.maxBodyBytes) return;
    const t0 = performance.now();
    const retryAfter = ctx.throttle(apiKey(req.headers));
    if (retryAfter > 0) {
      sendError(res, 429, rateLimitError(ctx.opts.rateLimit, retryAfter), { 'retry-after': String(retryAfter) });
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      sendError(res, 400, new RequestError('invalid_json', 'We could not parse the JSON body of your request.').body());
      return;
    }
    const [protocol, route] = found;
    // The TLS server's h2 requests arrive through the compat API, with httpVersionMajor 2.
    const series = ctx.metrics.series(protocol, req.httpVersionMajor === 2 ? 'h2' : 'http');
    const answer = (start: number, tokens?: ReadonlyMap<string, Uint32Array>): void => {
      try {
        withTokens(tokens, () => route(ctx, body, { t0: start, series }, res));
      } catch (e) {
        if (!(e instanceof RequestError)) throw e;
        sendError(res, 400, e.body());
      }
    };
    const ahead = tokenizeAhead(body);
    if (ahead === undefined) return answer(t0);
    // A client that left meanwhile has nothing to be answered. The timing starts when the response can:
    // what it waited for is the server's time before its first token.
    void ahead.then((tokens) => res.destroyed || answer(performance.now(), tokens));
  });
}
