import pg from 'pg';
import { journalBody } from '../chain/chain-facts';
import { translatePostgresError } from '../hub-store-error';
import { pgChainSql } from '../postgres-chain-sql';
import { salePartitionStatements } from '../postgres-schema';
import { CopyBuffer } from './copy-text';
import { recordCount } from './import-chunks';
import type { ImportKind } from './import-mapping';
import type { CardRecord, LotRecord, ReturnRecord, SaleRecord } from './import-records';
import { cardRows, lotEntry, type SealedSale, sealSale } from './import-rows';
import * as writer from './import-writer';
import { pgHistoryTables, pgStagingTables, pgImportSql as q, stageColumns } from './postgres-history-sql';
import { postgresReturns } from './postgres-import-returns';
import { postgresSales } from './postgres-import-sales';
import { type SaleChunkCopy, saleChunkCopy } from './sale-chunk-copy';
import { copyIn } from './sale-copy';

type Merged = Omit<writer.ChunkOutcome, 'cards'>;

/**
 * The import into a PostgreSQL hub: each chunk in one transaction with the file's position.
 * Sales arrive as COPY text (`saleChunkCopy`) and go straight into the hub's tables when none is
 * held, through the staging otherwise (`postgres-import-sales.ts`); cards, balances and returns
 * are COPied into the session's staging (or sent by `unnest`) and merged by set-based statements.
 * The cards a chunk changed are told to the change feed in its transaction (numbered once its
 * COMMIT returned, as a push's). The months of the chunk's sales get their partitions first (each
 * in a transaction of its own).
 */
export class PostgresImportWriter implements writer.HistoryImportWriter {
  readonly kind = 'postgres' as const;
  readonly #months = new Set<string>();

  private constructor(
    readonly client: pg.Client,
    readonly where: string,
  ) {}

  static async open(url: string, schema: string): Promise<PostgresImportWriter> {
    // Commits not waiting for their WAL flush, as the SQLite import's synchronous = NORMAL: a crash
    // may lose the last chunks, never part of one (the file position commits with them), and the
    // import resumes from there. Pushes keep their own durable commits.
    const client = new pg.Client({
      connectionString: url,
      options: `-c search_path=${schema} -c synchronous_commit=off`,
    });
    const where = `the hub database (schema ${schema})`;
    try {
      await client.connect();
      for (const statement of pgHistoryTables) await client.query(statement);
      for (const statement of pgStagingTables) await client.query(statement);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw translatePostgresError(error, where, 'opening it for the import');
    }
    return new PostgresImportWriter(client, where);
  }

  async #run<T>(doing: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      await this.client.query('ROLLBACK').catch(() => undefined);
      throw translatePostgresError(error, this.where, doing);
    }
  }

  async readProgress(digest: string): Promise<writer.ImportProgress | null> {
    const row = (
      await this.#run('reading the import position', () => this.client.query(q.progress, [digest]))
    ).rows[0] as Record<string, unknown> | undefined;
    if (row === undefined) return null;
    const n = (key: string) => Number(row[key]);
    return {
      digest,
      kind: row.kind as ImportKind,
      path: String(row.path),
      importedAt: n('importedAt'),
      header: row.header === null ? null : (JSON.parse(String(row.header)) as string[]),
      offset: n('offset'),
      line: n('line'),
      records: n('records'),
      applied: n('applied'),
      duplicates: n('duplicates'),
      rejected: n('rejected'),
      done: row.done === true,
    };
  }

  #put(p: writer.ImportProgress) {
    return this.client.query(q.putProgress, [
      p.digest,
      p.kind,
      p.path,
      p.importedAt,
      p.header === null ? null : JSON.stringify(p.header),
      p.offset,
      p.line,
      p.records,
      p.applied,
      p.duplicates,
      p.rejected,
      p.done,
    ]);
  }

  async startProgress(progress: writer.ImportProgress): Promise<void> {
    await this.#run('recording the import', () => this.#put(progress));
  }

  async finish(progress: writer.ImportProgress): Promise<void> {
    await this.#run('finishing the import', () => this.#put({ ...progress, done: true }));
  }

  async *rejects(digest: string): AsyncIterable<writer.Reject> {
    let after = 0;
    for (;;) {
      const rows = (await this.client.query(q.rejects, [digest, after])).rows as {
        line: string;
        reason: string;
      }[];
      for (const r of rows) yield { line: Number(r.line), reason: r.reason };
      if (rows.length < 10_000) return;
      after = Number(rows[rows.length - 1]?.line);
    }
  }

  #copy(table: string, columns: string, parts: readonly Uint8Array[]): Promise<void> {
    return copyIn(this.client, `COPY ${table} (${columns}) FROM STDIN`, parts);
  }

  async applyChunk<K extends ImportKind>(chunk: writer.ImportChunk<K>): Promise<writer.ChunkOutcome> {
    return this.#run('importing a chunk', async () => {
      const c = this.client;
      if (chunk.kind === 'sales')
        await this.#partitions(
          chunk.copy?.occurredAts ??
            (chunk.records as { record: SaleRecord }[]).map((r) => r.record.occurredAt),
        );
      await c.query('BEGIN');
      const merged = await this.#merge(chunk);
      const cards = Number((await c.query(q.touchedCount)).rows[0]?.n);
      if (cards > 0) await c.query(q.noteTouched);
      const rejected = [...chunk.rejects, ...merged.rejected];
      if (rejected.length > 0)
        await c.query(q.addRejects, [
          chunk.progress.digest,
          rejected.map((r) => r.line),
          rejected.map((r) => r.reason),
        ]);
      const outcome = { ...merged, cards };
      await this.#put({
        ...chunk.progress,
        ...writer.advanced(
          chunk.progress,
          { records: recordCount(chunk), readRejects: chunk.rejects.length },
          outcome,
        ),
      });
      await c.query('COMMIT');
      return outcome;
    });
  }

  /** Monthly partitions of the sale tables for the chunk's months (not when the default already holds that month). */
  async #partitions(times: readonly number[]): Promise<void> {
    const c = this.client;
    for (const time of times) {
      const at = new Date(time);
      const name = `y${at.getUTCFullYear()}m${String(at.getUTCMonth() + 1).padStart(2, '0')}`;
      if (this.#months.has(name)) continue;
      this.#months.add(name);
      const part = {
        name,
        from: Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1),
        to: Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1),
      };
      await c.query('BEGIN');
      if ((await c.query(pgChainSql.partitionExists, [`sale_fact_${name}`])).rows[0]?.exists !== true) {
        if ((await c.query(pgChainSql.defaultHoldsRange, [part.from, part.to])).rows[0]?.holds !== true)
          for (const statement of salePartitionStatements(part)) await c.query(statement);
      }
      await c.query('COMMIT');
    }
  }

  async #merge<K extends ImportKind>(chunk: writer.ImportChunk<K>): Promise<Merged> {
    const c = this.client;
    if (chunk.kind === 'sales')
      return this.#sales(
        chunk.records as { line: number; record: SaleRecord }[],
        chunk.epoch,
        chunk.sealed,
        chunk.copy,
      );
    if (chunk.kind === 'balances')
      return this.#lots(
        chunk.records as { line: number; record: LotRecord }[],
        chunk.epoch,
        chunk.importedAt,
      );
    if (chunk.kind === 'cards')
      return this.#cards(
        chunk.records as { line: number; record: CardRecord }[],
        chunk.lookupKey,
        chunk.importedAt,
      );
    return postgresReturns(c, chunk.records as { line: number; record: ReturnRecord }[]);
  }

  #sales(
    records: { line: number; record: SaleRecord }[],
    epoch: string,
    sealed: readonly SealedSale[] | null,
    copy: SaleChunkCopy | null,
  ): Promise<Merged> {
    const built =
      copy ??
      saleChunkCopy(records, sealed ?? records.map(({ line, record }) => sealSale(record, epoch, line)));
    return postgresSales(this.client, built);
  }

  async #lots(
    records: { line: number; record: LotRecord }[],
    epoch: string,
    importedAt: number,
  ): Promise<Merged> {
    const rejected: writer.Reject[] = [];
    const seen = new Set<string>();
    const stage = new CopyBuffer();
    for (const { line, record } of records) {
      const entry = lotEntry(record, epoch, line, importedAt);
      if (seen.has(entry.txnId)) {
        rejected.push({
          line,
          reason: `lot ${record.lotKey} of card ${record.cardId} appears twice: give each lot a lot_id`,
        });
        continue;
      }
      seen.add(entry.txnId);
      const lot = entry.newLots[0];
      stage.add([
        entry.cardId,
        entry.txnId,
        lot?.lotId ?? null,
        record.points,
        lot?.vestsAt ?? 0,
        lot?.expiresAt ?? null,
        epoch,
        line,
        entry.hash,
        journalBody(entry),
      ]);
    }
    await this.#copy('stage_lot', stageColumns.lot, stage.done());
    const c = this.client;
    const fresh = (await c.query(q.insertLotPostings)).rowCount ?? 0;
    if (fresh > 0) {
      await c.query(q.lotLiability);
      await c.query(q.lotJournal, [importedAt]);
      await c.query(q.lots);
      await c.query(q.lotPoints);
      await c.query(q.touchFresh);
    }
    return { applied: fresh, duplicates: seen.size - fresh, rejected };
  }

  async #cards(
    records: { line: number; record: CardRecord }[],
    lookupKey: string,
    importedAt: number,
  ): Promise<Merged> {
    const stage = new CopyBuffer();
    const seen = new Set<string>();
    let again = 0;
    for (const { record } of records) {
      if (seen.has(record.cardId)) {
        again += 1;
        continue;
      }
      seen.add(record.cardId);
      const r = cardRows(record, lookupKey);
      const p = r.profile;
      stage.add([
        r.cardId,
        r.blocked,
        r.enrolment?.enrolledAt ?? null,
        r.enrolment?.consentAt ?? p?.consentAt ?? null,
        r.enrolment?.profileRef ?? p?.profileRef ?? null,
        p?.phone ?? null,
        p?.phoneHash ?? null,
        p?.name ?? null,
        p?.birthDate ?? null,
        p?.birthMonthDay ?? null,
        p !== null,
        r.traits?.groups ?? null,
        r.traits?.referredBy ?? null,
      ]);
    }
    await this.#copy('stage_card', stageColumns.card, stage.done());
    const c = this.client;
    await c.query(q.newCards);
    await c.query(q.blockNew, [importedAt]);
    await c.query(q.enrolments);
    await c.query(q.profiles, [importedAt]);
    await c.query(q.traits, [importedAt]);
    const applied = Number((await c.query(q.cardsApplied)).rows[0]?.n);
    return { applied, duplicates: seen.size - applied + again, rejected: [] };
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }
}
