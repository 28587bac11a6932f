import type { Clock } from '@tillpoint/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { type AdminRefusal, refusal, sendRefusal } from './admin-errors';
import type { AdminSession, AdminStore, AdminUser, AuditRecord } from './admin-store';
import type { PasswordHasher } from './password-hash';
import type { RouteAccess } from './roles';
import type { SessionPolicy } from './session-rules';
import type { SignInLimiter } from './sign-in-limiter';

/** What every admin route may use. */
export interface AdminDeps {
  store: AdminStore;
  hasher: PasswordHasher;
  clock: Clock;
  limiter: SignInLimiter;
  policy: SessionPolicy;
  /** The name authenticator apps show next to the code. */
  totpIssuer: string;
  /** `auto`: Secure cookies when the request came over HTTPS. */
  secureCookies: boolean | 'auto';
  /** Told of every audit record written (metrics). */
  onAction?: ((record: AuditRecord) => void) | undefined;
}

/** The signed-in person behind a request. */
export interface Actor {
  user: AdminUser;
  session: AdminSession;
}

/** What a route writes to the audit trail; who, when and from where are filled in. */
export interface AuditAction {
  action: string;
  target?: string | null;
  outcome?: 'done' | 'refused';
  before?: unknown;
  after?: unknown;
  note?: string | null;
}

export interface RouteInput<B, Q, P> {
  body: B;
  query: Q;
  params: P;
  /** Null only on `public` routes without a session. */
  actor: Actor | null;
  deps: AdminDeps;
  request: FastifyRequest;
  reply: FastifyReply;
  now: number;
  /** The audit record of an action, to write in the same transaction as the action. */
  record(action: AuditAction): AuditRecord;
  /** Logs a record written in a transaction (structured log line, metrics). */
  announce(record: AuditRecord): void;
  /** Writes and announces an audit record: `audit({ action: 'cards.adjust', target, before, after })`. */
  audit(action: AuditAction): Promise<void>;
}

export type AdminOutcome = { ok: true; body: unknown; csvFilename?: string } | AdminRefusal;

export interface AdminRoute<B = unknown, Q = unknown, P = unknown> {
  method: 'GET' | 'POST' | 'PATCH';
  /** Under /admin/v1, fastify syntax (`/users/:id`). */
  url: string;
  /** The permission the route needs (see `rolePermissions`), or `public`. */
  access: RouteAccess;
  /** OpenAPI: a tag per area and one line saying what it does. */
  tag: string;
  summary: string;
  body?: z.ZodType<B>;
  query?: z.ZodType<Q>;
  params?: z.ZodType<P>;
  response: z.ZodType;
  status?: 200 | 201;
  /** The answer is CSV text (a download), not JSON. */
  csv?: boolean;
  handle(input: RouteInput<B, Q, P>): Promise<AdminOutcome>;
}

/** Declares a route (types inferred from its schemas). */
export function adminRoute<B = undefined, Q = undefined, P = undefined>(
  route: AdminRoute<B, Q, P>,
): AdminRoute<B, Q, P> {
  return route;
}

/** The largest request body of an admin route. */
export const adminBodyBytesMax = 64 * 1024;

declare module 'fastify' {
  interface FastifyRequest {
    adminActor?: Actor | null;
  }
  interface FastifyContextConfig {
    adminAccess?: RouteAccess;
  }
}

function parsed<T>(
  schema: z.ZodType<T> | undefined,
  value: unknown,
  where: string,
): { ok: true; value: T } | AdminRefusal {
  if (schema === undefined) return { ok: true, value: undefined as T };
  const result = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
  return result.success
    ? { ok: true, value: result.data }
    : refusal('invalid_request', `${where}: ${z.prettifyError(result.error)}`);
}

export function auditRecordOf(request: FastifyRequest, now: number, a: AuditAction): AuditRecord {
  const actor = request.adminActor ?? null;
  return {
    at: now,
    actor: actor?.user.login ?? null,
    actorRole: actor?.user.role ?? null,
    action: a.action,
    target: a.target ?? null,
    outcome: a.outcome ?? 'done',
    before: a.before ?? null,
    after: a.after ?? null,
    address: request.ip,
    note: a.note ?? null,
  };
}

/** Registers routes on the admin scope: access declared on the route, inputs parsed before the handler. */
export function registerAdminRoutes(
  scope: FastifyInstance,
  deps: AdminDeps,
  routes: readonly AdminRoute[],
): void {
  for (const route of routes) {
    scope.route({
      method: route.method,
      url: route.url,
      bodyLimit: adminBodyBytesMax,
      config: { adminAccess: route.access },
      handler: async (request, reply) => {
        const params = parsed(route.params, request.params, 'path');
        if (!params.ok) return sendRefusal(reply, params);
        const query = parsed(route.query, request.query, 'query');
        if (!query.ok) return sendRefusal(reply, query);
        const body = parsed(route.body, request.body, 'body');
        if (!body.ok) return sendRefusal(reply, body);
        const now = deps.clock.nowMs();
        const announce = (record: AuditRecord) => {
          request.log.info(
            {
              audit: {
                action: record.action,
                actor: record.actor,
                target: record.target,
                outcome: record.outcome,
              },
            },
            'admin action',
          );
          deps.onAction?.(record);
        };
        const outcome = await route.handle({
          body: body.value,
          query: query.value,
          params: params.value,
          actor: request.adminActor ?? null,
          deps,
          request,
          reply,
          now,
          record: (a) => auditRecordOf(request, now, a),
          announce,
          audit: async (a) => {
            const record = auditRecordOf(request, now, a);
            await deps.store.appendAudit(record);
            announce(record);
          },
        });
        if (!outcome.ok) return sendRefusal(reply, outcome);
        reply.code(route.status ?? 200).header('cache-control', 'no-store');
        if (route.csv)
          return reply
            .type('text/csv; charset=utf-8')
            .header('content-disposition', `attachment; filename="${outcome.csvFilename ?? 'export.csv'}"`)
            .send(outcome.body);
        return reply.send(outcome.body);
      },
    });
  }
}
