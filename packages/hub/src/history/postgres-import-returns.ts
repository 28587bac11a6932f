import type pg from 'pg';
import type { ReturnRecord } from './import-records';
import { planImportedReturn, type ReturnApplied, type ReturnableSale } from './import-returns';
import { returnTxnId } from './import-rows';
import type { ChunkOutcome, Reject } from './import-writer';
import { pgImportSql as q } from './postgres-history-sql';

/**
 * A chunk of imported returns on PostgreSQL, inside the chunk's transaction (the change counter
 * held, so no push changes these sales meanwhile): the sales of the chunk's receipts and their
 * lines read in two statements (by key, in their partitions: `keyedJoins`), each return planned
 * in file order against the sale as the returns before it left it (`planImportedReturn`), then
 * every change written by `unnest`.
 */
export async function postgresReturns(
  c: pg.Client,
  records: readonly { line: number; record: ReturnRecord }[],
): Promise<Omit<ChunkOutcome, 'cards'>> {
  const rejected: Reject[] = [];
  for (const statement of q.keyedJoins) await c.query(statement);
  const pairs = [...new Set(records.map((r) => `${r.record.cardId}\u001f${r.record.receiptId}`))].map((p) =>
    p.split('\u001f'),
  );
  const saleRows = (await c.query(q.salesOfReceipts, [pairs.map((p) => p[0]), pairs.map((p) => p[1])]))
    .rows as (Omit<ReturnableSale, 'lines'> & { receiptId: string })[];
  const sales = new Map<string, ReturnableSale & { receiptId: string }>();
  for (const row of saleRows)
    sales.set(`${row.cardId}\u001f${row.txnId}`, {
      ...row,
      occurredAt: Number(row.occurredAt),
      spendMinor: Number(row.spendMinor),
      bonusPoints: Number(row.bonusPoints),
      refundedMinor: Number(row.refundedMinor),
      spendReversedMinor: Number(row.spendReversedMinor),
      earnedReversed: Number(row.earnedReversed),
      spentRestored: Number(row.spentRestored),
      lines: [],
    });
  const all = [...sales.values()];
  const lineRows = (
    await c.query(q.linesOfSales, [
      all.map((s) => s.cardId),
      all.map((s) => s.occurredAt),
      all.map((s) => s.txnId),
    ])
  ).rows as (ReturnableSale['lines'][number] & { cardId: string; txnId: string })[];
  for (const l of lineRows)
    sales.get(`${l.cardId}\u001f${l.txnId}`)?.lines.push({
      lineNo: l.lineNo,
      lineId: l.lineId,
      units: Number(l.units),
      earnedPoints: Number(l.earnedPoints),
      spentPoints: Number(l.spentPoints),
      moneyMinor: Number(l.moneyMinor),
      returnedMicro: Number(l.returnedMicro),
    });
  const txns = records.map((r) => returnTxnId(r.record.returnId, r.record.storeId, r.record.cardId));
  const held = new Set(
    (
      (await c.query(q.returnsHeld, [records.map((r) => r.record.cardId), txns])).rows as { txnId: string }[]
    ).map((r) => r.txnId),
  );
  // The sales of each card's receipt, as the returns before leave them (a lookup, not a scan a return).
  const byReceipt = new Map<string, (ReturnableSale & { receiptId: string })[]>();
  for (const sale of all) {
    const key = `${sale.cardId}\u001f${sale.receiptId}`;
    byReceipt.set(key, [...(byReceipt.get(key) ?? []), sale]);
  }
  const rows: ReturnApplied[] = [];
  let duplicates = 0;
  for (const { line, record } of records) {
    const candidates = byReceipt.get(`${record.cardId}\u001f${record.receiptId}`) ?? [];
    const plan = planImportedReturn(record, candidates);
    if (plan.kind === 'reject') {
      rejected.push({ line, reason: plan.reason });
      continue;
    }
    const a = plan.applied;
    if (held.has(a.txnId)) {
      duplicates += 1;
      continue;
    }
    held.add(a.txnId);
    const now = { ...a.after, receiptId: record.receiptId };
    candidates[candidates.findIndex((s) => s.txnId === a.sale.txnId)] = now;
    rows.push(a);
  }
  await writeReturns(c, rows);
  return { applied: rows.length, duplicates, rejected };
}

async function writeReturns(c: pg.Client, applied: readonly ReturnApplied[]): Promise<void> {
  if (applied.length === 0) return;
  const r = applied.map((a) => a.row);
  await c.query(q.addReturns, [
    r.map((x) => x.cardId),
    r.map((x) => x.txnId),
    r.map((x) => x.saleTxnId),
    r.map((x) => x.saleAt),
    r.map((x) => x.occurredAt),
    r.map((x) => x.storeId),
    r.map((x) => x.refundMinor),
    r.map((x) => x.spendReversedMinor),
    r.map((x) => x.earnedReversed),
    r.map((x) => x.spentRestored),
    r.map((x) => x.lines),
  ]);
  // The last state of each line and sale (a sale returned twice in the chunk: its final figures).
  const lines = new Map<string, [string, number, string, number, number]>();
  const sales = new Map<string, [string, number, string, number, number, number, number]>();
  for (const a of applied) {
    for (const l of a.lines)
      lines.set(`${a.sale.cardId}\u001f${a.sale.txnId}\u001f${l.lineNo}`, [
        a.sale.cardId,
        a.sale.occurredAt,
        a.sale.txnId,
        l.lineNo,
        l.returnedMicro,
      ]);
    const f = a.after;
    sales.set(`${a.sale.cardId}\u001f${a.sale.txnId}`, [
      a.sale.cardId,
      a.sale.occurredAt,
      a.sale.txnId,
      f.refundedMinor,
      f.spendReversedMinor,
      f.earnedReversed,
      f.spentRestored,
    ]);
  }
  const col = <T extends unknown[]>(rows: T[], i: number) => rows.map((row) => row[i]);
  const lineRows = [...lines.values()];
  if (lineRows.length > 0)
    await c.query(
      q.setLinesReturned,
      [0, 1, 2, 3, 4].map((i) => col(lineRows, i)),
    );
  const saleRows = [...sales.values()];
  await c.query(
    q.setSalesRunning,
    [0, 1, 2, 3, 4, 5, 6].map((i) => col(saleRows, i)),
  );
  const reversing = applied.filter((a) => a.spendReversedNow > 0);
  if (reversing.length > 0) {
    const days = new Map<string, [string, number, number]>();
    for (const a of reversing) {
      const key = `${a.sale.cardId}\u001f${a.saleDay}`;
      const day = days.get(key) ?? [a.sale.cardId, a.saleDay, 0];
      day[2] -= a.spendReversedNow;
      days.set(key, day);
    }
    const dayRows = [...days.values()];
    await c.query(
      q.addDays,
      [0, 1, 2].map((i) => col(dayRows, i)),
    );
    const byCard = new Map<string, number>();
    for (const a of reversing)
      byCard.set(a.sale.cardId, (byCard.get(a.sale.cardId) ?? 0) + a.spendReversedNow);
    await c.query(q.returnLifetime, [[...byCard.keys()], [...byCard.values()]]);
  }
  await c.query(q.touchCards, [[...new Set(applied.map((a) => a.row.cardId))]]);
}
