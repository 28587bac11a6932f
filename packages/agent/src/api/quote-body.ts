import { basketLineProblems } from '@tillpoint/core';
import { type QuoteRequest, quoteRequestSchema } from '@tillpoint/protocol';
import type { FastifyRequest, FastifyServerOptions, RouteShorthandOptions } from 'fastify';
import { z } from 'zod';

/**
 * The quote's body, validated once where it arrives, by a validator compiled from the zod
 * schema: `quoteRequestSchema` (the source of truth, the type inferred from it) becomes JSON
 * Schema, which fastify compiles with ajv for the route (a 50-line basket in a tenth of zod's
 * time). JSON Schema cannot say what spans lines (a repeated line id, an amount that is not
 * quantity × price − discount): `basketLineProblems` of @tillpoint/core, the same function the
 * zod schema runs, checks that. Whatever the compiled check refuses or cannot judge alone (a
 * body with chosen rewards: they must be named once each) goes to zod itself, which decides and
 * words the refusal: zod never accepts less than before.
 * `quote-body.property.test.ts` checks that both accept the same bodies and give the same data.
 */

/**
 * The instance's ajv as zod reads a body: no type coercion ("5" is not 5), nothing removed (an
 * unknown key is refused), defaults filled in. Both count a string's length in code points.
 */
export const zodLikeAjv: NonNullable<FastifyServerOptions['ajv']> = {
  customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: true },
};

/** The route's options: its body schema, and the handler told (not thrown at) when it fails. */
export const quoteRouteOptions: RouteShorthandOptions = {
  schema: {
    body: z.toJSONSchema(quoteRequestSchema, { io: 'input', target: 'draft-07', unrepresentable: 'any' }),
  },
  attachValidation: true,
};

/** The body as `quoteRequestSchema` parses it, or undefined when zod must judge it. */
export function checkedQuoteBody(request: FastifyRequest): QuoteRequest | undefined {
  if (request.validationError !== undefined) return undefined;
  const body = request.body as QuoteRequest;
  if (body.rewards !== undefined) return undefined;
  return basketLineProblems(body.basket.lines).length === 0 ? body : undefined;
}
