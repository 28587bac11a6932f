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
import { prepared, type Written } from './postgres-write';

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
  if (
    lostClaims.length === 0 &&
    facts.duplicateClaims.length === 0 &&
    facts.enrolments.length === 0 &&
    facts.returns.length === 0 &&
    pendingCards.length === 0
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
  const plan = planChain(
    facts,
    { lostGrants, enrolmentsWon: written.enrolmentsWon, profiles, sales, pending },
    ctx,
  );
  await writePlan(client, plan, ctx.now);
  return plan;
}

type SaleRead = Omit<SaleDetail, 'running' | 'lines' | 'earnedLots' | 'spentLots'> & {
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
  const run = (text: string, values: unknown[]) => prepared(client, text, values);
  if (plan.conflicts.length > 0) {
    const c = [...new Map(plan.conflicts.map((x) => [`${x.cardId}\u0000${x.profileRef}`, x])).values()];
    await run(pgChainSql.addConflicts, [
      c.map((x) => x.cardId),
      c.map((x) => x.profileRef),
      c.map((x) => x.txnId),
      c.map((x) => x.tillId),
      c.map((x) => x.phone),
      c.map((x) => x.consentAt),
      c.map((x) => x.at),
    ]);
  }
  if (plan.profiles.length > 0) {
    const p = [...new Map(plan.profiles.map((x) => [x.cardId, x])).values()];
    await run(pgChainSql.putPhones, [
      p.map((x) => x.cardId),
      p.map((x) => x.profileRef),
      p.map((x) => x.phone),
      p.map((x) => x.phoneHash),
      p.map((x) => x.consentAt),
      now,
    ]);
  }
  if (plan.saleUpdates.length > 0) {
    const u = plan.saleUpdates.map((x) => x.sale);
    await run(pgChainSql.setSaleRunning, [
      u.map((x) => x.cardId),
      u.map((x) => x.occurredAt),
      u.map((x) => x.txnId),
      u.map((x) => x.running.refundedMinor),
      u.map((x) => x.running.spendReversedMinor),
      u.map((x) => x.running.earnedReversed),
      u.map((x) => x.running.spentRestored),
    ]);
    const lines = plan.saleUpdates.flatMap((x) => x.lineReturned.map((l) => ({ sale: x.sale, ...l })));
    await run(pgChainSql.setLinesReturned, [
      lines.map((l) => l.sale.cardId),
      lines.map((l) => l.sale.occurredAt),
      lines.map((l) => l.sale.txnId),
      lines.map((l) => l.lineNo),
      lines.map((l) => l.returnedMicro),
    ]);
  }
  if (plan.dayDeltas.length > 0) {
    const days = summed(plan.dayDeltas.map((d) => [`${d.cardId}\u0000${d.day}`, d.spendMinor]));
    const keys = [...days.keys()].map((k) => k.split('\u0000') as [string, string]);
    await run(pgChainSql.addDaySpend, [
      keys.map(([c]) => c),
      keys.map(([, d]) => Number(d)),
      [...days.values()],
    ]);
  }
  if (plan.lifetimeDeltas.length > 0) {
    const spend = summed(plan.lifetimeDeltas.map((d) => [d.cardId, d.spendMinor]));
    await run(pgChainSql.addLifetimeSpend, [[...spend.keys()], [...spend.values()]]);
  }
  const moved: [string, number][] = [];
  if (plan.pendingAdds.length > 0) {
    const a = plan.pendingAdds;
    const added = await run(pgChainSql.addPending, [
      a.map((x) => x.cardId),
      a.map((x) => x.txnId),
      a.map((x) => x.receiptId),
      a.map((x) => x.originTillId),
      a.map((x) => x.originTxnId),
      a.map((x) => JSON.stringify(x.fact)),
      a.map((x) => x.posted.earnedReversed),
      a.map((x) => x.posted.spentRestored),
      now,
    ]);
    for (const r of added.rows as { card_id: string }[]) moved.push([r.card_id, 1]);
  }
  if (plan.pendingDrops.length > 0) {
    const dropped = await run(pgChainSql.dropPending, [
      plan.pendingDrops.map((x) => x.cardId),
      plan.pendingDrops.map((x) => x.txnId),
    ]);
    for (const r of dropped.rows as { card_id: string }[]) moved.push([r.card_id, -1]);
  }
  if (moved.length > 0) {
    const counts = summed(moved);
    await run(pgChainSql.movePending, [[...counts.keys()], [...counts.values()]]);
  }
  await writeFlags(client, plan.flags, now);
}

/** Review flags with their reasons, and the cards' flag. */
export async function writeFlags(
  client: pg.PoolClient,
  flags: readonly CardFlag[],
  now: number,
): Promise<void> {
  if (flags.length === 0) return;
  await prepared(client, pgChainSql.addFlags, [
    flags.map((f) => f.cardId),
    flags.map((f) => f.flagId),
    flags.map((f) => f.reason),
    flags.map((f) => f.detail),
    now,
  ]);
  await prepared(client, pgChainSql.flagCards, [[...new Set(flags.map((f) => f.cardId))].sort()]);
}
