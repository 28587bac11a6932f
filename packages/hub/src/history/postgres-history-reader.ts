import pg from 'pg';
import { translatePostgresError } from '../hub-store-error';
import { cardHistories, type HistoryReader, type Period } from './history-rows';
import { historySql, pgText } from './history-sql';
import { pgHistoryTables } from './postgres-history-sql';

const sql = Object.fromEntries(
  Object.entries(historySql).map(([name, text]) => [
    name,
    pgText(
      text
        .replace('%REVERSES%', "body::jsonb ->> 'reverses'")
        .replace('%SPEND%', "COALESCE((body::jsonb #>> '{returned,spendReversedMinor}')::bigint, 0)"),
    ),
  ]),
) as Record<keyof typeof historySql, string>;

/** The replay's reads on a PostgreSQL hub (a connection of its own). */
export class PostgresHistoryReader implements HistoryReader {
  private constructor(readonly client: pg.Client) {}

  static async open(url: string, schema: string): Promise<PostgresHistoryReader> {
    const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
    try {
      await client.connect();
      for (const statement of pgHistoryTables) await client.query(statement);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw translatePostgresError(error, `the hub database (schema ${schema})`, 'opening it for a replay');
    }
    return new PostgresHistoryReader(client);
  }

  async #rows<T>(text: string, values: unknown[], rowMode?: 'array'): Promise<T[]> {
    try {
      if (rowMode === undefined) return (await this.client.query(text, values)).rows as T[];
      return (await this.client.query({ text, values, rowMode })).rows as T[];
    } catch (error) {
      throw translatePostgresError(error, 'the hub database', 'reading history for a replay');
    }
  }

  async bounds(parts: number): Promise<string[]> {
    const n = Number((await this.#rows<{ n: string }>(sql.count, []))[0]?.n);
    const out: string[] = [];
    for (let i = 1; i < parts; i++) {
      const row = (await this.#rows<{ cardId: string }>(sql.bound, [Math.floor((n * i) / parts)]))[0];
      if (row !== undefined) out.push(row.cardId);
    }
    return out;
  }

  async batch(after: string, upTo: string | null, cards: number, period: Period) {
    const ids = (await this.#rows<{ cardId: string }>(sql.cards, [after, upTo ?? '\uffff', cards])).map(
      (r) => r.cardId,
    );
    if (ids.length === 0) return { histories: [], last: null };
    const a = ids[0] as string;
    const b = ids[ids.length - 1] as string;
    // One snapshot for the batch (a push between the reads cannot split a sale from its lines),
    // the reads one after another on the one connection.
    await this.client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    let rows: unknown[][];
    try {
      rows = [];
      rows.push(await this.#rows(sql.profiles, [a, b]));
      rows.push(await this.#rows(sql.sales, [a, b, period.to], 'array'));
      rows.push(await this.#rows(sql.lines, [a, b, period.from, period.to], 'array'));
      rows.push(await this.#rows(sql.importedReturns, [a, b]));
      rows.push(await this.#rows(sql.tillReturns, [a, b]));
    } finally {
      await this.client.query('COMMIT');
    }
    const [profiles, sales, lines, imported, tills] = rows;
    const histories = cardHistories(
      profiles as never,
      sales as never,
      lines as never,
      [...(imported as never[]), ...(tills as never[])],
      period,
    );
    return { histories, last: ids.length < cards ? null : b };
  }

  async ruleSet(version: string): Promise<string | null> {
    return (await this.#rows<{ json: string }>(sql.ruleSet, [version]))[0]?.json ?? null;
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }
}
