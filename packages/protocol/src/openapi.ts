import { quoteSchema } from '@tillpoint/rules';
import { z } from 'zod';
import {
  apiErrorSchema,
  cancelAnswerSchema,
  cancelRequestSchema,
  cardInfoSchema,
  commitRequestSchema,
  enrolRequestSchema,
  healthSchema,
  printAnswerSchema,
  printRequestSchema,
  quoteRequestSchema,
  reserveAnswerSchema,
  reserveRequestSchema,
  returnAnswerSchema,
  returnRequestSchema,
  saleAnswerSchema,
  slipAnswerSchema,
} from './local-api';

interface Route {
  method: 'get' | 'post';
  path: string;
  summary: string;
  request?: z.ZodType;
  answer: z.ZodType;
  /** Refusal codes this route may answer with, by HTTP status. */
  refusals: Record<number, string>;
}

/** Every route of the local API: the agent registers these, the OpenAPI document lists them. */
export const localApiRoutes: readonly Route[] = [
  {
    method: 'get',
    path: '/v1/health',
    summary: 'Agent, ledger, printer and scanner state',
    answer: healthSchema,
    refusals: {},
  },
  {
    method: 'get',
    path: '/v1/cards/{cardCode}',
    summary: 'Card lookup: status, spendable and pending points, tier, points expiring soon',
    answer: cardInfoSchema,
    refusals: { 404: 'card_unknown', 503: 'loyalty_unavailable' },
  },
  {
    method: 'post',
    path: '/v1/cards/{cardCode}/enrol',
    summary: 'Enrol or activate a card with a phone number and the buyer’s consent',
    request: enrolRequestSchema,
    answer: cardInfoSchema,
    refusals: { 403: 'card_blocked', 409: 'idempotency_conflict' },
  },
  {
    method: 'post',
    path: '/v1/quote',
    summary: 'Points earned per line, the most the buyer may spend, tier progress, offers (writes nothing)',
    request: quoteRequestSchema,
    answer: quoteSchema,
    refusals: { 403: 'card_blocked', 404: 'card_unknown' },
  },
  {
    method: 'post',
    path: '/v1/reservations',
    summary: 'Hold points the buyer chose to spend, until commit, cancel or timeout',
    request: reserveRequestSchema,
    answer: reserveAnswerSchema,
    refusals: { 409: 'insufficient_points', 422: 'above_maximum' },
  },
  {
    method: 'post',
    path: '/v1/reservations/cancel',
    summary: 'Release a hold',
    request: cancelRequestSchema,
    answer: cancelAnswerSchema,
    refusals: { 404: 'hold_unknown' },
  },
  {
    method: 'post',
    path: '/v1/sales',
    summary: 'Commit a sale with its fiscal receipt id: earn, and spend in one shot or post a hold',
    request: commitRequestSchema,
    answer: saleAnswerSchema,
    refusals: { 409: 'insufficient_points', 410: 'hold_expired' },
  },
  {
    method: 'post',
    path: '/v1/returns',
    summary:
      'Return against an original receipt: earned points reversed and spent points given back in proportion',
    request: returnRequestSchema,
    answer: returnAnswerSchema,
    refusals: { 404: 'receipt_unknown', 422: 'return_exceeds_sale' },
  },
  {
    method: 'get',
    path: '/v1/sales/{receiptId}/slip',
    summary: 'The loyalty slip of a sale: text lines and ESC/POS bytes (base64)',
    answer: slipAnswerSchema,
    refusals: { 404: 'receipt_unknown' },
  },
  {
    method: 'post',
    path: '/v1/sales/{receiptId}/print',
    summary: 'Print or reprint the slip on the loyalty printer',
    request: printRequestSchema,
    answer: printAnswerSchema,
    refusals: { 503: 'printer_unavailable' },
  },
];

function schemaOf(type: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  return z.toJSONSchema(type, { io, unrepresentable: 'any' }) as Record<string, unknown>;
}

/** The OpenAPI 3.1 document of the local API, generated from the zod schemas. */
export function localApiOpenApi(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of localApiRoutes) {
    const responses: Record<string, unknown> = {
      200: {
        description: 'OK',
        content: { 'application/json': { schema: schemaOf(route.answer, 'output') } },
      },
      400: {
        description: 'invalid_request',
        content: { 'application/json': { schema: schemaOf(apiErrorSchema, 'output') } },
      },
      401: { description: 'unauthorized: missing or wrong bearer token' },
    };
    for (const [status, code] of Object.entries(route.refusals)) {
      responses[status] = {
        description: code,
        content: { 'application/json': { schema: schemaOf(apiErrorSchema, 'output') } },
      };
    }
    const params = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    paths[route.path] = {
      ...paths[route.path],
      [route.method]: {
        summary: route.summary,
        ...(params.length > 0 ? { parameters: params } : {}),
        ...(route.request === undefined
          ? {}
          : {
              requestBody: {
                required: true,
                content: { 'application/json': { schema: schemaOf(route.request, 'input') } },
              },
            }),
        responses,
      },
    };
  }
  paths['/v1/events'] = {
    get: {
      summary:
        'Server-sent events: scan, card, device, printer, sync, loyalty, sale. Resume with Last-Event-ID.',
      responses: { 200: { description: 'text/event-stream', content: { 'text/event-stream': {} } } },
    },
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Tillpoint local POS API',
      version,
      description: 'Listens on 127.0.0.1 only. Every write takes an idempotency key.',
    },
    servers: [{ url: 'http://127.0.0.1:8787' }],
    security: [{ bearer: [] }],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    paths,
  };
}
