import type { ServerResponse } from 'node:http';
import {
  type ApiErrorCode,
  cancelRequestSchema,
  cancelSaleRequestSchema,
  cardCodeSchema,
  commitRequestSchema,
  enrolRequestSchema,
  type Health,
  localApiOpenApi,
  printRequestSchema,
  quoteRequestSchema,
  receiptIdSchema,
  reserveRequestSchema,
  returnRequestSchema,
  shareLineReasons,
  statusOfCode,
} from '@tillpoint/protocol';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { z } from 'zod';
import { registerApiDocs } from '../page/api-docs';
import type { AgentEvent, AgentEvents } from '../run/events';
import type { SessionResult, TillSession } from '../till/till-session';
import { checkedQuoteBody, quoteRouteOptions, zodLikeAjv } from './quote-body';
import { guardRoutes } from './route-access';

/** HTTP status of each refusal code (one table in @tillpoint/protocol, shared with the OpenAPI document). */
export { statusOfCode };

export interface LocalApiOptions {
  session: TillSession;
  events: AgentEvents;
  logger: Logger;
  token: string;
  bodyBytesMax: number;
  eventClientsMax: number;
  health: () => Health;
  /** Extra routes (the companion page) registered on the same server. */
  extend?: (app: FastifyInstance) => void;
}

class HttpRefusal extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new HttpRefusal('invalid_request', z.prettifyError(parsed.error), {
      issues: parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
    });
  }
  return parsed.data;
}

function send<T>(reply: FastifyReply, result: SessionResult<T>): T | undefined {
  if (result.ok) return result.value;
  reply.code(statusOfCode[result.code]);
  void reply.send({
    code: result.code,
    message: result.message,
    ...(result.details === undefined ? {} : { details: result.details }),
  });
  return undefined;
}

/**
 * The local POS API. Listens on 127.0.0.1 only; every route needs the bearer token unless it
 * is registered with `config: { access: 'public' }` (see route-access.ts).
 */
export function createLocalApi(o: LocalApiOptions): FastifyInstance {
  const app = Fastify({ bodyLimit: o.bodyBytesMax, logger: false, ajv: zodLikeAjv });
  let eventClients = 0;
  const openStreams = new Set<ServerResponse>();
  // Event streams never end by themselves: close them first, or shutdown would wait forever.
  app.addHook('preClose', async () => {
    for (const res of openStreams) res.end();
  });

  guardRoutes(app, o.token);

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, _request, reply) => {
    if (error instanceof HttpRefusal) {
      return reply.code(statusOfCode[error.code]).send({
        code: error.code,
        message: error.message,
        ...(error.details ? { details: error.details } : {}),
      });
    }
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply
        .code(413)
        .send({ code: 'payload_too_large', message: `request body over ${o.bodyBytesMax} bytes` });
    }
    if (error.statusCode === 429) {
      return reply.code(429).send({ code: 'rate_limited', message: error.message });
    }
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      return reply.code(error.statusCode).send({ code: 'invalid_request', message: error.message });
    }
    o.logger.error({ err: error, code: 'internal' }, 'unexpected error in the local API');
    return reply
      .code(500)
      .send({ code: 'internal', message: 'the agent hit a bug; the sale can go on without loyalty' });
  });

  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ code: 'not_found', message: `no route ${request.method} ${request.url}` }),
  );

  const cardParam = (request: FastifyRequest) =>
    parseBody(cardCodeSchema, (request.params as { cardCode?: string }).cardCode);
  const receiptParam = (request: FastifyRequest) =>
    parseBody(receiptIdSchema, (request.params as { receiptId?: string }).receiptId);

  // Built once per rule set (4-17 ms each time otherwise, on a public route).
  let openApi: { version: string; document: unknown } | undefined;
  app.get('/openapi.json', { config: { access: 'public' } }, async () => {
    const version = o.session.program.versionId;
    if (openApi?.version !== version) openApi = { version, document: localApiOpenApi(version) };
    return openApi.document;
  });
  registerApiDocs(app);
  app.get('/v1/health', async () => o.health());
  app.get('/v1/cards/:cardCode', async (request, reply) =>
    send(reply, o.session.cardInfo(cardParam(request))),
  );
  app.post('/v1/cards/:cardCode/enrol', async (request, reply) =>
    send(reply, o.session.enrol(cardParam(request), parseBody(enrolRequestSchema, request.body))),
  );
  app.post('/v1/quote', quoteRouteOptions, async (request, reply) => {
    const body = checkedQuoteBody(request) ?? parseBody(quoteRequestSchema, request.body);
    const quote = send(reply, o.session.quote(body));
    return quote !== undefined && body.lineReasons === 'shared' ? shareLineReasons(quote) : quote;
  });
  app.post('/v1/reservations', async (request, reply) =>
    send(reply, o.session.reserve(parseBody(reserveRequestSchema, request.body))),
  );
  app.post('/v1/reservations/cancel', async (request, reply) =>
    send(reply, o.session.cancel(parseBody(cancelRequestSchema, request.body))),
  );
  app.post('/v1/sales', async (request, reply) =>
    send(reply, o.session.commit(parseBody(commitRequestSchema, request.body))),
  );
  app.post('/v1/returns', async (request, reply) =>
    send(reply, await o.session.returnSale(parseBody(returnRequestSchema, request.body))),
  );
  app.post('/v1/sales/:receiptId/cancel', async (request, reply) =>
    send(
      reply,
      o.session.cancelSale(receiptParam(request), parseBody(cancelSaleRequestSchema, request.body)),
    ),
  );
  app.get('/v1/sales/recent', async (_request, reply) => send(reply, o.session.recentSales()));
  app.get('/v1/shift', async (_request, reply) => send(reply, o.session.shift()));
  app.get('/v1/sales/:receiptId/slip', async (request, reply) => {
    const receiptId = receiptParam(request);
    const found = send(reply, o.session.slip(receiptId));
    return (
      found && { receiptId, text: found.text, escposBase64: Buffer.from(found.escpos).toString('base64') }
    );
  });
  app.post('/v1/sales/:receiptId/print', async (request, reply) => {
    const receiptId = receiptParam(request);
    const body = parseBody(printRequestSchema, request.body);
    return send(reply, o.session.print(receiptId, body.idempotencyKey));
  });

  app.get('/v1/events', (request, reply) => {
    if (eventClients >= o.eventClientsMax) {
      void reply.code(503).send({
        code: 'loyalty_unavailable',
        message: `too many event stream clients (max ${o.eventClientsMax})`,
      });
      return;
    }
    eventClients++;
    reply.hijack();
    const res: ServerResponse = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    const write = (event: AgentEvent) => {
      res.write(`id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
    };
    res.write('retry: 1000\n\n');
    const lastId = Number(request.headers['last-event-id'] ?? Number.NaN);
    if (Number.isSafeInteger(lastId)) for (const e of o.events.since(lastId)) write(e);
    else
      for (const type of ['loyalty', 'printer', 'device', 'sync'] as const) {
        const current = o.events.latest(type);
        if (current !== undefined) write(current);
      }
    const unsubscribe = o.events.subscribe(write);
    // A comment line now and then keeps proxies and idle timers from closing the stream.
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    heartbeat.unref();
    openStreams.add(res);
    const close = () => {
      openStreams.delete(res);
      clearInterval(heartbeat);
      unsubscribe();
      eventClients--;
    };
    res.once('close', close);
  });

  o.extend?.(app);
  return app;
}
