import { type OutboxEntry, outboxEntrySchema, type ReturnFact } from '@tillpoint/ledger';
import type pg from 'pg';
import { spentLotsOf } from './chain/chain-entries';
import type { ChainFacts } from './chain/chain-facts';
import {
  type CardFlag,
  type ChainContext,
  type ChainPlan,
  grantKeyOf,
  type PendingReturn,
  planChain,
  type SaleDetail,
} from './chain/chain-plan';
import type { HeldProfile } from './chain/profile-decisions';
import { pgChainSql } from './postgres-chain-sql';
import {
  addConflicts,
  addDaySpend,
  addPending,
  dropPending,
  putPhones,
  setSalesRunning,
} from './postgres-chain-writes';
import { moveRewardStockPg } from './postgres-reward-stock';
import { addCouponsPg, addRewardUsesPg, heldRewardUsesPg, rewardLimitsPg } from './postgres-reward-uses';
import { addFlags, addToCards, flagCards, prepared, type Written } from './postgres-write';

/**
 * A push's chain facts on PostgreSQL after its write statement (which wrote the facts' rows and
 * claimed its grants and enrolments): the reads `planChain` needs, only when the batch calls for
 * them (a lost grant, an enrolment, a return, a card holding a waiting return: a usual push of
 * sales sends nothing here), and the plan written. Answers the plan (head office's own entries
 * are the caller's to number and write).
 */
export async function ingestChainFactsPg(
  client: pg.PoolClient,
  facts: ChainFacts,
  written: Written,
  ctx: ChainContext,
): Promise<ChainPlan | null> {
  const lostClaims = facts.claims.filter((c) => !written.grantsWon.has(`${c.cardId}\u001f${c.grantKey}`));
  const pendingCards = written.pendingCards.filter((cardId) => facts.sales.some((s) => s.cardId === cardId));
  // Only the rows written now move the stock (a use counts once).
  const stockFlags = await moveRewardStockPg(
    client,
    await addRewardUsesPg(client, facts.rewardUses),
    ctx.now,
  );
  if (stockFlags.length > 0) await writeFlags(client, stockFlags, ctx.now);
  await addCouponsPg(client, facts.coupons);
  const rewardLimits = facts.rewardUses.length === 0 ? null : await rewardLimitsPg(client, ctx.now);
  const limitedCards =
    rewardLimits === null
      ? []
      : [
          ...new Set(
            facts.rewardUses.filter((u) => rewardLimits.limits.has(u.rewardId)).map((u) => u.cardId),
          ),
        ];
  if (
    lostClaims.length === 0 &&
    facts.duplicateClaims.length === 0 &&
    facts.enrolments.length === 0 &&
    facts.returns.length === 0 &&
    pendingCards.length === 0 &&
    limitedCards.length === 0
  )
    return null;
  const rows = async <T>(text: string, values: unknown[]) =>
    (await prepared(client, text, values)).rows as T[];
  const lostGrants = new Map<string, string>();
  if (lostClaims.length > 0)
    for (const r of await rows<{ card_id: string; grant_key: string; txn_id: string }>(
      pgChainSql.grantHolders,
      [lostClaims.map((c) => c.cardId), lostClaims.map((c) => c.grantKey)],
    ))
      lostGrants.set(grantKeyOf(r.card_id, r.grant_key), r.txn_id);
  const profiles = new Map<string, HeldProfile>();
  if (facts.enrolments.length > 0)
    for (const r of await rows<HeldProfile & { card_id: string }>(pgChainSql.profilesOf, [
      [...new Set(facts.enrolments.map((e) => e.cardId))],
    ]))
      profiles.set(r.card_id, r);
  const pending: PendingReturn[] =
    pendingCards.length === 0
      ? []
      : (
          await rows<{
            cardId: string;
            txnId: string;
            fact: string;
            earnedPosted: number;
            spentPosted: number;
          }>(pgChainSql.pendingOf, [pendingCards])
        ).map((r) => ({
          cardId: r.cardId,
          txnId: r.txnId,
          fact: JSON.parse(r.fact) as ReturnFact,
          posted: { earnedReversed: Number(r.earnedPosted), spentRestored: Number(r.spentPosted) },
        }));
  const wanted = [
    ...facts.returns.map((r) => ({ cardId: r.entry.cardId, receiptId: r.fact.origin.receiptId })),
    ...pending.map((p) => ({ cardId: p.cardId, receiptId: p.fact.origin.receiptId })),
  ];
  const sales =
    wanted.length === 0 ? new Map<string, SaleDetail[]>() : await saleDetails(client, wanted, ctx.now);
  const rewardUses = await heldRewardUsesPg(client, limitedCards, ctx.now);
  const plan = planChain(
    facts,
    { lostGrants, enrolmentsWon: written.enrolmentsWon, profiles, sales, pending, rewardUses },
    { ...ctx, rewardLimits },
  );
  await writePlan(client, plan, ctx.now);
  return plan;
}

type SaleRead = Omit<SaleDetail, 'running' | 'lines' | 'earnedLots' | 'spentLots' | 'rewards'> & {
  epoch: string;
  seq: number;
  refundedMinor: number;
  spendReversedMinor: number;
  earnedReversed: number;
  spentRestored: number;
};

/** The held sales of the receipts named, by card, with their lines, the lots they made and spent from. */
async function saleDetails(
  client: pg.PoolClient,
  wanted: readonly { cardId: string; receiptId: string }[],
  now: number,
): Promise<Map<string, SaleDetail[]>> {
  const cards = [...new Set(wanted.map((w) => w.cardId))];
  const rows = async <T>(text: string, values: unknown[]) =>
    (await prepared(client, text, values)).rows as T[];
  const sales = (
    await rows<SaleRead>(pgChainSql.salesOfReceipts, [cards, [...new Set(wanted.map((w) => w.receiptId))]])
  ).filter((s) => wanted.some((w) => w.cardId === s.cardId && w.receiptId === s.receiptId));
  const out = new Map<string, SaleDetail[]>();
  if (sales.length === 0) return out;
  const txns = sales.map((s) => s.txnId);
  const lines = await rows<
    SaleDetail['lines'][number] & { cardId: string; txnId: string; returnedMicro: number }
  >(pgChainSql.linesOfSales, [sales.map((s) => s.cardId), sales.map((s) => s.occurredAt), txns]);
  const bodies = new Map(
    (
      await rows<{ card_id: string; till_id: string; epoch: string; seq: number; body: string }>(
        pgChainSql.bodiesOf,
        [cards, txns],
      )
    ).map((b) => [`${b.card_id}\u0000${b.till_id}\u0000${b.epoch}\u0000${Number(b.seq)}`, b.body]),
  );
  const expiries = new Map(
    (
      await rows<{ card_id: string; lot_id: string; expires_at: number | null }>(pgChainSql.lotExpiries, [
        cards,
      ])
    ).map((l) => [`${l.card_id}\u0000${l.lot_id}`, l.expires_at === null ? null : Number(l.expires_at)]),
  );
  for (const sale of sales) {
    const body = bodies.get(`${sale.cardId}\u0000${sale.tillId}\u0000${sale.epoch}\u0000${Number(sale.seq)}`);
    if (body === undefined) continue;
    const entry: OutboxEntry = outboxEntrySchema.parse(JSON.parse(body));
    const own = lines.filter((l) => l.cardId === sale.cardId && l.txnId === sale.txnId);
    const detail: SaleDetail = {
      cardId: sale.cardId,
      occurredAt: Number(sale.occurredAt),
      txnId: sale.txnId,
      tillId: sale.tillId,
      receiptId: sale.receiptId,
      spendMinor: Number(sale.spendMinor),
      bonusPoints: Number(sale.bonusPoints),
      running: {
        units: new Map(own.map((l) => [l.lineId, Number(l.returnedMicro)])),
        refundedMinor: Number(sale.refundedMinor),
        spendReversedMinor: Number(sale.spendReversedMinor),
        earnedReversed: Number(sale.earnedReversed),
        spentRestored: Number(sale.spentRestored),
      },
      lines: own.map((l) => ({
        lineNo: l.lineNo,
        lineId: l.lineId,
        units: Number(l.units),
        earnedPoints: Number(l.earnedPoints),
        spentPoints: Number(l.spentPoints),
        moneyMinor: Number(l.moneyMinor),
      })),
      earnedLots: entry.newLots,
      rewards: entry.sale?.rewards ?? [],
      spentLots: spentLotsOf(entry).map((lot) => {
        const expiresAt = expiries.get(`${sale.cardId}\u0000${lot.lotId}`);
        return { ...lot, alive: expiresAt === undefined || expiresAt === null || expiresAt > now };
      }),
    };
    out.set(sale.cardId, [...(out.get(sale.cardId) ?? []), detail]);
  }
  return out;
}

/** Sums of `[key, amount]` pairs by key (a statement may touch each row once). */
function summed<K>(pairs: readonly [K, number][]): Map<K, number> {
  const out = new Map<K, number>();
  for (const [key, amount] of pairs) out.set(key, (out.get(key) ?? 0) + amount);
  return out;
}

async function writePlan(client: pg.PoolClient, plan: ChainPlan, now: number): Promise<void> {
  // enrol_conflict before card_profile: the order every writer of the two keeps.
  await addConflicts(client, plan.conflicts);
  await putPhones(client, plan.profiles, now);
  await setSalesRunning(
    client,
    plan.saleUpdates.map((x) => ({
      cardId: x.sale.cardId,
      occurredAt: x.sale.occurredAt,
      txnId: x.sale.txnId,
      running: x.sale.running,
      lines: x.lineReturned,
    })),
  );
  const days = summed(plan.dayDeltas.map((d) => [`${d.cardId}\u0000${d.day}`, d.spendMinor]));
  await addDaySpend(
    client,
    [...days].map(([key, spendMinor]) => {
      const [cardId, day] = key.split('\u0000') as [string, string];
      return { cardId, day: Number(day), spendMinor };
    }),
  );
  await addToCards(
    client,
    'lifetime_spend_minor',
    summed(plan.lifetimeDeltas.map((d) => [d.cardId, d.spendMinor])),
  );
  const moved: [string, number][] = [];
  const added = await addPending(
    client,
    plan.pendingAdds.map((x) => ({
      cardId: x.cardId,
      txnId: x.txnId,
      receiptId: x.receiptId,
      originTillId: x.originTillId,
      originTxnId: x.originTxnId,
      fact: JSON.stringify(x.fact),
      earnedPosted: x.posted.earnedReversed,
      spentPosted: x.posted.spentRestored,
    })),
    now,
  );
  for (const cardId of added) moved.push([cardId, 1]);
  for (const cardId of await dropPending(client, plan.pendingDrops)) moved.push([cardId, -1]);
  await addToCards(client, 'pending_returns', summed(moved));
  await moveRewardStockPg(client, await addRewardUsesPg(client, plan.rewardUses), now);
  await writeFlags(client, plan.flags, now);
}

/** Review flags with their reasons, and the cards' flag. */
export async function writeFlags(
  client: pg.PoolClient,
  flags: readonly CardFlag[],
  now: number,
): Promise<void> {
  await addFlags(client, flags, now);
  await flagCards(
    client,
    flags.map((f) => f.cardId),
  );
}
