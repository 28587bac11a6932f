import { z } from 'zod';
import { errorBodySchema } from './admin-api-schemas';
import { adminErrorCodes } from './admin-errors';
import type { AdminRoute } from './admin-route';
import { sessionCookieName } from './session-cookie';

type JsonSchema = Record<string, unknown>;

function schemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

function parametersOf(schema: z.ZodType | undefined, where: 'path' | 'query'): JsonSchema[] {
  if (!schema) return [];
  const object = schemaOf(schema, 'input');
  const properties = (object.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((object.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    schema: property,
  }));
}

/**
 * The admin API's OpenAPI 3.1 document, generated from the routes' own zod schemas (the ones
 * that parse the requests), so it cannot drift from what the hub accepts.
 */
export function adminOpenApi(routes: readonly AdminRoute[], prefix: string): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes) {
    const path = prefix + route.url.replace(/:(\w+)/g, '{$1}');
    const ok = String(route.status ?? 200);
    const operation: JsonSchema = {
      tags: [route.tag],
      summary: route.summary,
      operationId: `${route.method.toLowerCase()}${path.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? '').toUpperCase())}`,
      'x-permission': route.access,
      security:
        route.access === 'public' ? [] : [{ session: [], ...(route.method === 'GET' ? {} : { csrf: [] }) }],
      parameters: [...parametersOf(route.params, 'path'), ...parametersOf(route.query, 'query')],
      responses: {
        [ok]: {
          description: 'done',
          content: route.csv
            ? { 'text/csv': { schema: { type: 'string' } } }
            : { 'application/json': { schema: schemaOf(route.response, 'output') } },
        },
        '4XX': {
          description: `refused: \`code\` is one of ${adminErrorCodes.join(', ')}`,
          content: { 'application/json': { schema: schemaOf(errorBodySchema, 'output') } },
        },
      },
    };
    if (route.body)
      operation.requestBody = {
        required: true,
        content: { 'application/json': { schema: schemaOf(route.body, 'input') } },
      };
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: operation };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Tillpoint head office admin API',
      version: '1',
      description:
        'For people at head office (the console uses it). Sign in at /sign-in; the session is an HttpOnly cookie; every write echoes the session’s csrfToken in X-CSRF-Token. Each operation names the permission it needs (x-permission).',
    },
    paths,
    components: {
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: sessionCookieName },
        csrf: { type: 'apiKey', in: 'header', name: 'X-CSRF-Token' },
      },
    },
  };
}
