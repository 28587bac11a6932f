import type { FastifyInstance } from 'fastify';
import { type BuyerBuild, buildBuyerApp } from '../../buyer/build-buyer';
import { consoleSecurityHeaders } from '../admin/console-routes';

/**
 * The buyer page at `/buyer/` and its bundled files at `/buyer/<name>-<hash>.(js|css)`, built
 * once in memory at the first request (as the console is). Only names from the build are served.
 */
export function registerBuyerApp(app: FastifyInstance): void {
  let building: Promise<BuyerBuild> | undefined;
  const built = async (): Promise<BuyerBuild | undefined> => {
    building ??= buildBuyerApp();
    try {
      return await building;
    } catch (error) {
      building = undefined;
      app.log.error({ err: error }, 'buyer page build failed');
      return undefined;
    }
  };
  const unavailable = { code: 'buyer_page_unavailable', message: 'the buyer page could not be built here' };
  // The console's headers, and the page's manifest may load (the console's CSP allows nothing by default).
  const headers = {
    ...consoleSecurityHeaders,
    'content-security-policy': `${consoleSecurityHeaders['content-security-policy']}; manifest-src 'self'`,
  };
  app.get('/buyer/', async (_request, reply) => {
    const b = await built();
    if (b === undefined) return reply.code(503).send(unavailable);
    return reply
      .headers(headers)
      .header('cache-control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(b.html);
  });
  app.get('/buyer/:file', async (request, reply) => {
    const b = await built();
    if (b === undefined) return reply.code(503).send(unavailable);
    const name = (request.params as { file: string }).file;
    const asset = b.assets.get(name);
    if (asset === undefined)
      return reply.code(404).send({ code: 'not_found', message: `no buyer page file ${name.slice(0, 100)}` });
    // The manifest and the icon keep their names: a browser revalidates them.
    const fixed = !/-[A-Z0-9]{8}\.(js|css)$/.test(name);
    return reply
      .headers(headers)
      .header('cache-control', fixed ? 'no-cache' : 'public, max-age=31536000, immutable')
      .type(asset.type)
      .send(asset.body);
  });
}
