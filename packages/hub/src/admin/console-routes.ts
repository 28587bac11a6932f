import type { FastifyInstance, FastifyReply } from 'fastify';
import { buildConsole } from '../../console/build-console';

/**
 * Headers of every console response: scripts, styles and requests only from the hub itself,
 * no inline script or style (no 'unsafe-inline'), no framing, no referrer.
 */
export const consoleSecurityHeaders = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
} as const;

const notFound = (reply: FastifyReply, what: string) =>
  reply
    .code(404)
    .headers(consoleSecurityHeaders)
    .send({ code: 'not_found', message: `no console file ${what}` });

/**
 * The console at `/` and its bundled files at `/console/<name>-<hash>.(js|css)` (built once,
 * in memory, when the hub starts). Only names from the build are served, never a path taken
 * from the request.
 */
export function registerConsole(app: FastifyInstance): void {
  app.register(async (scope) => {
    const built = await buildConsole();
    scope.get('/', async (_request, reply) =>
      reply
        .headers(consoleSecurityHeaders)
        .header('cache-control', 'no-store')
        .type('text/html; charset=utf-8')
        .send(built.html),
    );
    scope.get('/console/:file', async (request, reply) => {
      const name = (request.params as { file: string }).file;
      const asset = built.assets.get(name);
      if (asset === undefined) return notFound(reply, name.slice(0, 100));
      return reply
        .headers(consoleSecurityHeaders)
        .header('cache-control', 'public, max-age=31536000, immutable')
        .type(asset.type)
        .send(asset.body);
    });
  });
}
