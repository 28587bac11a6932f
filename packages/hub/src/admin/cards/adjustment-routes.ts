import { uuidv7 } from '@tillpoint/core';
import { type AdminRefusal, refusal } from '../admin-errors';
import { type AdminOutcome, type AdminRoute, adminRoute, type RouteInput } from '../admin-route';
import type { AdminStore } from '../admin-store';
import { type ConsoleData, consoleSettings } from '../console-data';
import type { AdjustmentRequest } from './adjustment-request';
import { correctionLimit, decisionRefusal, needsApproval } from './adjustment-rules';
import {
  adjustmentParamsSchema,
  adjustmentResponseSchema,
  adjustmentsQuerySchema,
  adjustmentsResponseSchema,
  adjustRequestSchema,
  cardParamsSchema,
  decisionRequestSchema,
  refusalRequestSchema,
} from './card-api-schemas';
import { cardScopeRefusal } from './card-scope';

/**
 * Manual corrections with four eyes: a person with `cards.adjust` asks (points, a reason from the
 * list, a comment); within their limit it posts at once, above it waits for someone else with
 * `cards.adjust.approve`. Every step is in the audit trail; the journal entry names who asked and
 * who approved.
 */
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function publicAdjustment(a: AdjustmentRequest) {
  return { ...a, requestedAt: iso(a.requestedAt) as string, decidedAt: iso(a.decidedAt) };
}

/** What the trail keeps of a correction (the comment too: it never reaches the journal). */
const audited = (a: AdjustmentRequest) => ({
  cardId: a.cardId,
  points: a.points,
  reason: a.reason,
  comment: a.comment,
  status: a.status,
  requestedBy: a.requestedBy,
  decidedBy: a.decidedBy,
  txnId: a.txnId,
});

/** Posts an approved request to the card and records how it went (posted, or failed with why). */
async function post(
  data: ConsoleData,
  store: AdminStore,
  request: AdjustmentRequest,
  approvedBy: string | null,
  now: number,
) {
  const outcome = await data.hub.adjustPoints({
    cardId: request.cardId,
    points: request.points,
    requestId: request.id,
    reason: request.reason,
    requestedBy: request.requestedBy,
    approvedBy,
    expiresAt: null,
    now,
  });
  const change = outcome.ok
    ? { status: 'posted' as const, txnId: outcome.txnId }
    : { status: 'failed' as const, decisionNote: outcome.message };
  const moved = await store.decideAdjustment({ id: request.id, expected: 'approved', change, audit: null });
  return { outcome, request: moved ?? { ...request, ...change } };
}

/** Posts an approved request; a card that can no longer give the points is a refusal, in the trail. */
async function postOrRefuse(
  data: ConsoleData,
  input: RouteInput<unknown, unknown, unknown>,
  request: AdjustmentRequest,
  approvedBy: string | null,
): Promise<AdminOutcome> {
  const posted = await post(data, input.deps.store, request, approvedBy, input.now);
  if (!posted.outcome.ok) {
    await input.audit({
      action: 'cards.adjust.failed',
      target: `card:${posted.request.cardId}`,
      outcome: 'refused',
      note: posted.outcome.message,
    });
    return refusal('insufficient_points', posted.outcome.message);
  }
  return { ok: true, body: { adjustment: publicAdjustment(posted.request) } };
}

/**
 * A second person's decision on a pending request (approve or refuse), with its trail line in the
 * same transaction; only one of two people deciding at once wins.
 */
async function decide(
  input: RouteInput<unknown, unknown, { id: string }>,
  verdict: 'approved' | 'refused',
  note: string | null,
): Promise<AdjustmentRequest | AdminRefusal> {
  const { params, now, deps, record, announce } = input;
  const login = (input.actor as NonNullable<typeof input.actor>).user.login;
  const request = await deps.store.getAdjustment(params.id);
  if (request === null) return refusal('not_found', 'there is no such correction');
  const refused = decisionRefusal(request, login);
  if (refused !== null) return refused;
  const change = { status: verdict, decidedBy: login, decidedAt: now, decisionNote: note };
  const audit = record({
    action: verdict === 'approved' ? 'cards.adjust.approve' : 'cards.adjust.refuse',
    target: `card:${request.cardId}`,
    before: audited(request),
    after: audited({ ...request, ...change }),
    note,
  });
  const decided = await deps.store.decideAdjustment({ id: request.id, expected: 'pending', change, audit });
  if (decided === null) return refusal('not_pending', 'someone decided this correction a moment ago');
  announce(audit);
  return decided;
}

const create = (data: ConsoleData) =>
  adminRoute({
    method: 'POST',
    url: '/cards/:cardId/adjustments',
    access: 'cards.adjust',
    tag: 'corrections',
    summary:
      'Correct a card’s points with a reason and a comment; above the asker’s limit it waits for a second person',
    params: cardParamsSchema,
    body: adjustRequestSchema,
    response: adjustmentResponseSchema,
    status: 201,
    async handle(input: RouteInput<typeof adjustRequestSchema._output, unknown, { cardId: string }>) {
      const { params, body, now, deps, record, announce } = input;
      const actor = input.actor as NonNullable<typeof input.actor>;
      const stores = await data.reports.cardStores(params.cardId);
      const scope = cardScopeRefusal(actor, params.cardId, stores);
      if (scope !== null) return scope;
      if ((await data.hub.getCard(params.cardId, now)) === null)
        return refusal('not_found', `head office holds no card ${params.cardId}`);
      const settings = await consoleSettings(data);
      const waits = needsApproval(actor.user.role, body.points, settings);
      const request: AdjustmentRequest = {
        id: uuidv7(),
        cardId: params.cardId,
        points: body.points,
        reason: body.reason,
        comment: body.comment,
        requestedBy: actor.user.login,
        requestedAt: now,
        status: waits ? 'pending' : 'approved',
        decidedBy: null,
        decidedAt: null,
        decisionNote: waits
          ? `more than ${correctionLimit(actor.user.role, settings)} points: needs a second person`
          : null,
        txnId: null,
      };
      const audit = record({
        action: waits ? 'cards.adjust.request' : 'cards.adjust',
        target: `card:${params.cardId}`,
        after: audited(request),
      });
      await deps.store.createAdjustment(request, audit);
      announce(audit);
      if (waits) return { ok: true, body: { adjustment: publicAdjustment(request) } };
      return postOrRefuse(data, input as RouteInput<unknown, unknown, unknown>, request, null);
    },
  });

const list = (_data: ConsoleData) =>
  adminRoute({
    method: 'GET',
    url: '/adjustments',
    access: 'cards.adjust.approve',
    tag: 'corrections',
    summary: 'Corrections, newest first: `status=pending` is the approval queue',
    query: adjustmentsQuerySchema,
    response: adjustmentsResponseSchema,
    async handle({ query, deps }) {
      const rows = await deps.store.listAdjustments({
        limit: query.limit,
        ...(query.status ? { status: query.status } : {}),
        ...(query.cardId ? { cardId: query.cardId } : {}),
      });
      return { ok: true, body: { adjustments: rows.map(publicAdjustment) } };
    },
  });

const approve = (data: ConsoleData) =>
  adminRoute({
    method: 'POST',
    url: '/adjustments/:id/approve',
    access: 'cards.adjust.approve',
    tag: 'corrections',
    summary: 'Approve another person’s correction: it posts to the card at once',
    params: adjustmentParamsSchema,
    body: decisionRequestSchema,
    response: adjustmentResponseSchema,
    async handle(input) {
      const approved = await decide(input, 'approved', input.body.note ?? null);
      if ('ok' in approved) return approved;
      return postOrRefuse(data, input as RouteInput<unknown, unknown, unknown>, approved, approved.decidedBy);
    },
  });

const refuse = (_data: ConsoleData) =>
  adminRoute({
    method: 'POST',
    url: '/adjustments/:id/refuse',
    access: 'cards.adjust.approve',
    tag: 'corrections',
    summary: 'Refuse another person’s correction, saying why',
    params: adjustmentParamsSchema,
    body: refusalRequestSchema,
    response: adjustmentResponseSchema,
    async handle(input) {
      const decided = await decide(input, 'refused', input.body.note);
      if ('ok' in decided) return decided;
      return { ok: true, body: { adjustment: publicAdjustment(decided) } };
    },
  });

export function adjustmentRoutes(data: ConsoleData): AdminRoute[] {
  return [create(data), list(data), approve(data), refuse(data)] as AdminRoute[];
}
