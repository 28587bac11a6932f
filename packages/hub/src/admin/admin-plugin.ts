import { type Clock, systemClock } from '@tillpoint/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { HubStore } from '../hub-store';
import { reportRoutes } from '../reports/report-routes';
import type { ReportStore } from '../reports/report-store';
import { settingsRoutes } from '../reports/settings-routes';
import type { HubKeys } from '../rule-signing';
import { refusal, sendRefusal } from './admin-errors';
import {
  type AdminDeps,
  type AdminRoute,
  adminRoute,
  auditRecordOf,
  registerAdminRoutes,
} from './admin-route';
import { resolveSession } from './admin-session';
import { type AdminStore, AdminStoreError, type AuditRecord } from './admin-store';
import { adjustmentRoutes } from './cards/adjustment-routes';
import { cardCareRoutes } from './cards/card-care-routes';
import { cardRoutes } from './cards/card-routes';
import type { ConsoleData } from './console-data';
import { couponRoutes } from './coupons/coupon-routes';
import { adminOpenApi } from './openapi';
import { PasswordHasher } from './password-hash';
import { can } from './roles';
import { auditRoutes } from './routes/audit-routes';
import { meRoutes } from './routes/me-routes';
import { ruleRoutes } from './routes/rule-routes';
import { sessionRoutes } from './routes/session-routes';
import { userRoutes } from './routes/user-routes';
import { sameToken } from './session-cookie';
import { defaultSessionPolicy, type SessionPolicy } from './session-rules';
import { defaultSignInLimits, SignInLimiter, type SignInLimits } from './sign-in-limiter';

export const adminApiPrefix = '/admin/v1';

export interface AdminApiOptions {
  store: AdminStore;
  clock?: Clock;
  /** Default: scrypt N=2^17, r=8, p=1, two hashes at once. */
  hasher?: PasswordHasher;
  sessionPolicy?: Partial<SessionPolicy>;
  signInLimits?: SignInLimits;
  /** `auto` (default): Secure cookies when the request came over HTTPS (fastify's `request.protocol`). */
  secureCookies?: boolean | 'auto';
  /** Shown next to the code in authenticator apps; default "Tillpoint". */
  totpIssuer?: string;
  /** Told of every audit record written (metrics). */
  onAction?: (record: AuditRecord) => void;
  /** Route modules of later areas, each declaring its permission. */
  routes?: readonly AdminRoute[];
  /** With both: card lookup, corrections, reports and settings (`consoleRoutes`). */
  reports?: ReportStore;
  hub?: HubStore;
  /** With `hub`: rule publication from the console (`POST /rules`), signed with head office's key. */
  keys?: HubKeys;
}

/** Every route of the admin API as built now; later areas pass theirs in `routes`. */
export const coreAdminRoutes: readonly AdminRoute[] = [
  ...sessionRoutes,
  ...meRoutes,
  ...userRoutes,
  ...auditRoutes,
];

/** The card, correction, report and settings routes over the hub's and the report store. */
export function consoleRoutes(data: ConsoleData): AdminRoute[] {
  return [
    ...cardRoutes(data),
    ...cardCareRoutes(data),
    ...adjustmentRoutes(data),
    ...couponRoutes(data),
    ...reportRoutes(data),
    ...settingsRoutes(data),
  ];
}

const unsafeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Authorisation, in one place, on the matched route: the permission it declared at
 * registration is checked against the signed-in role (never the URL text). Writes must carry
 * the session's CSRF token. All of it runs before the body is read.
 */
async function authorise(request: FastifyRequest, reply: FastifyReply, deps: AdminDeps) {
  const access = request.routeOptions.config?.adminAccess;
  if (access === undefined) return undefined; // no such route: the not-found handler answers
  if (access === 'public') {
    request.adminActor = null;
    return undefined;
  }
  const resolved = await resolveSession(request, deps);
  if (resolved.kind === 'expired')
    return sendRefusal(
      reply,
      refusal('session_expired', 'your session ended after a while without use: sign in again'),
    );
  if (resolved.kind !== 'active') return sendRefusal(reply, refusal('unauthorized', 'sign in first'));
  const { actor } = resolved;
  request.adminActor = actor;
  if (unsafeMethods.has(request.method)) {
    const header = request.headers['x-csrf-token'];
    if (!sameToken(typeof header === 'string' ? header : undefined, actor.session.csrfToken))
      return sendRefusal(
        reply,
        refusal('csrf_failed', 'this request did not come from the console: reload the page'),
      );
  }
  if (!can(actor.user.role, access)) {
    const record = auditRecordOf(request, deps.clock.nowMs(), {
      action: 'access.refused',
      target: `route:${request.method} ${request.routeOptions.url}`,
      outcome: 'refused',
      note: `needs ${access}`,
    });
    await deps.store.appendAudit(record);
    request.log.warn(
      { audit: { action: record.action, actor: record.actor, target: record.target } },
      'admin action',
    );
    deps.onAction?.(record);
    return sendRefusal(reply, refusal('forbidden', `your role (${actor.user.role}) may not do this`));
  }
  if (actor.user.mustChangePassword && access !== 'session')
    return sendRefusal(reply, refusal('password_change_required', 'choose a new password first'));
  return undefined;
}

/**
 * The admin API under `/admin/v1`, in a fastify scope of its own: its own auth (session
 * cookie, not till secrets), error answers and 404s, JSON bodies only (a form or text/plain
 * post from another site is refused with 415, so sign-in cannot be forged either).
 */
export function registerAdminApi(app: FastifyInstance, options: AdminApiOptions): void {
  const deps: AdminDeps = {
    store: options.store,
    clock: options.clock ?? systemClock,
    hasher: options.hasher ?? new PasswordHasher(),
    limiter: new SignInLimiter(options.signInLimits ?? defaultSignInLimits),
    policy: { ...defaultSessionPolicy, ...options.sessionPolicy },
    totpIssuer: options.totpIssuer ?? 'Tillpoint',
    secureCookies: options.secureCookies ?? 'auto',
    onAction: options.onAction,
  };
  const data = options.reports && options.hub ? { reports: options.reports, hub: options.hub } : null;
  const routes = [
    ...coreAdminRoutes,
    ...(data ? consoleRoutes(data) : []),
    ...(options.hub && options.keys ? ruleRoutes(options.hub, options.keys) : []),
    ...(options.routes ?? []),
  ];
  const openApi = adminOpenApi(routes, adminApiPrefix);
  const openApiRoute = adminRoute({
    method: 'GET',
    url: '/openapi.json',
    access: 'public',
    tag: 'meta',
    summary: 'This document',
    response: z.object({ openapi: z.string() }).loose(),
    async handle() {
      return { ok: true, body: openApi };
    },
  }) as AdminRoute;

  app.register(
    async (scope) => {
      scope.removeContentTypeParser('text/plain');
      scope.setErrorHandler(
        (error: { statusCode?: number; code?: string; message: string }, request, reply) => {
          if (error.statusCode === 413 || error.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
            return sendRefusal(reply, refusal('payload_too_large', 'the request is too large'));
          if (error.statusCode === 415 || error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
            return sendRefusal(
              reply,
              refusal('unsupported_media_type', 'send JSON (Content-Type: application/json)'),
            );
          if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500)
            return sendRefusal(reply, refusal('invalid_request', error.message));
          if (error instanceof AdminStoreError) request.log.error({ err: error }, 'admin store failed');
          else request.log.error({ err: error }, 'admin request failed');
          return sendRefusal(
            reply,
            refusal('unavailable', 'head office could not complete the request; try again'),
          );
        },
      );
      scope.setNotFoundHandler((request, reply) =>
        sendRefusal(
          reply,
          refusal(
            'not_found',
            `no admin route ${request.method} ${request.url.split('?')[0]?.slice(0, 200)}`,
          ),
        ),
      );
      scope.addHook('onRequest', (request, reply) => authorise(request, reply, deps));
      registerAdminRoutes(scope, deps, [...routes, openApiRoute]);
    },
    { prefix: adminApiPrefix },
  );
}
