import type { FastifyInstance, FastifyReply } from 'fastify';
import { buildConsole, type ConsoleBuild } from '../../console/build-console';

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

const unavailable = (reply: FastifyReply) =>
  reply.code(503).headers(consoleSecurityHeaders).send({
    code: 'console_unavailable',
    message: 'the console could not be built on this head office; its sync and admin API still work',
  });

/**
 * The console at `/` and its bundled files at `/console/<name>-<hash>.(js|css)` (built once,
 * in memory, at the first request for them: a hub that only syncs never runs the bundler, so
 * its start stays quick and needs nothing but its own files). Only names from the build are
 * served, never a path taken from the request.
 */
export function registerConsole(app: FastifyInstance): void {
  let building: Promise<ConsoleBuild> | undefined;
  const consoleBuild = async (): Promise<ConsoleBuild | undefined> => {
    building ??= buildConsole();
    try {
      return await building;
    } catch (error) {
      building = undefined; // the next request tries again
      app.log.error({ err: error }, 'console build failed');
      return undefined;
    }
  };
  app.register(async (scope) => {
    scope.get('/', async (_request, reply) => {
      const built = await consoleBuild();
      if (built === undefined) return unavailable(reply);
      return reply
        .headers(consoleSecurityHeaders)
        .header('cache-control', 'no-store')
        .type('text/html; charset=utf-8')
        .send(built.html);
    });
    scope.get('/console/:file', async (request, reply) => {
      const built = await consoleBuild();
      if (built === undefined) return unavailable(reply);
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
