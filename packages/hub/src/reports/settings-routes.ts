import { z } from 'zod';
import { refusal } from '../admin/admin-errors';
import { type AdminRoute, adminRoute } from '../admin/admin-route';
import { adjustReasons } from '../admin/cards/adjustment-entry';
import { correctionLimit } from '../admin/cards/adjustment-rules';
import { type ConsoleData, consoleSettings } from '../admin/console-data';

/**
 * The console's settings: everyone signed in reads them (the budget line, the correction limits,
 * their own limit, the reasons a correction may give, the stores and rules to filter by); the
 * marketer sets the budget line, the administrator the correction limits. Both changes audited.
 */
const settingsResponseSchema = z.object({
  timeZone: z.string(),
  budgetBp: z.number().int(),
  approvalThreshold: z.number().int(),
  supportLimit: z.number().int(),
  rollupsComplete: z.boolean(),
  /** The largest correction this person posts without a second person. */
  myCorrectionLimit: z.number().int(),
  adjustReasons: z.array(z.string()),
  stores: z.array(z.string()),
  rules: z.array(z.string()),
});

/** Basis points: 1 % = 100; a budget line of 0.01 % to 100 %. */
const budgetSchema = z.strictObject({ budgetBp: z.number().int().min(1).max(10_000) });
const limitsSchema = z.strictObject({
  approvalThreshold: z.number().int().min(0).max(1_000_000),
  supportLimit: z.number().int().min(0).max(1_000_000),
});

const read = (data: ConsoleData) =>
  adminRoute({
    method: 'GET',
    url: '/settings',
    access: 'session',
    tag: 'settings',
    summary: 'The budget line, the correction limits, the stores and rules to filter reports by',
    response: settingsResponseSchema,
    async handle({ actor }) {
      const s = await consoleSettings(data);
      const [stores, rules] = await Promise.all([data.reports.storeIds(), data.reports.ruleIds()]);
      const user = (actor as NonNullable<typeof actor>).user;
      return {
        ok: true,
        body: {
          ...s,
          myCorrectionLimit: correctionLimit(user.role, s),
          adjustReasons: [...adjustReasons],
          stores: user.role === 'store_manager' ? [...user.stores] : stores,
          rules,
        },
      };
    },
  });

const budget = (data: ConsoleData) =>
  adminRoute({
    method: 'PATCH',
    url: '/settings/budget',
    access: 'reports.budget',
    tag: 'settings',
    summary: 'Set the budget line: reward cost as a share of card turnover, in basis points (300 = 3 %)',
    body: budgetSchema,
    response: settingsResponseSchema.pick({ budgetBp: true }),
    async handle({ body, audit }) {
      const before = (await consoleSettings(data)).budgetBp;
      await data.reports.saveSetting('budget_bp', String(body.budgetBp));
      await audit({
        action: 'settings.budget',
        target: 'settings:budget',
        before: { budgetBp: before },
        after: body,
      });
      return { ok: true, body: { budgetBp: body.budgetBp } };
    },
  });

const limits = (data: ConsoleData) =>
  adminRoute({
    method: 'PATCH',
    url: '/settings/corrections',
    access: 'cards.policy',
    tag: 'settings',
    summary: 'Set the correction limits: above the threshold a second person approves; support’s own limit',
    body: limitsSchema,
    response: limitsSchema,
    async handle({ body, audit }) {
      if (body.supportLimit > body.approvalThreshold)
        return refusal('invalid_request', 'support’s limit cannot be above the approval threshold');
      const s = await consoleSettings(data);
      await data.reports.saveSetting('approval_threshold', String(body.approvalThreshold));
      await data.reports.saveSetting('support_limit', String(body.supportLimit));
      await audit({
        action: 'settings.corrections',
        target: 'settings:corrections',
        before: { approvalThreshold: s.approvalThreshold, supportLimit: s.supportLimit },
        after: body,
      });
      return { ok: true, body };
    },
  });

export function settingsRoutes(data: ConsoleData): AdminRoute[] {
  return [read(data), budget(data), limits(data)] as AdminRoute[];
}
