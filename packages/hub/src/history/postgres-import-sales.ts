import type pg from 'pg';
import type { ChainFacts } from '../chain/chain-facts';
import { CopyBuffer } from './copy-text';
import type { SealedSale } from './import-rows';
import type { ChunkOutcome, Reject } from './import-writer';
import { pgSaleMergeSql, pgImportSql as q, stageColumns } from './postgres-history-sql';
import { copyIn, saleFactColumns, saleFactValues, saleLineValues } from './sale-copy';

type Merged = Omit<ChunkOutcome, 'cards'>;

/**
 * A chunk of imported sales on PostgreSQL, inside the chunk's transaction (deduplicated within
 * the chunk by the caller, their facts built). Two ways, by one indexed lookup of the chunk's sale
 * keys:
 *
 * - **fresh** (no key held: a first import, or cards not loaded yet): the rows the client built
 *   COPied straight into `sale_fact`, `sale_line` and `journal`, and the derived rows the client
 *   aggregated over the chunk (day spend, counters, card-store pairs, grant claims) written by one
 *   small `INSERT … ON CONFLICT` each, since they add to what earlier chunks wrote. Should a key
 *   turn up held after all (a push in between), the unique violation rolls back to a savepoint
 *   and the chunk takes the other way;
 * - **merged** (some key held: the file imported before, a resumed or overlapping import): the
 *   rows COPied into the session's staging and merged by set-based statements that take only the
 *   sales not held.
 */
export async function postgresSales(
  c: pg.Client,
  kept: readonly SealedSale[],
  facts: ChainFacts,
): Promise<Merged> {
  if (kept.length > 0 && !(await anyHeld(c, facts))) {
    await c.query('SAVEPOINT fresh_sales');
    try {
      await freshSales(c, kept, facts);
      return { applied: kept.length, duplicates: 0, rejected: [] };
    } catch (error) {
      if ((error as { code?: unknown }).code !== '23505') throw error;
      await c.query('ROLLBACK TO SAVEPOINT fresh_sales');
    }
  }
  return mergedSales(c, kept, facts);
}

async function anyHeld(c: pg.Client, facts: ChainFacts): Promise<boolean> {
  const s = facts.sales;
  const row = (
    await c.query(q.salesHeld, [s.map((f) => f.cardId), s.map((f) => f.occurredAt), s.map((f) => f.txnId)])
  ).rows[0] as { held: boolean } | undefined;
  return row?.held === true;
}

const col = <T, V>(rows: readonly T[], pick: (row: T) => V): V[] => rows.map(pick);

async function freshSales(c: pg.Client, kept: readonly SealedSale[], facts: ChainFacts): Promise<void> {
  const sales = new CopyBuffer();
  for (const s of facts.sales) sales.add(saleFactValues(s));
  const lines = new CopyBuffer();
  for (const l of facts.lines) lines.add(saleLineValues(l));
  const journal = new CopyBuffer();
  for (const { entry: e, body } of kept)
    journal.add([e.cardId, e.tillId, e.epoch, e.seq, e.txnId, e.kind, e.occurredAt, e.hash, body]);
  await copyIn(c, `COPY sale_fact (${saleFactColumns}) FROM STDIN`, sales.done());
  await copyIn(c, `COPY sale_line (${stageColumns.line}) FROM STDIN`, lines.done());
  await copyIn(c, `COPY journal (${q.journalColumns}) FROM STDIN`, journal.done());
  // The derived rows, each keyed by card first and sorted so (the lock order of every writer).
  const days = [...facts.days].sort((a, b) => byCard(a.cardId, b.cardId) || a.day - b.day);
  await c.query(q.addDays, [
    col(days, (d) => d.cardId),
    col(days, (d) => d.day),
    col(days, (d) => d.spendMinor),
  ]);
  const pairs = [...new Set(facts.sales.map((s) => `${s.cardId}\u001f${s.storeId}`))]
    .sort()
    .map((p) => p.split('\u001f'));
  await c.query(q.addPairs, [col(pairs, (p) => p[0]), col(pairs, (p) => p[1])]);
  const claims = [...facts.claims].sort(
    (a, b) => byCard(a.cardId, b.cardId) || byCard(a.grantKey, b.grantKey),
  );
  if (claims.length > 0)
    await c.query(q.addGrants, [
      col(claims, (g) => g.cardId),
      col(claims, (g) => g.grantKey),
      col(claims, (g) => g.txnId),
      col(claims, (g) => g.occurredAt),
    ]);
  const counters = [...facts.counters].sort((a, b) => byCard(a.cardId, b.cardId));
  await c.query(q.addCounters, [
    col(counters, (k) => k.cardId),
    col(counters, (k) => k.spendMinor),
    col(counters, (k) => k.purchases),
  ]);
  await c.query(q.touchCards, [col(counters, (k) => k.cardId)]);
}

const byCard = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

async function mergedSales(c: pg.Client, kept: readonly SealedSale[], facts: ChainFacts): Promise<Merged> {
  const rejected: Reject[] = [];
  const sales = new CopyBuffer();
  facts.sales.forEach((s, i) => {
    const f = kept[i] as SealedSale;
    sales.add([...saleFactValues(s), f.entry.hash, f.body]);
  });
  const lines = new CopyBuffer();
  for (const l of facts.lines) lines.add(saleLineValues(l));
  const grants = new CopyBuffer();
  for (const g of facts.claims) grants.add([g.cardId, g.grantKey, g.txnId, g.occurredAt]);
  await copyIn(c, `COPY stage_sale (${stageColumns.sale}) FROM STDIN`, sales.done());
  await copyIn(c, `COPY stage_line (${stageColumns.line}) FROM STDIN`, lines.done());
  await copyIn(c, `COPY stage_grant (${stageColumns.grant}) FROM STDIN`, grants.done());
  const fresh = (await c.query(q.insertSales)).rowCount ?? 0;
  const twiceRows = (await c.query(q.twiceInFile)).rows as { line: string; receiptId: string }[];
  for (const r of twiceRows) rejected.push({ line: Number(r.line), reason: twice(r.receiptId) });
  if (fresh > 0) {
    const m = fresh === kept.length ? pgSaleMergeSql.all : pgSaleMergeSql.some;
    for (const sql of Object.values(m)) await c.query(sql);
    await c.query(q.touchFresh);
  }
  return { applied: fresh, duplicates: kept.length - fresh - twiceRows.length, rejected };
}

export const twice = (receiptId: string) =>
  `receipt ${receiptId} appears twice in this file (its rows must be consecutive)`;
