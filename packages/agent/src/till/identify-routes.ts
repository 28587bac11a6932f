import {
  identifyRequestSchema,
  sendCodeRequestSchema,
  statusOfCode,
  verifyCodeRequestSchema,
} from '@tillpoint/protocol';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { IdentifyDesk } from './identify-desk';
import type { GatedRequest } from './identify-rules';
import type { SessionResult } from './session-result';

const gatedRoutes: Record<string, 'quote' | 'reserve' | 'commit'> = {
  'POST /v1/quote': 'quote',
  'POST /v1/reservations': 'reserve',
  'POST /v1/sales': 'commit',
};

function answer<T>(reply: FastifyReply, result: SessionResult<T>): T | FastifyReply {
  if (result.ok) return result.value;
  return reply.code(statusOfCode[result.code]).send({
    code: result.code,
    message: result.message,
    ...(result.details === undefined ? {} : { details: result.details }),
  });
}

function parsed<T>(schema: z.ZodType<T>, body: unknown): SessionResult<T> {
  const r = schema.safeParse(body);
  if (r.success) return { ok: true, value: r.data };
  return {
    ok: false,
    code: 'invalid_request',
    message: z.prettifyError(r.error),
    details: {
      issues: r.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
    },
  };
}

/**
 * The local API's identification routes (`POST /v1/cards/identify`, `/identify/code`,
 * `/identify/verify`) and the gate on quote, reserve and commit for a request that names an
 * identification (checked before the route's own handler, after its body is read).
 */
export function registerIdentifyRoutes(app: FastifyInstance, desk: IdentifyDesk): void {
  app.post('/v1/cards/identify', async (request, reply) => {
    const body = parsed(identifyRequestSchema, request.body);
    return answer(reply, body.ok ? await desk.identify(body.value) : body);
  });
  app.post('/v1/cards/identify/code', async (request, reply) => {
    const body = parsed(sendCodeRequestSchema, request.body);
    return answer(reply, body.ok ? await desk.sendCode(body.value) : body);
  });
  app.post('/v1/cards/identify/verify', async (request, reply) => {
    const body = parsed(verifyCodeRequestSchema, request.body);
    return answer(reply, body.ok ? await desk.verifyCode(body.value) : body);
  });
  app.addHook('preHandler', async (request, reply) => {
    const route = gatedRoutes[`${request.method} ${request.routeOptions.url}`];
    const body = request.body;
    if (route === undefined || typeof body !== 'object' || body === null) return;
    if (typeof (body as GatedRequest).identificationId !== 'string') return;
    const refused = desk.gate(route, body as GatedRequest);
    if (refused !== undefined) return answer(reply, refused);
  });
}
