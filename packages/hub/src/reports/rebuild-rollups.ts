import Database from 'better-sqlite3';
import pg from 'pg';
import type { JournalRow, PostingRow } from '../batch-plan';
import { textArrayLiteral as texts } from '../pg-array-literal';
import { dayOfClient, writeRollupPg } from './postgres-rollups';
import { type HeldEntry, rebuildChunkMax, rebuiltRollup, tillRuns } from './rebuild-plan';
import { monthOfDay } from './report-day';
import { SqliteRollups } from './sqlite-rollups';

/**
 * `tillpoint-hub reports rebuild`: recomputes the report rollups from the journal, on either
 * store, in one transaction (pushes wait meanwhile, then add their own on top): the rollup rows
 * (all, or those of `fromDay` on) are deleted and written again from every entry head office
 * holds. The journal is read whole either way; `fromDay` only limits what is rewritten. Running it
 * twice gives the same rows. A whole rebuild marks the rollups complete.
 */
export interface RebuildOutcome {
  entries: number;
  tills: number;
}

const journalColumns = `j.card_id AS "cardId", j.till_id AS "tillId", j.epoch, j.seq, j.txn_id AS "txnId",
  j.kind, j.occurred_at AS "occurredAt", j.hash, j.body, coalesce(t.store_id, 'hub') AS "storeId"`;
type JournalRead = JournalRow & { storeId: string };

const rollupTables = ['report_points_day', 'report_store_day', 'report_rule_day'] as const;
const monthTables = ['report_card_month', 'report_active_month'] as const;

function deletions(fromDay: number | null): Array<[string, number[]]> {
  if (fromDay === null)
    return [...rollupTables, ...monthTables, 'report_till'].map((t) => [`DELETE FROM ${t}`, []]);
  return [
    ...rollupTables.map((t): [string, number[]] => [`DELETE FROM ${t} WHERE day >= ?`, [fromDay]]),
    ...monthTables.map((t): [string, number[]] => [
      `DELETE FROM ${t} WHERE month >= ?`,
      [monthOfDay(fromDay)],
    ]),
    ['DELETE FROM report_till', []],
  ];
}

const heldOf = (rows: readonly JournalRead[], postings: (j: JournalRow) => PostingRow[]): HeldEntry[] =>
  rows.map(({ storeId, ...journal }) => ({
    journal: { ...journal, seq: Number(journal.seq), occurredAt: Number(journal.occurredAt) },
    storeId,
    postings: postings(journal),
  }));

export function rebuildSqliteRollups(path: string, fromDay: number | null): RebuildOutcome {
  const db = new Database(path, { fileMustExist: true });
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    const rollups = new SqliteRollups(db);
    const page = db.prepare(`SELECT ${journalColumns} FROM journal j LEFT JOIN till t ON t.till_id = j.till_id
      WHERE (j.till_id, j.epoch, j.seq) > (?, ?, ?) ORDER BY j.till_id, j.epoch, j.seq LIMIT ?`);
    const postingsOf = db.prepare(`SELECT card_id AS "cardId", txn_id AS "txnId", leg, account, amount,
      lot_id AS "lotId" FROM posting WHERE card_id = ? AND txn_id = ? ORDER BY leg`);
    const vests = db.prepare('SELECT vests_at FROM lot WHERE card_id = ? AND lot_id = ?').pluck();
    const rebuild = db.transaction(() => {
      for (const [sql, values] of deletions(fromDay)) db.prepare(sql).run(...values);
      let after: [string, string, number] = ['', '', -1];
      const outcome = { entries: 0, tills: new Set<string>() };
      for (;;) {
        const rows = page.all(...after, rebuildChunkMax) as JournalRead[];
        if (rows.length === 0) break;
        const chunk = heldOf(rows, (j) => postingsOf.all(j.cardId, j.txnId) as PostingRow[]);
        for (const run of tillRuns(chunk)) {
          rollups.write(
            rebuiltRollup(run, (c, l) => vests.get(c, l) as number | undefined, rollups.dayOf, fromDay),
          );
          outcome.tills.add(run[0]?.journal.tillId as string);
        }
        outcome.entries += rows.length;
        const last = rows.at(-1) as JournalRead;
        after = [last.tillId, last.epoch, Number(last.seq)];
      }
      if (fromDay === null)
        db.prepare("UPDATE report_setting SET value = 'yes' WHERE name = 'rollups_complete'").run();
      return { entries: outcome.entries, tills: outcome.tills.size };
    });
    return rebuild.immediate();
  } finally {
    db.close();
  }
}

const pgNumbered = (sql: string) => {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
};

export async function rebuildPostgresRollups(
  connectionString: string,
  schema: string,
  fromDay: number | null,
): Promise<RebuildOutcome> {
  const client = new pg.Client({ connectionString, options: `-c search_path=${schema}` });
  await client.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    // Pushes write their rollups in their own transaction: they wait for this one, then add on top.
    await client.query(
      `LOCK TABLE ${[...rollupTables, ...monthTables, 'report_till'].join(', ')} IN EXCLUSIVE MODE`,
    );
    for (const [sql, values] of deletions(fromDay)) await client.query(pgNumbered(sql), values);
    const dayOf = await dayOfClient(client);
    await client.query(`DECLARE rebuild NO SCROLL CURSOR FOR SELECT ${journalColumns} FROM journal j
      LEFT JOIN till t ON t.till_id = j.till_id ORDER BY j.till_id, j.epoch, j.seq`);
    let entries = 0;
    const tills = new Set<string>();
    for (;;) {
      const rows = (await client.query(`FETCH ${rebuildChunkMax} FROM rebuild`)).rows as JournalRead[];
      if (rows.length === 0) break;
      const postings = await postingsPg(client, rows);
      const vests = await vestsPg(client, [...postings.values()].flat());
      const chunk = heldOf(rows, (j) => postings.get(`${j.cardId}\u001f${j.txnId}`) ?? []);
      for (const run of tillRuns(chunk)) {
        const tillId = run[0]?.journal.tillId as string;
        const rollup = rebuiltRollup(run, (c, l) => vests.get(`${c}\u001f${l}`), dayOf, fromDay);
        await writeRollupPg(client, rollup, tillId);
        tills.add(tillId);
      }
      entries += rows.length;
    }
    await client.query('CLOSE rebuild');
    if (fromDay === null)
      await client.query("UPDATE report_setting SET value = 'yes' WHERE name = 'rollups_complete'");
    await client.query('COMMIT');
    return { entries, tills: tills.size };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}

async function postingsPg(client: pg.Client, rows: readonly JournalRead[]) {
  const found = await client.query(
    `SELECT p.card_id AS "cardId", p.txn_id AS "txnId", p.leg, p.account, p.amount, p.lot_id AS "lotId"
     FROM posting p JOIN unnest($1::text[], $2::text[]) AS k(card_id, txn_id)
       ON p.card_id = k.card_id AND p.txn_id = k.txn_id ORDER BY p.card_id, p.txn_id, p.leg`,
    [texts(rows.map((r) => r.cardId)), texts(rows.map((r) => r.txnId))],
  );
  const byTxn = new Map<string, PostingRow[]>();
  for (const p of found.rows as PostingRow[]) {
    const key = `${p.cardId}\u001f${p.txnId}`;
    const list = byTxn.get(key) ?? [];
    list.push({ ...p, amount: Number(p.amount) });
    byTxn.set(key, list);
  }
  return byTxn;
}

async function vestsPg(client: pg.Client, postings: readonly PostingRow[]) {
  const pending = postings.filter((p) => p.account === 'member_pending' && p.lotId !== null);
  const vests = new Map<string, number>();
  if (pending.length === 0) return vests;
  const found = await client.query(
    `SELECT l.card_id, l.lot_id, l.vests_at FROM lot l JOIN unnest($1::text[], $2::text[]) AS k(card_id, lot_id)
       ON l.card_id = k.card_id AND l.lot_id = k.lot_id`,
    [texts(pending.map((p) => p.cardId)), texts(pending.map((p) => p.lotId as string))],
  );
  for (const r of found.rows as { card_id: string; lot_id: string; vests_at: string }[])
    vests.set(`${r.card_id}\u001f${r.lot_id}`, Number(r.vests_at));
  return vests;
}
