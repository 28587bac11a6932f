import { z } from 'zod';
import { cardStateSchema } from './card-state';
import { saleFactSchema } from './sale-fact';

/**
 * Request schemas of the store's write operations: validated before anything is read or written.
 * Every write carries `idempotencyKey` and may carry `fingerprint` (see `runOperation`).
 */
const key = z.string().min(1).max(128);
const cardId = z.string().min(1).max(64);
const ms = z.number().int().nonnegative().max(8_640_000_000_000_000);
const pointsCount = z.number().int().nonnegative().max(1_000_000_000);

/** Who may book a manual adjustment (the agent checks the role; the ledger records it). */
export const adjustmentRoles = [
  'cashier',
  'store_manager',
  'marketer',
  'security',
  'auditor',
  'system',
] as const;
export type AdjustmentRole = (typeof adjustmentRoles)[number];

/**
 * What the caller sent, as the caller identifies it (e.g. a hash of the POS request body). When
 * given, it alone is the request's identity under its key: the request the ledger derives from it
 * (dates computed from the caller's clock) is not hashed, so a retry after the caller lost its
 * pinned time still gets the first answer.
 */
export const fingerprintSchema = z.string().min(1).max(128);

const write = { idempotencyKey: key, fingerprint: fingerprintSchema.optional() };

/** An E.164 phone number, as the local API takes it and head office's profile route wants it. */
export const phoneSchema = z
  .string()
  .regex(/^\+[1-9][0-9]{6,14}$/, 'an international phone number such as +79161234567');

/**
 * An enrolment. The phone is personal data: it never enters the journal or the outbox; the
 * ledger keeps it in `pending_profile` until head office acknowledges it (see `pendingProfiles`).
 */
export const enrolCardRequestSchema = z
  .strictObject({
    ...write,
    cardId,
    phone: phoneSchema.optional(),
    /** When the buyer consented to the program rules; required with a phone. */
    consentAt: ms.optional(),
    at: ms,
  })
  .refine((r) => r.phone === undefined || r.consentAt !== undefined, {
    message: 'consentAt is required with a phone (the moment the buyer consented)',
    path: ['consentAt'],
  });
export type EnrolCardRequest = z.infer<typeof enrolCardRequestSchema>;

export const cardStateRequestSchema = z.strictObject({
  ...write,
  cardId,
  at: ms,
  reason: z.string().min(1).max(256).optional(),
});
export type CardStateRequest = z.infer<typeof cardStateRequestSchema>;

export const accrualRequestSchema = z
  .strictObject({
    points: pointsCount,
    vestsAt: ms,
    expiresAt: ms.nullable(),
    ruleIds: z.array(z.string().min(1).max(64)).max(32),
  })
  .refine((a) => a.expiresAt === null || a.expiresAt > a.vestsAt, {
    message: 'expiresAt must be after vestsAt',
    path: ['expiresAt'],
  });

/** What a sale fact needs beyond the request's own receipt id and basket total (see `SaleFact`). */
export const saleInputSchema = saleFactSchema.omit({ receiptId: true, basketTotalMinor: true });
export type SaleInput = z.infer<typeof saleInputSchema>;

/**
 * A sale: the points it earns (`accruals`, one lot each) and spends, and what was sold (`sale`),
 * which goes into the entry's outbox body as its sale fact. The fact must agree with the postings
 * before anything is written: lines' amounts sum to `basketTotalMinor`, lines' earned points plus
 * bonuses' points to the accruals', lines' spent points plus the rewards' cost to `redeemPoints`, and
 * `spendMinor` is what the lines took in money (`Σ amountMinor − spentDiscountMinor −
 * rewardDiscountMinor`). The bonuses' grant keys
 * are the once-only grants the sale makes.
 */
export const commitSaleRequestSchema = z
  .strictObject({
    ...write,
    cardId,
    receiptId: z.string().min(1).max(64),
    at: ms,
    basketTotalMinor: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    accruals: z.array(accrualRequestSchema).max(32),
    redeemPoints: pointsCount,
    holdId: z.string().min(1).max(64).optional(),
    rulesVersion: z.string().min(1).max(64),
    sale: saleInputSchema,
  })
  .superRefine((r, ctx) => {
    const issue = (path: (string | number)[], message: string) =>
      ctx.addIssue({ code: 'custom', path, message });
    const seen = new Set<string>();
    let amount = 0;
    let earned = 0;
    let spent = 0;
    let money = 0;
    r.sale.lines.forEach((line, i) => {
      if (seen.has(line.lineId))
        issue(['sale', 'lines', i, 'lineId'], `line id "${line.lineId}" is used twice`);
      seen.add(line.lineId);
      const off = line.spentDiscountMinor + (line.rewardDiscountMinor ?? 0);
      if (off > line.amountMinor)
        issue(['sale', 'lines', i, 'spentDiscountMinor'], 'points cannot pay more than the line amount');
      amount += line.amountMinor;
      earned += line.earnedPoints;
      spent += line.spentPoints;
      money += line.amountMinor - off;
    });
    spent += checkRewards(r.sale, issue);
    const grantKeys = new Set<string>();
    r.sale.bonuses.forEach((b, i) => {
      earned += b.points;
      if (b.grantOnceKey === null) return;
      if (grantKeys.has(b.grantOnceKey))
        issue(['sale', 'bonuses', i, 'grantOnceKey'], `grant key "${b.grantOnceKey}" is granted twice`);
      grantKeys.add(b.grantOnceKey);
    });
    const accrued = r.accruals.reduce((sum, a) => sum + a.points, 0);
    if (amount !== r.basketTotalMinor)
      issue(
        ['sale', 'lines'],
        `the lines' amounts sum to ${amount}, the basket total is ${r.basketTotalMinor}`,
      );
    if (earned !== accrued)
      issue(['sale', 'lines'], `the lines and bonuses earn ${earned} points, the accruals book ${accrued}`);
    if (spent !== r.redeemPoints)
      issue(
        ['sale', 'lines'],
        `the lines${r.sale.rewards === undefined ? '' : ' and rewards'} spend ${spent} points, the sale redeems ${r.redeemPoints}`,
      );
    if (money !== r.sale.spendMinor)
      issue(
        ['sale', 'spendMinor'],
        `the lines took ${money} in money (amounts less points and rewards), spendMinor says ${r.sale.spendMinor}`,
      );
  });

/**
 * The rewards of a sale fact agree with its lines: each names lines of the sale, and each line's
 * `rewardDiscountMinor` is what the rewards took off it. Returns the points the rewards cost.
 */
function checkRewards(sale: SaleInput, issue: (path: (string | number)[], message: string) => void): number {
  const offByLine = new Map<string, number>();
  let cost = 0;
  (sale.rewards ?? []).forEach((reward, i) => {
    cost += reward.costPoints;
    reward.lines.forEach((l, j) => {
      if (!sale.lines.some((line) => line.lineId === l.lineId))
        issue(['sale', 'rewards', i, 'lines', j, 'lineId'], `the sale has no line "${l.lineId}"`);
      offByLine.set(l.lineId, (offByLine.get(l.lineId) ?? 0) + l.discountMinor);
    });
  });
  sale.lines.forEach((line, i) => {
    const off = offByLine.get(line.lineId) ?? 0;
    if (off !== (line.rewardDiscountMinor ?? 0))
      issue(
        ['sale', 'lines', i, 'rewardDiscountMinor'],
        `the rewards take ${off} off line "${line.lineId}", the line says ${line.rewardDiscountMinor ?? 0}`,
      );
  });
  return cost;
}
export type CommitSaleRequest = z.infer<typeof commitSaleRequestSchema>;

export const holdRequestSchema = z.strictObject({
  ...write,
  cardId,
  points: pointsCount.min(1),
  at: ms,
  ttlMs: z
    .number()
    .int()
    .min(1000)
    .max(24 * 3_600_000),
});
export type HoldRequest = z.infer<typeof holdRequestSchema>;

export const voidHoldRequestSchema = z.strictObject({
  ...write,
  holdId: z.string().min(1).max(64),
  at: ms,
});
export type VoidHoldRequest = z.infer<typeof voidHoldRequestSchema>;

export const adjustRequestSchema = z.strictObject({
  ...write,
  cardId,
  points: z
    .number()
    .int()
    .min(-1_000_000_000)
    .max(1_000_000_000)
    .refine((p) => p !== 0, 'points must not be zero'),
  actor: z.string().min(1).max(64),
  role: z.enum(adjustmentRoles),
  reason: z.string().min(1).max(256),
  at: ms,
  /** When the credited points expire; omitted: never. */
  expiresAt: ms.optional(),
});
export type AdjustRequest = z.infer<typeof adjustRequestSchema>;

/** At most this many cards in one `setCardSnapshots` call. */
export const cardSnapshotsPerCallMax = 10_000;

const wholeNumber = (what: string) =>
  z.number().refine(Number.isSafeInteger, `${what} must be a whole number`);

/** A page of head office's figures for `setCardSnapshots`. */
export const cardSnapshotsRequestSchema = z.object({
  watermark: z.object({
    epoch: z.string().min(1).max(128).nullable(),
    seq: wholeNumber('watermark.seq').refine((n) => n >= 0, 'watermark.seq must be >= 0'),
  }),
  balances: z
    .array(
      z.object({
        cardId: z.string().min(1, 'cardId must be 1-64 characters').max(64, 'cardId must be 1-64 characters'),
        available: wholeNumber('available'),
        pending: wholeNumber('pending').refine((n) => n >= 0, 'pending must be >= 0'),
        /** Head office's card beyond points (a `version=2` pull); left out, the till's own facts count. */
        card: cardStateSchema.optional(),
      }),
    )
    .max(cardSnapshotsPerCallMax, `at most ${cardSnapshotsPerCallMax} balances a call`),
  at: wholeNumber('at (Unix ms)'),
});
export type CardSnapshotsRequest = z.infer<typeof cardSnapshotsRequestSchema>;

/** What a caller of `setCardSnapshots` passes (a pulled page; its arrays may be readonly). */
export interface CardSnapshotsInput {
  watermark: { epoch: string | null; seq: number };
  balances: readonly { cardId: string; available: number; pending: number; card?: CardStateInput }[];
  at: number;
}

/** Head office's card state as a pull brings it (arrays may be readonly). */
export type CardStateInput = z.input<typeof cardStateSchema>;
