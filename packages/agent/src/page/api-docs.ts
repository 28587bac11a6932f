import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';

/**
 * Interactive API docs for POS integrators at `/docs`: Swagger UI (swagger-ui-dist, served from
 * the agent's own node_modules: no CDN, works on a till without internet) over the agent's
 * `/openapi.json`. Public like the document itself: neither holds a secret; "Try it out" needs
 * the bearer token (the Authorize button).
 */

/** Swagger UI's files, a fixed list; read from disk on first use and kept. */
const vendorFiles = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
} as const;
type VendorFile = keyof typeof vendorFiles;

/** Swagger UI sets inline styles; everything else comes from the agent itself. */
const docsHeaders = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
} as const;

const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tillpoint local POS API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
</head>
<body>
<div id="docs"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/docs.js"></script>
</body>
</html>
`;

/** No external validator badge (it would call validator.swagger.io), the try-it requests to this agent. */
const init = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#docs',
  deepLinking: true,
  validatorUrl: null,
  displayOperationId: true,
  defaultModelsExpandDepth: 0,
  tryItOutEnabled: false,
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
});
`;

function swaggerUiDir(): string {
  return dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
}

export function registerApiDocs(app: FastifyInstance): void {
  const cache = new Map<VendorFile, Buffer>();
  const vendor = (name: VendorFile): Buffer => {
    let body = cache.get(name);
    if (body === undefined) {
      body = readFileSync(join(swaggerUiDir(), name));
      cache.set(name, body);
    }
    return body;
  };
  const page = { config: { access: 'public' as const } };
  app.get('/docs', page, async (_request, reply) =>
    reply
      .headers(docsHeaders)
      .header('cache-control', 'no-cache')
      .type('text/html; charset=utf-8')
      .send(html),
  );
  app.get('/docs/docs.js', page, async (_request, reply) =>
    reply.headers(docsHeaders).type('text/javascript; charset=utf-8').send(init),
  );
  app.get('/docs/:file', page, async (request, reply) => {
    const name = (request.params as { file: string }).file;
    if (!Object.hasOwn(vendorFiles, name))
      return reply.code(404).send({ code: 'not_found', message: `no docs file ${request.url}` });
    const file = name as VendorFile;
    return reply
      .headers(docsHeaders)
      .header('cache-control', 'public, max-age=86400')
      .type(vendorFiles[file])
      .send(vendor(file));
  });
}
