import type { OutboxEntry, ReturnFact, SaleFactReward } from '@tillpoint/ledger';
import { phoneHash } from './card-profile-rules';
import { duplicateGrantEntry, returnSettlementEntry, type SaleLots, type SpentLot } from './chain-entries';
import type { ChainFacts, DayDelta, GrantClaim } from './chain-facts';
import { decideEnrolment, type HeldProfile } from './profile-decisions';
import { postedByReturn, type ReturnRunning, type SettlementLine, settleReturn } from './return-settlement';
import {
  excessRewardUses,
  type HeldRewardUses,
  type RewardLimitPolicy,
  type RewardUseRow,
} from './reward-uses';
import { utcDay } from './tier-window';

/**
 * What a push's chain facts do beyond the rows written with the batch (pure; both stores read
 * what it needs after writing the facts, call it, and write what it answers): duplicate
 * once-only grants reversed, enrolment conflicts kept, profiles of legacy enrolments, returns
 * recorded against their sale (or kept until the sale arrives), head office's own entries and
 * the cards flagged for review.
 */
export type FlagReason =
  | 'offline_overdraft'
  | 'duplicate_grant'
  | 'return_exceeds_sale'
  | 'return_ambiguous'
  | 'enrol_conflict'
  | 'reward_limit_exceeded'
  | 'reward_out_of_stock';

export interface CardFlag {
  cardId: string;
  /** Unique per card: the transaction the flag is about. */
  flagId: string;
  reason: FlagReason;
  detail: string;
}

/** A sale fact as read for its returns: the row, its lines, the lots it made and spent from. */
export interface SaleDetail {
  cardId: string;
  occurredAt: number;
  txnId: string;
  tillId: string;
  receiptId: string;
  spendMinor: number;
  bonusPoints: number;
  running: ReturnRunning;
  lines: (SettlementLine & { lineNo: number })[];
  earnedLots: SaleLots;
  spentLots: SpentLot[];
  /** The catalogue rewards the sale took (its fact's `rewards`; none for sales without). */
  rewards: readonly SaleFactReward[];
}

/** A return kept until its sale reaches head office. */
export interface PendingReturn {
  cardId: string;
  txnId: string;
  fact: ReturnFact;
  posted: { earnedReversed: number; spentRestored: number };
}

export interface ChainReads {
  /** Claims the store did not record (the card held the key): `card\u0000key` → the holding sale. */
  lostGrants: ReadonlyMap<string, string>;
  /** Enrolment entries the store recorded as their card's (first to arrive). */
  enrolmentsWon: ReadonlySet<string>;
  /** The profile held for each enrolling card, before this push. */
  profiles: ReadonlyMap<string, HeldProfile>;
  /** Sale facts (by card) that returns of this push, or returns kept for them, may refer to. */
  sales: ReadonlyMap<string, SaleDetail[]>;
  /** Returns kept for cards that received a sale in this push. */
  pending: readonly PendingReturn[];
  /**
   * Reward uses held for the cards whose sales of this push took a reward with a limit (this
   * push's sale rows included); read only when `ctx.rewardLimits` has limits.
   */
  rewardUses?: ReadonlyMap<string, HeldRewardUses>;
}

export interface ProfileWrite {
  cardId: string;
  profileRef: string | null;
  phone: string | null;
  phoneHash: string | null;
  consentAt: number | null;
}

export interface ConflictWrite {
  cardId: string;
  profileRef: string;
  txnId: string | null;
  tillId: string | null;
  phone: string | null;
  consentAt: number | null;
  at: number;
}

export interface ChainPlan {
  conflicts: ConflictWrite[];
  /** Phone, ref and consent of a card's profile (its name and birth date stay). */
  profiles: ProfileWrite[];
  saleUpdates: { sale: SaleDetail; lineReturned: { lineNo: number; returnedMicro: number }[] }[];
  dayDeltas: DayDelta[];
  lifetimeDeltas: { cardId: string; spendMinor: number }[];
  pendingAdds: (PendingReturn & {
    receiptId: string;
    originTillId: string | null;
    originTxnId: string | null;
  })[];
  pendingDrops: { cardId: string; txnId: string }[];
  flags: CardFlag[];
  /** Reward uses returns gave back (negative `times`, dated at their sale). */
  rewardUses: RewardUseRow[];
  /** Head office's entries, built once the store has taken their numbers. */
  hubEntries: ((hubSeq: number) => OutboxEntry)[];
}

export interface ChainContext {
  now: number;
  lookupKey: string;
  returnLotLifetimeMs: number;
  /** The reward limits of the program in force (none: no use is checked). */
  rewardLimits?: RewardLimitPolicy | null;
}

export const grantKeyOf = (cardId: string, grantKey: string) => `${cardId}\u0000${grantKey}`;

export function planChain(facts: ChainFacts, reads: ChainReads, ctx: ChainContext): ChainPlan {
  const plan: ChainPlan = {
    conflicts: [],
    profiles: [],
    saleUpdates: [],
    dayDeltas: [],
    lifetimeDeltas: [],
    pendingAdds: [],
    pendingDrops: [],
    flags: [],
    rewardUses: [],
    hubEntries: [],
  };
  const duplicates: (GrantClaim & { heldBy: string })[] = [...facts.duplicateClaims];
  for (const claim of facts.claims) {
    const heldBy = reads.lostGrants.get(grantKeyOf(claim.cardId, claim.grantKey));
    if (heldBy !== undefined) duplicates.push({ ...claim, heldBy });
  }
  for (const d of duplicates) planDuplicate(plan, d, ctx);
  if (ctx.rewardLimits != null && reads.rewardUses !== undefined)
    for (const e of excessRewardUses(facts.rewardUses, reads.rewardUses, ctx.rewardLimits))
      plan.flags.push({
        cardId: e.cardId,
        flagId: `reward:${e.txnId}:${e.rewardId}`,
        reason: 'reward_limit_exceeded',
        detail: JSON.stringify({
          rewardId: e.rewardId,
          saleTxnId: e.txnId,
          limit: e.limit,
          allowed: e.allowed,
          counted: e.counted,
        }),
      });
  planEnrolments(plan, facts, reads, ctx);
  const sales = new Map([...reads.sales].map(([card, list]) => [card, list.map((s) => ({ ...s }))]));
  const updated = new Map<SaleDetail, Map<number, number>>();
  for (const { entry, fact } of facts.returns) {
    const posted = postedByReturn(entry.postings);
    const outcome = planReturn(
      plan,
      sales,
      updated,
      { cardId: entry.cardId, txnId: entry.txnId, fact, posted },
      ctx,
    );
    // A return the till settled itself has nothing left to book when its sale is not held (a sale
    // from before sale facts): only a return booked without points waits for its sale.
    if (outcome !== 'applied' && !fact.pointsSettled)
      plan.pendingAdds.push({
        cardId: entry.cardId,
        txnId: entry.txnId,
        fact,
        posted,
        receiptId: fact.origin.receiptId,
        originTillId: fact.origin.tillId,
        originTxnId: fact.origin.txnId,
      });
  }
  for (const pending of reads.pending)
    if (planReturn(plan, sales, updated, pending, ctx) === 'applied')
      plan.pendingDrops.push({ cardId: pending.cardId, txnId: pending.txnId });
  for (const [sale, lines] of updated)
    plan.saleUpdates.push({
      sale,
      lineReturned: [...lines].map(([lineNo, returnedMicro]) => ({ lineNo, returnedMicro })),
    });
  return plan;
}

function planDuplicate(plan: ChainPlan, d: GrantClaim & { heldBy: string }, ctx: ChainContext): void {
  if (d.points === 0) return;
  plan.hubEntries.push((hubSeq) =>
    duplicateGrantEntry({
      cardId: d.cardId,
      sale: d.entry,
      grantKey: d.grantKey,
      ruleId: d.ruleId,
      points: d.points,
      heldBy: d.heldBy,
      hubSeq,
      now: ctx.now,
    }),
  );
  plan.flags.push({
    cardId: d.cardId,
    flagId: `grant:${d.txnId}:${d.grantKey}`,
    reason: 'duplicate_grant',
    detail: JSON.stringify({ grantKey: d.grantKey, saleTxnId: d.txnId, heldBy: d.heldBy, points: d.points }),
  });
}

function planEnrolments(plan: ChainPlan, facts: ChainFacts, reads: ChainReads, ctx: ChainContext): void {
  const profiles = new Map(reads.profiles);
  for (const fact of facts.enrolments) {
    const held = profiles.get(fact.cardId);
    const decision = decideEnrolment({ won: reads.enrolmentsWon.has(fact.txnId), profile: held }, fact);
    if (decision.kind === 'conflict') {
      plan.conflicts.push({
        cardId: fact.cardId,
        profileRef: decision.profileRef,
        txnId: fact.txnId,
        tillId: fact.tillId,
        phone: fact.legacyPhone,
        consentAt: fact.consentAt,
        at: fact.occurredAt,
      });
      plan.flags.push({
        cardId: fact.cardId,
        flagId: `enrol:${fact.txnId}`,
        reason: 'enrol_conflict',
        detail: JSON.stringify({ profileRef: decision.profileRef, tillId: fact.tillId }),
      });
      continue;
    }
    if (decision.displaced && held?.profileRef != null)
      plan.conflicts.push({
        cardId: fact.cardId,
        profileRef: held.profileRef,
        txnId: null,
        tillId: null,
        phone: held.phone,
        consentAt: held.consentAt,
        at: ctx.now,
      });
    if (decision.displaced || decision.legacyProfile) {
      const phone = decision.legacyProfile ? fact.legacyPhone : null;
      const write: ProfileWrite = {
        cardId: fact.cardId,
        profileRef: fact.profileRef,
        phone,
        phoneHash: phone === null ? null : phoneHash(ctx.lookupKey, phone),
        consentAt: fact.consentAt,
      };
      plan.profiles.push(write);
      profiles.set(fact.cardId, { profileRef: write.profileRef, phone, consentAt: write.consentAt });
    }
  }
}

/** Which held sale a return names: its receipt on the card, narrowed by the till and transaction when known. */
function saleOf(sales: ReadonlyMap<string, SaleDetail[]>, cardId: string, fact: ReturnFact): SaleDetail[] {
  const o = fact.origin;
  return (sales.get(cardId) ?? []).filter(
    (s) =>
      s.receiptId === o.receiptId &&
      (o.tillId === null || s.tillId === o.tillId) &&
      (o.txnId === null || s.txnId === o.txnId),
  );
}

function planReturn(
  plan: ChainPlan,
  sales: ReadonlyMap<string, SaleDetail[]>,
  updated: Map<SaleDetail, Map<number, number>>,
  ret: PendingReturn,
  ctx: ChainContext,
): 'applied' | 'unknown' | 'ambiguous' {
  const matches = saleOf(sales, ret.cardId, ret.fact);
  if (matches.length !== 1) {
    if (matches.length > 1)
      plan.flags.push({
        cardId: ret.cardId,
        flagId: `return:${ret.txnId}`,
        reason: 'return_ambiguous',
        detail: JSON.stringify({ receiptId: ret.fact.origin.receiptId, sales: matches.map((s) => s.txnId) }),
      });
    return matches.length === 0 ? 'unknown' : 'ambiguous';
  }
  const sale = matches[0] as SaleDetail;
  const settlement = settleReturn(
    sale,
    sale.running,
    {
      lines: ret.fact.lines,
      refundMinor: ret.fact.refundMinor,
      spendReversedMinor: ret.fact.spendReversedMinor,
      pointsSettled: ret.fact.pointsSettled,
      posted: ret.posted,
    },
    sale.spendMinor,
  );
  sale.running = settlement.running;
  const lines = updated.get(sale) ?? new Map<number, number>();
  for (const line of sale.lines) lines.set(line.lineNo, settlement.running.units.get(line.lineId) ?? 0);
  updated.set(sale, lines);
  bookSettlement(plan, sale, ret, settlement, ctx);
  return 'applied';
}

/** A settled return's figures: spend taken off the card's days, flags, reward uses back, points. */
function bookSettlement(
  plan: ChainPlan,
  sale: SaleDetail,
  ret: PendingReturn,
  settlement: ReturnType<typeof settleReturn>,
  ctx: ChainContext,
): void {
  if (settlement.spendReversedNow > 0) {
    plan.dayDeltas.push({
      cardId: sale.cardId,
      day: utcDay(sale.occurredAt),
      spendMinor: -settlement.spendReversedNow,
    });
    plan.lifetimeDeltas.push({ cardId: sale.cardId, spendMinor: -settlement.spendReversedNow });
  }
  if (settlement.exceeded)
    plan.flags.push({
      cardId: ret.cardId,
      flagId: `return:${ret.txnId}`,
      reason: 'return_exceeds_sale',
      detail: JSON.stringify({ receiptId: sale.receiptId, saleTxnId: sale.txnId }),
    });
  const usesBack = ret.fact.pointsSettled ? (ret.fact.rewards ?? []) : settlement.rewardsBack;
  for (const r of usesBack)
    if (r.usesBack > 0)
      plan.rewardUses.push({
        cardId: sale.cardId,
        txnId: ret.txnId,
        rewardId: r.rewardId,
        at: sale.occurredAt,
        times: -r.usesBack,
      });
  const { earnedNow, spentNow } = settlement;
  if (earnedNow + spentNow > 0)
    plan.hubEntries.push((hubSeq) =>
      returnSettlementEntry({
        cardId: sale.cardId,
        returnTxnId: ret.txnId,
        saleTxnId: sale.txnId,
        receiptId: sale.receiptId,
        earnedLots: sale.earnedLots,
        spentLots: sale.spentLots,
        earned: earnedNow,
        spent: spentNow,
        hubSeq,
        now: ctx.now,
        returnLotLifetimeMs: ctx.returnLotLifetimeMs,
      }),
    );
}
