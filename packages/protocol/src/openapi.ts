import { basketLineSchema, basketSchema } from '@tillpoint/core';
import { quoteSchema } from '@tillpoint/rules';
import { z } from 'zod';
import {
  identifyAnswerSchema,
  identifyRequestSchema,
  sendCodeAnswerSchema,
  sendCodeRequestSchema,
  verifyCodeRequestSchema,
} from './identify';
import {
  type ApiErrorCode,
  apiErrorSchema,
  cancelAnswerSchema,
  cancelRequestSchema,
  cancelSaleRequestSchema,
  cardCodeSchema,
  cardInfoSchema,
  commitRequestSchema,
  enrolRequestSchema,
  healthSchema,
  idempotencyKeySchema,
  printAnswerSchema,
  printRequestSchema,
  quoteRequestSchema,
  receiptIdSchema,
  recentSalesAnswerSchema,
  reserveAnswerSchema,
  reserveRequestSchema,
  returnAnswerSchema,
  returnRequestSchema,
  saleAnswerSchema,
  shiftAnswerSchema,
  slipAnswerSchema,
  statusOfCode,
} from './local-api';
import { examples, refusalExamples } from './openapi-examples';
import { codeMeanings, localApiRoutes, type RouteDoc, tagDescriptions } from './openapi-routes';
import { quoteAnswerSchema, sharedReasonsQuoteSchema } from './quote-answer';

export { localApiRoutes } from './openapi-routes';

/**
 * The local API's own version (semver): it changes when the API does, never with the rules or
 * the program. Every change is in packages/protocol/CHANGELOG.md.
 */
export const localApiVersion = '1.4.0';

type Json = Record<string, unknown>;
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** Named schemas, requests read as a POS sends them (defaults optional), answers as the agent sends them. */
function componentSchemas(): Record<string, Json> {
  const inputs = z.registry<{ id: string; description: string }>();
  inputs.add(idempotencyKeySchema, {
    id: 'IdempotencyKey',
    description:
      'The POS receipt id or a UUID: repeating a write with the same key returns its first answer.',
  });
  inputs.add(cardCodeSchema, { id: 'CardCode', description: 'A loyalty card as scanned.' });
  inputs.add(receiptIdSchema, {
    id: 'ReceiptId',
    description: 'The fiscal receipt id: printed on the slip, and the key of returns.',
  });
  inputs.add(basketLineSchema, {
    id: 'BasketLine',
    description: 'One line of the receipt; money in minor units.',
  });
  inputs.add(basketSchema, { id: 'Basket', description: 'The receipt’s lines, in the program’s currency.' });
  inputs.add(enrolRequestSchema, { id: 'EnrolRequest', description: 'A phone and the buyer’s consent.' });
  inputs.add(quoteRequestSchema, {
    id: 'QuoteRequest',
    description: 'A basket, the card, and the spend the buyer chose.',
  });
  inputs.add(reserveRequestSchema, {
    id: 'ReserveRequest',
    description: 'The spend to hold, and for how long.',
  });
  inputs.add(commitRequestSchema, {
    id: 'CommitRequest',
    description: 'The sale: spend in one shot or post a hold.',
  });
  inputs.add(cancelRequestSchema, { id: 'CancelRequest', description: 'The hold to release.' });
  inputs.add(returnRequestSchema, {
    id: 'ReturnRequest',
    description: 'What the buyer gets back, in minor units.',
  });
  inputs.add(printRequestSchema, { id: 'PrintRequest', description: 'One print job per key.' });
  inputs.add(cancelSaleRequestSchema, { id: 'CancelSaleRequest', description: 'One cancel per key.' });
  inputs.add(identifyRequestSchema, { id: 'IdentifyRequest', description: 'The buyer’s phone as typed.' });
  inputs.add(sendCodeRequestSchema, {
    id: 'SendCodeRequest',
    description: 'The identification to send a code for.',
  });
  inputs.add(verifyCodeRequestSchema, {
    id: 'VerifyCodeRequest',
    description: 'The code the buyer read out.',
  });
  const outputs = z.registry<{ id: string; description: string }>();
  outputs.add(identifyAnswerSchema, { id: 'Identification', description: 'A buyer found without the card.' });
  outputs.add(sendCodeAnswerSchema, { id: 'SendCodeAnswer', description: 'A one-time code on its way.' });
  outputs.add(healthSchema, { id: 'Health', description: 'The agent’s state.' });
  outputs.add(cardInfoSchema, { id: 'CardInfo', description: 'A card’s standing.' });
  outputs.add(quoteSchema, {
    id: 'Quote',
    description: 'Points per line with reasons, the spend, tier, offers.',
  });
  outputs.add(sharedReasonsQuoteSchema, {
    id: 'QuoteSharedReasons',
    description: 'The quote with each distinct line reason once (`lineReasons: shared`).',
  });
  outputs.add(quoteAnswerSchema, {
    id: 'QuoteAnswer',
    description: 'The quote, its line reasons inline or shared as the request asked.',
  });
  outputs.add(reserveAnswerSchema, { id: 'Reservation', description: 'A hold on points, with its quote.' });
  outputs.add(cancelAnswerSchema, { id: 'CancelAnswer', description: 'A released hold.' });
  outputs.add(saleAnswerSchema, { id: 'Sale', description: 'A booked sale.' });
  outputs.add(returnAnswerSchema, { id: 'ReturnAnswer', description: 'Points moved back by a return.' });
  outputs.add(slipAnswerSchema, { id: 'Slip', description: 'A sale’s loyalty slip.' });
  outputs.add(printAnswerSchema, { id: 'PrintAnswer', description: 'A queued print job.' });
  outputs.add(recentSalesAnswerSchema, { id: 'RecentSales', description: 'The latest sales at this till.' });
  outputs.add(shiftAnswerSchema, { id: 'Shift', description: 'Today’s totals at this till.' });
  outputs.add(apiErrorSchema, {
    id: 'ApiError',
    description: 'A refusal: a stable code and a sentence for developers.',
  });
  const options = { uri: (id: string) => `#/components/schemas/${id}`, unrepresentable: 'any' } as const;
  const all = {
    ...z.toJSONSchema(inputs, { ...options, io: 'input' }).schemas,
    ...z.toJSONSchema(outputs, { ...options, io: 'output' }).schemas,
  };
  return Object.fromEntries(
    Object.entries(all).map(([name, schema]) => {
      const { $schema: _s, $id: _i, ...rest } = schema as Json;
      return [name, rest];
    }),
  );
}

/** Responses every route shares, by name: used by `$ref` where a route's refusals at a status are exactly these. */
const sharedResponses: Record<string, { status: number; codes: ApiErrorCode[] }> = {
  InvalidRequest: { status: 400, codes: ['invalid_request'] },
  Unauthorized: { status: 401, codes: ['unauthorized'] },
  ForeignHost: { status: 403, codes: ['unauthorized'] },
  PayloadTooLarge: { status: 413, codes: ['payload_too_large'] },
  Internal: { status: 500, codes: ['internal'] },
  LoyaltyUnavailable: { status: 503, codes: ['loyalty_unavailable'] },
};

function errorResponse(codes: readonly ApiErrorCode[], status: number): Json {
  const meaning = (code: ApiErrorCode) =>
    code === 'unauthorized'
      ? (codeMeanings.unauthorized.split('; ')[status === 401 ? 0 : 1] ?? '').replace(/^\d+: /, '')
      : codeMeanings[code];
  return {
    description: codes.map((code) => `\`${code}\`: ${meaning(code)}.`).join(' '),
    content: {
      'application/json': {
        schema: ref('ApiError'),
        examples: Object.fromEntries(
          codes.map((code) => [code, { summary: code, value: { code, ...refusalExamples[code] } }]),
        ),
      },
    },
  };
}

/** Every refusal a route may answer with, by HTTP status. */
export function routeRefusals(
  route: Pick<RouteDoc, 'method' | 'codes' | 'ledger'>,
): Map<number, ApiErrorCode[]> {
  const codes: ApiErrorCode[] = ['invalid_request', 'unauthorized', 'internal', ...route.codes];
  if (route.method === 'post') codes.push('payload_too_large');
  if (route.ledger) codes.push('loyalty_unavailable');
  const byStatus = new Map<number, ApiErrorCode[]>();
  for (const code of new Set(codes))
    byStatus.set(statusOfCode[code], [...(byStatus.get(statusOfCode[code]) ?? []), code]);
  // A foreign Host (or a page write from another origin) is refused with 403 on every route.
  byStatus.set(403, [...(byStatus.get(403) ?? []), 'unauthorized']);
  return new Map([...byStatus.entries()].sort(([a], [b]) => a - b));
}

function responsesOf(route: RouteDoc): Json {
  const responses: Json = {
    200: {
      description: route.answer.description,
      content: { 'application/json': { schema: ref(route.answer.schema), example: route.answer.example } },
    },
  };
  for (const [status, codes] of routeRefusals(route)) {
    const shared = Object.entries(sharedResponses).find(
      ([, r]) =>
        r.status === status && r.codes.length === codes.length && r.codes.every((c) => codes.includes(c)),
    );
    responses[status] =
      shared === undefined ? errorResponse(codes, status) : { $ref: `#/components/responses/${shared[0]}` };
  }
  return responses;
}

const pathParameters: Record<string, Json> = {
  cardCode: { description: 'The card as scanned.', schema: ref('CardCode'), example: '2000000000015' },
  receiptId: {
    description: 'The fiscal receipt id of the sale.',
    schema: ref('ReceiptId'),
    example: 'R-0002',
  },
};

function operationOf(route: RouteDoc): Json {
  const params = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '');
  return {
    operationId: route.operationId,
    tags: [route.tag],
    summary: route.summary,
    description: route.description,
    ...(params.length > 0
      ? { parameters: params.map((name) => ({ name, in: 'path', required: true, ...pathParameters[name] })) }
      : {}),
    ...(route.request === undefined
      ? {}
      : {
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: ref(route.request.schema), example: route.request.example },
            },
          },
        }),
    responses: responsesOf(route),
  };
}

const eventsOperation: Json = {
  operationId: 'streamEvents',
  tags: ['Agent'],
  summary: 'Follow the agent’s events',
  description:
    'Server-sent events, each `data:` one JSON object `{ id, type, at, data }`: `scan` (every label read; `card` says `card`, `product` or `invalid_check_digit` for a misread card), `card` (a scanned card with its balance; again with `source: head_office` when head office’s balance arrives), `device`, `printer`, `sync` (head office reached or not), `loyalty` (on or off), `sale`. Resume after a drop with `Last-Event-ID`; without it the stream starts with the current loyalty, printer, device and sync state.',
  responses: {
    200: {
      description: 'The event stream (never ends by itself).',
      content: { 'text/event-stream': { schema: { type: 'string' }, example: examples.events } },
    },
    401: { $ref: '#/components/responses/Unauthorized' },
    403: { $ref: '#/components/responses/ForeignHost' },
    503: errorResponse(['loyalty_unavailable'], 503),
  },
};

/**
 * The OpenAPI 3.1 document of the local API, generated from the zod schemas the agent
 * validates with. `programVersion`, when given, names the rule set in force at this till in the
 * description (the document's version is the API's, `localApiVersion`).
 */
export function localApiOpenApi(programVersion?: string): Json {
  const paths: Record<string, Json> = {};
  for (const route of localApiRoutes)
    paths[route.path] = { ...paths[route.path], [route.method]: operationOf(route) };
  paths['/v1/events'] = { get: eventsOperation };
  const responses = Object.fromEntries(
    Object.entries(sharedResponses).map(([name, r]) => [name, errorResponse(r.codes, r.status)]),
  );
  return {
    openapi: '3.1.0',
    info: {
      title: 'Tillpoint local POS API',
      version: localApiVersion,
      summary: 'Loyalty at the till: quote, spend and earn points, print the slip.',
      description: [
        'The till agent’s API for POS software. It listens on 127.0.0.1 only and answers in milliseconds without a network: quote a basket, commit the sale with its fiscal receipt id, return against it, print the loyalty slip, follow scans on the event stream.',
        'Every write takes an `idempotencyKey` (the POS receipt id or a UUID): repeating a call returns its first answer, even after the agent restarted; the same key with another body is refused (`idempotency_conflict`). Money is integer minor units (kopecks, cents), points are integers.',
        'A refusal is `{ code, message, details? }` with a stable `code` to branch on; `message` is for developers and logs, not for the cashier. On `loyalty_unavailable` (or no answer within your timeout) go on with the sale without points. Changes: packages/protocol/CHANGELOG.md.',
        ...(programVersion === undefined ? [] : [`Rule set in force at this till: \`${programVersion}\`.`]),
      ].join('\n\n'),
      license: { name: 'Apache 2.0', identifier: 'Apache-2.0' },
    },
    servers: [
      { url: 'http://127.0.0.1:8787', description: 'The agent on this till (`api.port` in its config).' },
    ],
    security: [{ bearer: [] }],
    tags: Object.entries(tagDescriptions).map(([name, description]) => ({ name, description })),
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'The `api.token` from the agent config.' },
      },
      schemas: componentSchemas(),
      responses,
    },
  };
}
