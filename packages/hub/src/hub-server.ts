import type { Clock } from '@tillpoint/core';
import { systemClock } from '@tillpoint/core';
import { type OutboxEntry, outboxEntrySchema } from '@tillpoint/ledger';
import {
  idempotencyKeyFor,
  type SyncCardsSeenResponse,
  type SyncError,
  type SyncErrorCode,
  type SyncProfilesResponse,
  syncBatchBytesMax,
  syncCardsSeenRequestSchema,
  syncChangesQuerySchema,
  syncEnrolRequestSchema,
  syncProfilesRequestSchema,
  syncPushRequestSchema,
  syncReceiptIdSchema,
  syncRulesInForceHeader,
  syncSaleEntryBytesMax,
  syncSaleLookupQuerySchema,
} from '@tillpoint/protocol';
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import { z } from 'zod';
import { type AdminApiOptions, registerAdminApi } from './admin/admin-plugin';
import { registerConsole } from './admin/console-routes';
import { postingsSumToZero } from './batch-plan';
import { registerBuyerRoutes } from './buyer/buyer-routes';
import { type IdentifyOptions, registerIdentifyRoutes } from './buyer/identify-routes';
import { newTillSecret, parseTillAuthorization, sameHash, sha256Hex } from './credentials';
import type { HubStore, PushOutcome, TillRecord } from './hub-store';
import { HubStoreError } from './hub-store-error';
import { HubMetrics } from './metrics/hub-metrics';
import { instrumentHubStore } from './metrics/instrument-hub-store';
import { registerMetrics } from './metrics/metrics-route';
import { RateLimiter } from './rate-limiter';
import { registerAgentVersions } from './reports/agent-versions';
import type { HubKeys } from './rule-signing';
import { pullVersionOf, RulesReported } from './rules-reported';

export interface HubServerOptions {
  store: HubStore;
  keys: HubKeys;
  clock?: Clock;
  /** Largest request body; a bigger push is refused with 413 before it is parsed. */
  bodyBytesMax?: number;
  /** Per-till requests per second and burst (429 beyond). */
  ratePerSecond?: number;
  rateBurst?: number;
  /** HTTPS: PEM certificate and key. Without them, serve plain HTTP behind a TLS reverse proxy. */
  https?: { cert: string | Buffer; key: string | Buffer };
  /** pino logger options, or false. */
  logger?: boolean | object;
  /** The admin API under /admin/v1 and the console at / (without it, neither is served). */
  admin?: AdminApiOptions;
  /** Prometheus metrics at /metrics (default: a registry of this server's own, no process metrics). */
  metrics?: HubMetrics;
  /** Bearer token for /metrics; without it, /metrics answers only unproxied requests from this machine. */
  metricsToken?: string;
  /** fastify's two lines per request (default on); the CLI logs one line per sync batch instead. */
  requestLogging?: boolean;
  /** Buyers identified by phone for the tills (`/v1/sync/identify/*`, src/buyer); without it, not served. */
  identify?: IdentifyOptions;
}

const statusOf: Record<SyncErrorCode, number> = {
  unauthorized: 401,
  wrong_till: 403,
  invalid_request: 400,
  idempotency_mismatch: 400,
  payload_too_large: 413,
  sequence_gap: 409,
  batch_replayed: 409,
  chain_broken: 422,
  epoch_conflict: 409,
  enrol_code_invalid: 401,
  rate_limited: 429,
  unavailable: 503,
  sale_unknown: 404,
  sale_ambiguous: 409,
  phone_unknown: 404,
  code_wrong: 422,
  code_expired: 410,
};

function fail(reply: FastifyReply, code: SyncErrorCode, message: string, extra: Partial<SyncError> = {}) {
  const body: SyncError = { code, message, ...extra };
  return reply.code(statusOf[code]).send(body);
}

declare module 'fastify' {
  interface FastifyRequest {
    till?: TillRecord;
  }
}

/**
 * The hub's HTTP API (fastify): `POST /v1/enrol`, `POST /v1/sync/push`,
 * `GET /v1/sync/changes`, `POST /v1/sync/cards-seen`, `POST /v1/sync/profiles`,
 * `GET /v1/sync/sales/:receiptId`, `GET /v1/health`. Every sync request is authenticated by the till's
 * own secret and rate-limited per till before its body is read; a push is bound to the till
 * that sent it.
 */
export function buildHubServer(options: HubServerOptions): FastifyInstance {
  const clock = options.clock ?? systemClock;
  const metrics = options.metrics ?? new HubMetrics();
  const store = instrumentHubStore(options.store, metrics);
  const limiter = new RateLimiter(options.ratePerSecond ?? 20, options.rateBurst ?? 40);
  const app = Fastify({
    bodyLimit: options.bodyBytesMax ?? syncBatchBytesMax,
    logger: options.logger ?? false,
    ...(options.requestLogging === false
      ? { logController: new LogController({ disableRequestLogging: true }) }
      : {}),
    ...(options.https ? { https: options.https } : {}),
  }) as unknown as FastifyInstance;
  registerMetrics(app, metrics, options.metricsToken);

  app.setErrorHandler((error: { statusCode?: number; code?: string; message: string }, _request, reply) => {
    if (error.statusCode === 413 || error.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
      return fail(
        reply,
        'payload_too_large',
        `a batch is at most ${options.bodyBytesMax ?? syncBatchBytesMax} bytes: send fewer entries`,
      );
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500)
      return fail(reply, 'invalid_request', error.message);
    // A store failure (HubStoreError: database away, locked, full) or a bug: the till retries later.
    app.log.error(
      { err: error, storeCode: error instanceof HubStoreError ? error.code : undefined },
      'hub request failed',
    );
    return fail(reply, 'unavailable', 'head office could not complete the request; retry later');
  });

  const authenticate = async (request: FastifyRequest, reply: FastifyReply) => {
    const credentials = parseTillAuthorization(request.headers.authorization);
    // Failed attempts are limited per address, so guessing cannot use up a real till's budget.
    if (!credentials) {
      if (!limiter.take(`bad:${request.ip}`, clock.nowMs()))
        return fail(reply, 'rate_limited', 'too many attempts');
      return fail(reply, 'unauthorized', 'send Authorization: Bearer <tillId>:<secret>');
    }
    const till = await store.getTill(credentials.tillId);
    if (!till || till.secretHash === null || !sameHash(till.secretHash, sha256Hex(credentials.secret))) {
      if (!limiter.take(`bad:${request.ip}`, clock.nowMs()))
        return fail(reply, 'rate_limited', 'too many attempts');
      return fail(
        reply,
        'unauthorized',
        'unknown till or wrong secret: enrol the till again with a new code',
      );
    }
    if (!limiter.take(till.tillId, clock.nowMs())) {
      reply.header('retry-after', '1');
      return fail(reply, 'rate_limited', 'too many requests from this till; slow down');
    }
    request.till = till;
    return undefined;
  };

  app.get('/v1/health', async () => ({ ok: true, store: store.kind }));

  app.post('/v1/enrol', async (request, reply) => {
    const parsed = syncEnrolRequestSchema.safeParse(request.body);
    if (!parsed.success) return fail(reply, 'invalid_request', z.prettifyError(parsed.error));
    if (!limiter.take(`enrol:${request.ip}`, clock.nowMs()))
      return fail(reply, 'rate_limited', 'too many enrolments');
    const secret = newTillSecret();
    const till = await store.enrolTill({
      tillId: parsed.data.tillId,
      codeHash: sha256Hex(parsed.data.code),
      secretHash: sha256Hex(secret),
      now: clock.nowMs(),
    });
    if (!till)
      return fail(
        reply,
        'enrol_code_invalid',
        'the code is wrong, used or expired: ask head office for a new one',
      );
    return { tillId: till.tillId, storeId: till.storeId, secret, hubPublicKeyPem: options.keys.publicKeyPem };
  });

  app.post('/v1/sync/push', { onRequest: authenticate }, async (request, reply) => {
    const till = request.till as TillRecord;
    const parsed = syncPushRequestSchema.safeParse(request.body);
    if (!parsed.success) return fail(reply, 'invalid_request', z.prettifyError(parsed.error));
    const batch = parsed.data;
    if (batch.tillId !== till.tillId)
      return fail(
        reply,
        'wrong_till',
        `this credential belongs to till ${till.tillId}; it cannot push for ${batch.tillId}`,
      );
    const key = idempotencyKeyFor(batch.tillId, batch.epoch, batch.fromSeq, batch.toSeq);
    if (request.headers['idempotency-key'] !== key)
      return fail(reply, 'idempotency_mismatch', `Idempotency-Key must be ${key}`);
    const entries: OutboxEntry[] = [];
    for (const [i, raw] of batch.entries.entries()) {
      const entry = outboxEntrySchema.safeParse(raw);
      if (!entry.success)
        return fail(reply, 'invalid_request', `entries[${i}]: ${z.prettifyError(entry.error)}`);
      if (!postingsSumToZero(entry.data.postings))
        return fail(reply, 'invalid_request', `entries[${i}]: postings must sum to zero`);
      if (entry.data.sale !== undefined && entry.data.sale.lines.length > 64) {
        const bytes = Buffer.byteLength(JSON.stringify(raw));
        if (bytes > syncSaleEntryBytesMax)
          return fail(
            reply,
            'invalid_request',
            `entries[${i}]: a sale entry is at most ${syncSaleEntryBytesMax} bytes (this one is ${bytes})`,
          );
      }
      entries.push(entry.data);
    }
    const outcome = await store.applyBatch({
      tillId: till.tillId,
      storeId: till.storeId,
      entries,
      now: clock.nowMs(),
    });
    switch (outcome.kind) {
      case 'applied':
        return {
          epoch: batch.epoch,
          ackedThrough: outcome.ackedThrough,
          applied: outcome.applied,
          duplicates: outcome.duplicates,
        };
      case 'gap':
        return fail(reply, 'sequence_gap', `send from seq ${outcome.expectedSeq}`, {
          expectedSeq: outcome.expectedSeq,
        });
      case 'replayed':
        return fail(reply, 'batch_replayed', 'head office already holds every entry of this batch', {
          expectedSeq: outcome.ackedThrough + 1,
          ackedThrough: outcome.ackedThrough,
        });
      case 'chain_broken':
        return fail(reply, 'chain_broken', `entry ${outcome.seq}: ${outcome.reason}`);
      case 'epoch_conflict':
        return fail(reply, 'epoch_conflict', epochConflictMessage(batch.epoch, outcome));
    }
  });

  const rulesReported = new RulesReported(store);
  app.get('/v1/sync/changes', { onRequest: authenticate }, async (request, reply) => {
    const till = request.till as TillRecord;
    const parsed = syncChangesQuerySchema.safeParse(request.query);
    if (!parsed.success) return fail(reply, 'invalid_request', z.prettifyError(parsed.error));
    const now = clock.nowMs();
    await rulesReported.note(till.tillId, request.headers[syncRulesInForceHeader], now, request.log);
    return store.changesSince({
      tillId: till.tillId,
      storeId: till.storeId,
      cursor: parsed.data.cursor,
      limit: parsed.data.limit,
      now,
      version: pullVersionOf(parsed.data.version),
    });
  });

  app.post('/v1/sync/profiles', { onRequest: authenticate }, async (request, reply) => {
    const till = request.till as TillRecord;
    const parsed = syncProfilesRequestSchema.safeParse(request.body);
    if (!parsed.success) return fail(reply, 'invalid_request', z.prettifyError(parsed.error));
    const acknowledged = await store.saveProfiles({
      storeId: till.storeId,
      tillId: till.tillId,
      profiles: parsed.data.profiles,
      now: clock.nowMs(),
    });
    const body: SyncProfilesResponse = { acknowledged };
    return body;
  });

  app.get('/v1/sync/sales/:receiptId', { onRequest: authenticate }, async (request, reply) => {
    const till = request.till as TillRecord;
    const receiptId = syncReceiptIdSchema.safeParse((request.params as { receiptId?: unknown }).receiptId);
    if (!receiptId.success)
      return fail(reply, 'invalid_request', `receipt id: ${z.prettifyError(receiptId.error)}`);
    const query = syncSaleLookupQuerySchema.safeParse(request.query);
    if (!query.success) return fail(reply, 'invalid_request', z.prettifyError(query.error));
    const { storeId, tillId, cardId } = query.data;
    const narrowed = storeId !== undefined || tillId !== undefined || cardId !== undefined;
    const result = await store.lookupSale({
      receiptId: receiptId.data,
      ...(narrowed ? {} : { storeId: till.storeId }),
      ...(storeId !== undefined ? { storeId } : {}),
      ...(tillId !== undefined ? { tillId } : {}),
      ...(cardId !== undefined ? { cardId } : {}),
    });
    if (result.kind === 'unknown')
      return fail(
        reply,
        'sale_unknown',
        `head office holds no sale with receipt ${receiptId.data}${narrowed ? ' for what was named' : ` in store ${till.storeId}`}: it may not have arrived yet; name the store, till or card of the sale, or book the return offline`,
      );
    if (result.kind === 'ambiguous')
      return fail(
        reply,
        'sale_ambiguous',
        `${result.matches} sales have receipt ${receiptId.data}: name the till (tillId) or the card (cardId) of the sale`,
      );
    return result.sale;
  });

  app.post('/v1/sync/cards-seen', { onRequest: authenticate }, async (request, reply) => {
    const till = request.till as TillRecord;
    const parsed = syncCardsSeenRequestSchema.safeParse(request.body);
    if (!parsed.success) return fail(reply, 'invalid_request', z.prettifyError(parsed.error));
    const added = await store.noteCardsSeen({
      storeId: till.storeId,
      cardIds: parsed.data.cardIds,
      now: clock.nowMs(),
    });
    const body: SyncCardsSeenResponse = { added };
    return body;
  });

  if (options.identify) {
    registerIdentifyRoutes(app, { ...options.identify, store, clock, authenticate, fail });
    registerBuyerRoutes(app, { ...options.identify, store, clock, keys: options.keys });
  }

  if (options.admin) {
    const admin = options.admin;
    registerAdminApi(app, {
      ...admin,
      hub: store,
      keys: options.keys,
      onAction: (record) => {
        metrics.adminActions.inc({ action: record.action, outcome: record.outcome });
        admin.onAction?.(record);
      },
    });
    registerConsole(app);
    if (admin.reports) registerAgentVersions(app, admin.reports, clock);
  }

  return app;
}

/** What store IT reads when a till's outbox repeats transactions head office holds. */
function epochConflictMessage(
  epoch: string,
  outcome: Extract<PushOutcome, { kind: 'epoch_conflict' }>,
): string {
  const held = outcome.held;
  return (
    `entry ${outcome.seq} of epoch ${epoch} repeats transaction ${outcome.txnId}, which head office already holds ` +
    `as entry ${held.seq} of till ${held.tillId}, epoch ${held.epoch}: this till's outbox was copied, or its epoch ` +
    'reset, and old entries were sent again under a new epoch. Nothing was written, and the same batch will get ' +
    "the same answer: do not resend it. Stop the till's sync and have store IT restore the till's ledger from " +
    'its own last backup (or enrol it as a new till); head office keeps the entries it already holds.'
  );
}
