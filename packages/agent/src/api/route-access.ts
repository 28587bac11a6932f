import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  allowedHosts,
  pageCookieName,
  pageRequestProblem,
  pageSessionValue,
  readCookie,
  sameSecret,
} from '../page/page-auth';

/**
 * Who may call a route, declared where the route is registered:
 * `app.get('/', { config: { access: 'public' } }, handler)`. A route that says nothing needs
 * the API token (or the companion page's cookie), and so does a path that matches no route.
 */
export type RouteAccess = 'public' | 'token';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
}

function tokenMatches(expected: Buffer, header: string | undefined): boolean {
  if (header === undefined || !header.startsWith('Bearer ')) return false;
  const given = Buffer.from(header.slice('Bearer '.length).trim());
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Why a request must be refused before any route runs, or null. Decided on the route the
 * router matched (its `access`), never on the raw URL: `/%761/health` is `/v1/health` to the
 * router and must be to the check as well. Every route, public ones too, must name our own
 * loopback host: any other `Host` is a DNS-rebound web page reaching 127.0.0.1.
 */
export function accessProblem(
  request: FastifyRequest,
  expectedToken: Buffer,
  pageSession: string,
): { status: number; message: string } | null {
  const localPort = request.socket.localPort ?? 0;
  const hosts = allowedHosts(localPort);
  const host = request.headers.host?.toLowerCase();
  if (host === undefined || !hosts.includes(host)) {
    return {
      status: 403,
      message: `call the agent as http://${hosts[0]}/ or http://${hosts[1]}/ (this request named host "${request.headers.host ?? ''}")`,
    };
  }
  // The origin form only: an absolute URL as the request target is a proxy's request, not a POS's.
  if (!request.raw.url?.startsWith('/')) {
    return { status: 400, message: 'send the path only as the request target (GET /v1/health)' };
  }
  if (request.routeOptions.config?.access === 'public') return null;
  if (tokenMatches(expectedToken, request.headers.authorization)) return null;
  // The companion page's browser signs in with an HttpOnly cookie instead of the header;
  // a cookie counts only from our own loopback host and, for writes, our own origin.
  if (sameSecret(pageSession, readCookie(request.headers.cookie, pageCookieName))) {
    const problem = pageRequestProblem({
      method: request.method,
      host: request.headers.host,
      origin: request.headers.origin,
      localPort,
    });
    return problem === null ? null : { status: 403, message: problem };
  }
  return { status: 401, message: 'send "Authorization: Bearer <api.token from the agent config>"' };
}

/** Installs the access check as the first hook of every request, matched routes and 404s alike. */
export function guardRoutes(app: FastifyInstance, token: string): void {
  const expected = Buffer.from(token);
  const pageSession = pageSessionValue(token);
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const problem = accessProblem(request, expected, pageSession);
    if (problem === null) return;
    if (problem.status === 401) reply.header('www-authenticate', 'Bearer');
    return reply
      .code(problem.status)
      .send({ code: problem.status === 400 ? 'invalid_request' : 'unauthorized', message: problem.message });
  });
}
