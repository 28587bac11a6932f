import type pg from 'pg';
import type { ChunkOutcome, Reject } from './import-writer';
import { pgSaleMergeSql, pgImportSql as q, stageColumns } from './postgres-history-sql';
import { type SaleChunkCopy, twice } from './sale-chunk-copy';
import { copyIn, saleFactColumns } from './sale-copy';

type Merged = Omit<ChunkOutcome, 'cards'>;

/**
 * A chunk of imported sales on PostgreSQL (`saleChunkCopy`: its rows as COPY text, its derived
 * rows aggregated), inside the chunk's transaction. Two ways:
 *
 * - **fresh**, tried first (a first import, cards not loaded yet): the rows COPied straight into
 *   `sale_fact`, `sale_line` and `journal`, and the derived rows added to what earlier chunks
 *   wrote by one small `INSERT … ON CONFLICT` each. A sale head office holds stops the COPY into
 *   `sale_fact` (its key is the table's key): the chunk rolls back to a savepoint and goes
 * - **merged** (the file imported before under another name, an overlapping file, a push in
 *   between): the same rows COPied into the session's staging and merged by set-based statements
 *   that take only the sales not held.
 *
 * Asking first whether any key is held cost an indexed probe a sale of every chunk (70 ms a chunk
 * at 200 000 receipts), to save work only on a file met twice.
 */
export async function postgresSales(c: pg.Client, copy: SaleChunkCopy): Promise<Merged> {
  const kept = copy.kept;
  if (kept > 0) {
    await c.query('SAVEPOINT fresh_sales');
    try {
      await freshSales(c, copy);
      return { applied: kept, duplicates: 0, rejected: copy.twice };
    } catch (error) {
      if ((error as { code?: unknown }).code !== '23505') throw error;
      await c.query('ROLLBACK TO SAVEPOINT fresh_sales');
    }
  }
  return mergedSales(c, copy);
}

async function freshSales(c: pg.Client, copy: SaleChunkCopy): Promise<void> {
  await copyIn(c, `COPY sale_fact (${saleFactColumns}) FROM STDIN`, copy.sales);
  await copyIn(c, `COPY sale_line (${stageColumns.line}) FROM STDIN`, copy.lines);
  await copyIn(c, `COPY journal (${stageColumns.journal}) FROM STDIN`, copy.journal);
  const { days, pairs, grants, counters } = copy;
  await c.query(q.addDays, [days.cardIds, days.days, days.spendMinor]);
  await c.query(q.addPairs, [pairs.cardIds, pairs.storeIds]);
  if (grants.cardIds.length > 0)
    await c.query(q.addGrants, [grants.cardIds, grants.grantKeys, grants.txnIds, grants.occurredAts]);
  await c.query(q.addCounters, [counters.cardIds, counters.spendMinor, counters.purchases]);
  await c.query(q.touchCards, [counters.cardIds]);
}

async function mergedSales(c: pg.Client, copy: SaleChunkCopy): Promise<Merged> {
  const rejected: Reject[] = [...copy.twice];
  const kept = copy.kept;
  await copyIn(c, `COPY stage_sale (${stageColumns.sale}) FROM STDIN`, copy.sales);
  await copyIn(c, `COPY stage_line (${stageColumns.line}) FROM STDIN`, copy.lines);
  await copyIn(c, `COPY stage_journal (${stageColumns.journal}) FROM STDIN`, copy.journal);
  const g = copy.grants;
  if (g.cardIds.length > 0) await c.query(q.stageGrants, [g.cardIds, g.grantKeys, g.txnIds, g.occurredAts]);
  const fresh = (await c.query(q.insertSales)).rowCount ?? 0;
  const twiceRows = (await c.query(q.twiceInFile)).rows as { line: string; receiptId: string }[];
  for (const r of twiceRows) rejected.push({ line: Number(r.line), reason: twice(r.receiptId) });
  if (fresh > 0) {
    const m = fresh === kept ? pgSaleMergeSql.all : pgSaleMergeSql.some;
    for (const sql of Object.values(m)) await c.query(sql);
    await c.query(q.touchFresh);
  }
  return { applied: fresh, duplicates: kept - fresh - twiceRows.length, rejected };
}
