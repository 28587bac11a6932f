import { z } from 'zod';
import { refusal } from '../admin/admin-errors';
import { type AdminOutcome, type AdminRoute, adminRoute, type RouteInput } from '../admin/admin-route';
import { cardActions, workflowOf } from './alert-workflow';
import { alertStatuses, resolutionOutcomes } from './fraud-alert';
import { checkNames, detectorNames } from './fraud-config';
import type { DeskOutcome, FraudDesk } from './fraud-desk';

const alertId = z.strictObject({ id: z.string().regex(/^[0-9a-f]{24}$/, 'an alert id (24 hex digits)') });
const listQuery = z.strictObject({
  status: z.enum([...alertStatuses, 'unresolved']).optional(),
  cardId: z.string().min(1).max(64).optional(),
  assignee: z.string().min(1).max(64).optional(),
  kind: z.enum([...checkNames, ...detectorNames]).optional(),
  store: z.string().min(1).max(64).optional(),
  /** Paging: `nextBefore` of the previous page. */
  before: z
    .string()
    .regex(/^\d{1,16}:[0-9a-f]{24}$/, 'nextBefore of the previous page')
    .optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
const alertSchema = z
  .object({
    alertId: z.string(),
    kind: z.string(),
    level: z.enum(['soft', 'hard']),
    status: z.enum(alertStatuses),
    summary: z.string(),
  })
  .loose()
  .describe('An alert with its evidence (entries, sales, a re-check side by side) and workflow');

const wrote = (o: Extract<DeskOutcome, { ok: true }>) => ({ ok: true as const, body: o.after });

async function answer(
  input: Pick<RouteInput<unknown, unknown, { id: string }>, 'audit' | 'params'>,
  action: string,
  outcome: DeskOutcome,
  note: string | null,
): Promise<AdminOutcome> {
  if (!outcome.ok) return refusal(outcome.code, outcome.message);
  await input.audit({
    action,
    target: `alert:${input.params.id}`,
    before: workflowOf(outcome.before),
    after: { ...workflowOf(outcome.after), cardId: outcome.after.cardId },
    note,
  });
  return wrote(outcome);
}

/** Fraud control's routes in the admin API: security acts (`fraud.act`), auditors read (`fraud.read`). */
export function fraudRoutes(desk: FraudDesk): AdminRoute[] {
  const list = adminRoute({
    method: 'GET',
    url: '/fraud/alerts',
    access: 'fraud.read',
    tag: 'fraud',
    summary: 'Fraud alerts, newest first, by status, card, assignee, kind or store',
    query: listQuery,
    response: z.object({ alerts: z.array(alertSchema), nextBefore: z.string().nullable() }),
    async handle({ query }) {
      const [at, id] = query.before?.split(':') ?? [];
      const alerts = await desk.fraud.listAlerts({
        limit: query.limit,
        ...(query.status === undefined ? {} : { status: query.status }),
        ...(query.cardId === undefined ? {} : { cardId: query.cardId }),
        ...(query.assignee === undefined ? {} : { assignee: query.assignee }),
        ...(query.kind === undefined ? {} : { kind: query.kind }),
        ...(query.store === undefined ? {} : { storeId: query.store }),
        ...(at === undefined || id === undefined ? {} : { before: { raisedAt: Number(at), alertId: id } }),
      });
      const last = alerts.at(-1);
      return {
        ok: true,
        body: {
          alerts,
          nextBefore: alerts.length === query.limit && last ? `${last.raisedAt}:${last.alertId}` : null,
        },
      };
    },
  });
  const one = adminRoute({
    method: 'GET',
    url: '/fraud/alerts/:id',
    access: 'fraud.read',
    tag: 'fraud',
    summary: 'One alert with its evidence',
    params: alertId,
    response: alertSchema,
    async handle({ params }) {
      const alert = await desk.fraud.getAlert(params.id);
      return alert ? { ok: true, body: alert } : refusal('not_found', `no alert ${params.id}`);
    },
  });
  const assign = adminRoute({
    method: 'POST',
    url: '/fraud/alerts/:id/assign',
    access: 'fraud.act',
    tag: 'fraud',
    summary: 'Assign the alert to a person of security (default: oneself)',
    params: alertId,
    body: z.strictObject({ assignee: z.string().min(1).max(64).optional() }),
    response: alertSchema,
    async handle(input) {
      const who = input.body.assignee ?? input.actor?.user.login ?? '';
      return answer(input, 'fraud.assign', await desk.assign(input.params.id, who, input.now), null);
    },
  });
  const resolve = adminRoute({
    method: 'POST',
    url: '/fraud/alerts/:id/resolve',
    access: 'fraud.act',
    tag: 'fraud',
    summary: 'Resolve the alert with an outcome and a reason',
    params: alertId,
    body: z.strictObject({ outcome: z.enum(resolutionOutcomes), reason: z.string().min(1).max(500) }),
    response: alertSchema,
    async handle(input) {
      const by = input.actor?.user.login ?? '';
      const outcome = await desk.resolve(input.params.id, { ...input.body, by }, input.now);
      return answer(input, 'fraud.resolve', outcome, input.body.reason);
    },
  });
  const act = adminRoute({
    method: 'POST',
    url: '/fraud/alerts/:id/action',
    access: 'fraud.act',
    tag: 'fraud',
    summary:
      "Block the alert's card, cap its offline spending, or clear both (the tills learn on their next pull)",
    params: alertId,
    body: z.strictObject({
      action: z.enum(cardActions),
      capPoints: z.number().int().nonnegative().max(1_000_000_000).optional(),
      note: z.string().max(500).optional(),
    }),
    response: alertSchema,
    async handle(input) {
      const by = input.actor?.user.login ?? '';
      const outcome = await desk.act(
        input.params.id,
        {
          action: input.body.action,
          by,
          ...(input.body.capPoints === undefined ? {} : { capPoints: input.body.capPoints }),
        },
        input.now,
      );
      return answer(input, `fraud.${input.body.action}`, outcome, input.body.note ?? null);
    },
  });
  return [list, one, assign, resolve, act] as AdminRoute[];
}
