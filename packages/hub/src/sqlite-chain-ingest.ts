import { type OutboxEntry, outboxEntrySchema, type ReturnFact } from '@tillpoint/ledger';
import type { SaleLots } from './chain/chain-entries';
import { spentLotsOf } from './chain/chain-entries';
import type { ChainFacts } from './chain/chain-facts';
import {
  type ChainContext,
  type ChainPlan,
  type ChainReads,
  grantKeyOf,
  type PendingReturn,
  planChain,
  type SaleDetail,
} from './chain/chain-plan';
import type { HeldProfile } from './chain/profile-decisions';
import {
  type HeldRewardUses,
  type RewardUseRow,
  rewardLimitsOf,
  rewardUseRowsMax,
  rewardUsesWindowMs,
} from './chain/reward-uses';
import type { MultiRowInsert } from './multi-row-insert';
import type { ChainStatements } from './sqlite-chain-statements';
import { moveRewardStock } from './sqlite-reward-stock';

/**
 * A push's chain facts on SQLite, inside the push's transaction after its journal, postings and
 * balances: the facts' rows, the reads `planChain` needs, its plan written (all but head office's
 * own entries and the flags, which the store books with its entry path). Answers the plan.
 */
export function ingestChainFacts(
  s: ChainStatements,
  insert: MultiRowInsert,
  facts: ChainFacts,
  ctx: ChainContext,
): ChainPlan {
  insert.sales(facts.sales);
  insert.saleLines(facts.lines);
  insert.cardDays(facts.days);
  for (const r of facts.redactions) s.addRedaction.run(r.cardId, r.tillId, r.epoch, r.seq, r.field, ctx.now);
  const lostGrants = new Map<string, string>();
  for (const claim of facts.claims)
    if (s.claimGrant.run(claim.cardId, claim.grantKey, claim.txnId, claim.occurredAt).changes === 0)
      lostGrants.set(
        grantKeyOf(claim.cardId, claim.grantKey),
        s.grantHolder.get(claim.cardId, claim.grantKey) as string,
      );
  const profiles = new Map<string, HeldProfile>();
  const enrolmentsWon = new Set<string>();
  for (const f of facts.enrolments) {
    if (!profiles.has(f.cardId)) {
      const held = s.profileOf.get(f.cardId) as HeldProfile | undefined;
      if (held) profiles.set(f.cardId, held);
    }
    if (
      s.claimEnrolment.run(f.cardId, f.txnId, f.tillId, f.profileRef, f.occurredAt, f.consentAt).changes === 1
    )
      enrolmentsWon.add(f.txnId);
  }
  const wanted = new Map<string, Set<string>>();
  const want = (cardId: string, receiptId: string) => {
    const receipts = wanted.get(cardId) ?? new Set<string>();
    receipts.add(receiptId);
    wanted.set(cardId, receipts);
  };
  for (const r of facts.returns) want(r.entry.cardId, r.fact.origin.receiptId);
  const pending = pendingOfSaleCards(s, facts);
  for (const p of pending) want(p.cardId, p.fact.origin.receiptId);
  const sales = new Map<string, SaleDetail[]>();
  for (const [cardId, receipts] of wanted)
    sales.set(
      cardId,
      [...receipts].flatMap((receiptId) => saleDetails(s, cardId, receiptId, ctx.now)),
    );
  // Only the rows written now move the stock (a use counts once).
  const usesNow = facts.rewardUses.filter((use) => s.addRewardUse.run(use).changes === 1);
  for (const coupon of facts.coupons) s.addCoupon.run(coupon);
  const rewardLimits =
    facts.rewardUses.length === 0
      ? null
      : rewardLimitsOf(s.ruleSetInForce.get(ctx.now) as { version: string; json: string } | undefined);
  const rewardUses = new Map<string, HeldRewardUses>();
  if (rewardLimits !== null)
    for (const use of facts.rewardUses)
      if (rewardLimits.limits.has(use.rewardId) && !rewardUses.has(use.cardId))
        rewardUses.set(use.cardId, heldRewardUses(s, use.cardId, ctx.now));
  const reads: ChainReads = { lostGrants, enrolmentsWon, profiles, sales, pending, rewardUses };
  const plan = planChain(facts, reads, { ...ctx, rewardLimits });
  usesNow.push(...writePlan(s, plan, ctx.now));
  plan.flags.push(...moveRewardStock(s, usesNow, ctx.now));
  return plan;
}

/** A card's reward uses: totals over its life and the rows of the recent window. */
export function heldRewardUses(s: ChainStatements, cardId: string, now: number): HeldRewardUses {
  return {
    totals: s.rewardUseTotals.all(cardId) as HeldRewardUses['totals'],
    recent: s.rewardUsesSince.all(
      cardId,
      now - rewardUsesWindowMs,
      rewardUseRowsMax,
    ) as HeldRewardUses['recent'],
  };
}

/** Returns kept for cards that received a sale in this push (none read when no card has one). */
function pendingOfSaleCards(s: ChainStatements, facts: ChainFacts): PendingReturn[] {
  if (facts.sales.length === 0 || s.anyPendingReturns.get() === undefined) return [];
  const out: PendingReturn[] = [];
  for (const cardId of new Set(facts.sales.map((sale) => sale.cardId))) {
    if ((s.pendingReturnsOf.get(cardId) as number | undefined) === 0) continue;
    const rows = s.pendingOf.all(cardId) as {
      txnId: string;
      fact: string;
      earnedPosted: number;
      spentPosted: number;
    }[];
    for (const row of rows)
      out.push({
        cardId,
        txnId: row.txnId,
        fact: JSON.parse(row.fact) as ReturnFact,
        posted: { earnedReversed: row.earnedPosted, spentRestored: row.spentPosted },
      });
  }
  return out;
}

interface SaleRowRead {
  cardId: string;
  txnId: string;
  tillId: string;
  epoch: string;
  seq: number;
  occurredAt: number;
}

/** The held sales of a receipt on a card, with what a return needs of each. */
function saleDetails(s: ChainStatements, cardId: string, receiptId: string, now: number): SaleDetail[] {
  const rows = s.salesOfReceipt.all(cardId, receiptId, 9) as SaleRowRead[];
  return rows.map((row) => {
    const running = s.saleRunning.get(row.cardId, row.occurredAt, row.txnId) as {
      spendMinor: number;
      bonusPoints: number;
      refundedMinor: number;
      spendReversedMinor: number;
      earnedReversed: number;
      spentRestored: number;
    };
    const lines = s.saleLines.all(row.cardId, row.occurredAt, row.txnId) as (SaleDetail['lines'][number] & {
      returnedMicro: number;
    })[];
    const body = s.journalBody.get(row.cardId, row.tillId, row.epoch, row.seq) as string;
    const entry: OutboxEntry = outboxEntrySchema.parse(JSON.parse(body));
    const earnedLots: SaleLots = entry.newLots;
    return {
      cardId: row.cardId,
      occurredAt: row.occurredAt,
      txnId: row.txnId,
      tillId: row.tillId,
      receiptId,
      spendMinor: running.spendMinor,
      bonusPoints: running.bonusPoints,
      running: {
        units: new Map(lines.map((l) => [l.lineId, l.returnedMicro])),
        refundedMinor: running.refundedMinor,
        spendReversedMinor: running.spendReversedMinor,
        earnedReversed: running.earnedReversed,
        spentRestored: running.spentRestored,
      },
      lines,
      earnedLots,
      rewards: entry.sale?.rewards ?? [],
      spentLots: spentLotsOf(entry).map((lot) => {
        const expiresAt = s.lotExpiry.get(row.cardId, lot.lotId) as number | null | undefined;
        return { ...lot, alive: expiresAt === undefined || expiresAt === null || expiresAt > now };
      }),
    };
  });
}

/** Writes the plan; answers the reward uses returns gave back that were written now. */
function writePlan(s: ChainStatements, plan: ChainPlan, now: number): RewardUseRow[] {
  for (const c of plan.conflicts) s.addConflict.run(c);
  for (const p of plan.profiles) {
    const held = s.profileOf.get(p.cardId) as { name: string | null; birthDate: string | null } | undefined;
    s.putProfile.run({
      cardId: p.cardId,
      profileRef: p.profileRef,
      phone: p.phone,
      phoneHash: p.phoneHash,
      name: held?.name ?? null,
      birthDate: held?.birthDate ?? null,
      birthMonthDay: held?.birthDate?.slice(5, 10) ?? null,
      consentAt: p.consentAt,
      at: now,
    });
  }
  for (const { sale, lineReturned } of plan.saleUpdates) {
    for (const line of lineReturned)
      s.setLineReturned.run(line.returnedMicro, sale.cardId, sale.occurredAt, sale.txnId, line.lineNo);
    const r = sale.running;
    s.setSaleRunning.run({
      cardId: sale.cardId,
      occurredAt: sale.occurredAt,
      txnId: sale.txnId,
      refundedMinor: r.refundedMinor,
      spendReversedMinor: r.spendReversedMinor,
      earnedReversed: r.earnedReversed,
      spentRestored: r.spentRestored,
    });
  }
  const usesBack = plan.rewardUses.filter((use) => s.addRewardUse.run(use).changes === 1);
  for (const d of plan.dayDeltas) s.addDaySpend.run(d.cardId, d.day, d.spendMinor);
  for (const d of plan.lifetimeDeltas) s.takeLifetimeSpend.run(-d.spendMinor, d.cardId);
  for (const p of plan.pendingAdds) {
    const added = s.addPending.run(
      p.cardId,
      p.txnId,
      p.receiptId,
      p.originTillId,
      p.originTxnId,
      JSON.stringify(p.fact),
      p.posted.earnedReversed,
      p.posted.spentRestored,
      now,
    );
    if (added.changes === 1) s.movePendingCount.run(1, p.cardId);
  }
  for (const p of plan.pendingDrops)
    if (s.dropPending.run(p.cardId, p.txnId).changes === 1) s.movePendingCount.run(-1, p.cardId);
  return usesBack;
}
