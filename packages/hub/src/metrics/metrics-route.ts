import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { HubMetrics } from './hub-metrics';

/**
 * Who may read `/metrics` (pure). Figures about tills and stores are not for everyone, and
 * the hub usually listens on every interface for its tills. With a token configured, only
 * `Authorization: Bearer <token>`. Without one, only a scraper on this machine (loopback) and
 * only when no proxy forwarded the request: behind a reverse proxy every request comes from
 * 127.0.0.1, so a proxied request (X-Forwarded-For, Forwarded) is refused without a token.
 */
export function metricsRefusal(o: {
  ip: string;
  authorization: string | undefined;
  forwarded: boolean;
  token: string | undefined;
}): { status: 401 | 403; code: 'unauthorized' | 'forbidden'; message: string } | null {
  if (o.token !== undefined) {
    const given = Buffer.from(o.authorization ?? '');
    const expected = Buffer.from(`Bearer ${o.token}`);
    return given.length === expected.length && timingSafeEqual(given, expected)
      ? null
      : { status: 401, code: 'unauthorized', message: 'send Authorization: Bearer <the metrics token>' };
  }
  const loopback = /^(127\.|::1$|::ffff:127\.)/.test(o.ip);
  return loopback && !o.forwarded
    ? null
    : {
        status: 403,
        code: 'forbidden',
        message:
          'metrics are served to this machine only; configure a metrics token to scrape from elsewhere',
      };
}

/**
 * `GET /metrics` (Prometheus text format) and the count of every refused or failed request by
 * its stable `code` (read from the JSON answer in `onSend`, so no route has to remember to).
 */
export function registerMetrics(app: FastifyInstance, metrics: HubMetrics, token: string | undefined): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    if (reply.statusCode >= 400) {
      let code = 'other';
      if (typeof payload === 'string' && payload.length < 8192) {
        try {
          const parsed = JSON.parse(payload) as { code?: unknown };
          if (typeof parsed.code === 'string' && /^[a-z_]{1,40}$/.test(parsed.code)) code = parsed.code;
        } catch {
          // not JSON: counted as other
        }
      }
      metrics.errors.inc({ code, status: String(reply.statusCode) });
    }
    return payload;
  });
  app.get('/metrics', async (request, reply) => {
    const refused = metricsRefusal({
      ip: request.socket.remoteAddress ?? '',
      authorization: request.headers.authorization,
      forwarded: request.headers['x-forwarded-for'] !== undefined || request.headers.forwarded !== undefined,
      token,
    });
    if (refused) return reply.code(refused.status).send({ code: refused.code, message: refused.message });
    return reply
      .type(metrics.contentType)
      .header('cache-control', 'no-store')
      .send(await metrics.text());
  });
}
