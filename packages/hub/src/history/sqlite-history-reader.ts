import Database from 'better-sqlite3';
import { translateSqliteError } from '../hub-store-error';
import {
  cardHistories,
  type HistoryReader,
  type LineRowIn,
  type Period,
  type ProfileRow,
  type ReturnRowIn,
  type SaleRowIn,
} from './history-rows';
import { historySql } from './history-sql';
import { sqliteHistoryTables } from './sqlite-history-schema';

const tillReturns = historySql.tillReturns
  .replace('%REVERSES%', "json_extract(body, '$.reverses')")
  .replace('%SPEND%', "COALESCE(json_extract(body, '$.returned.spendReversedMinor'), 0)");

/** The replay's reads on a SQLite hub file (read-only connection: the hub keeps serving). */
export class SqliteHistoryReader implements HistoryReader {
  readonly #db: Database.Database;
  readonly #s;

  constructor(readonly path: string) {
    try {
      const setup = new Database(path, { fileMustExist: true });
      setup.exec(sqliteHistoryTables);
      setup.close();
      this.#db = new Database(path, { readonly: true, fileMustExist: true });
      // 32 MiB of pages a reader (one a replay part): memory stays bounded whatever the file's size.
      this.#db.pragma('cache_size = -32768');
      const p = (sql: string) => this.#db.prepare(sql);
      this.#s = {
        cards: p(historySql.cards).pluck(),
        bound: p(historySql.bound).pluck(),
        count: p(historySql.count).pluck(),
        profiles: p(historySql.profiles),
        sales: p(historySql.sales).raw(true),
        lines: p(historySql.lines).raw(true),
        imported: p(historySql.importedReturns),
        tills: p(tillReturns),
        ruleSet: p(historySql.ruleSet).pluck(),
      };
    } catch (error) {
      throw translateSqliteError(error, path, 'opening it for a replay');
    }
  }

  async bounds(parts: number): Promise<string[]> {
    const n = this.#s.count.get() as number;
    const out: string[] = [];
    for (let i = 1; i < parts; i++) {
      const id = this.#s.bound.get(Math.floor((n * i) / parts)) as string | undefined;
      if (id !== undefined) out.push(id);
    }
    return out;
  }

  async batch(after: string, upTo: string | null, cards: number, period: Period) {
    const ids = this.#s.cards.all(after, upTo ?? '\uffff', cards) as string[];
    if (ids.length === 0) return { histories: [], last: null };
    const a = ids[0] as string;
    const b = ids[ids.length - 1] as string;
    // One read transaction: a push between the reads cannot split a sale from its lines.
    const histories = this.#db.transaction(() =>
      cardHistories(
        this.#s.profiles.all(a, b) as ProfileRow[],
        this.#s.sales.all(a, b, period.to) as unknown as SaleRowIn[],
        this.#s.lines.all(a, b, period.from, period.to) as unknown as LineRowIn[],
        [...(this.#s.imported.all(a, b) as ReturnRowIn[]), ...(this.#s.tills.all(a, b) as ReturnRowIn[])],
        period,
      ),
    )();
    return { histories, last: ids.length < cards ? null : b };
  }

  async ruleSet(version: string): Promise<string | null> {
    return (this.#s.ruleSet.get(version) as string | undefined) ?? null;
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }
}
