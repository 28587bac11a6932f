import type { OutboxEntry } from '@tillpoint/ledger';
import Database from 'better-sqlite3';
import { journalRows } from '../batch-plan';
import { translateSqliteError } from '../hub-store-error';
import { MultiRowInsert } from '../multi-row-insert';
import type { ImportKind } from './import-mapping';
import type { CardRecord, LotRecord, ReturnRecord, SaleRecord } from './import-records';
import { planImportedReturn, type ReturnableSale } from './import-returns';
import { cardRows, lotEntry, type SealedSale, saleFacts, sealedJournalRows, sealSale } from './import-rows';
import * as writer from './import-writer';
import { prepareSqliteHistory, type SqliteHistoryStatements } from './sqlite-history-schema';

type Applied = Omit<writer.ChunkOutcome, 'cards'> & { touched: Set<string>; blocked: Set<string> };
const applied = (): Applied => ({
  applied: 0,
  duplicates: 0,
  rejected: [],
  touched: new Set(),
  blocked: new Set(),
});

/**
 * The import into a SQLite hub file: one transaction per chunk (thousands of records) on a
 * connection of its own (WAL: the hub keeps serving; its writes wait for a chunk at most), the
 * rows in the push path's own shapes (`MultiRowInsert`), the file's position and rejections in the
 * same transaction. Every card a chunk changed gets a feed number, so tills pull it.
 */
export class SqliteImportWriter implements writer.HistoryImportWriter {
  readonly kind = 'sqlite' as const;
  readonly #db: Database.Database;
  readonly #s: SqliteHistoryStatements;
  readonly #insert: MultiRowInsert;

  constructor(readonly path: string) {
    try {
      this.#db = new Database(path, { fileMustExist: true });
      this.#db.pragma('journal_mode = WAL');
      // NORMAL (this connection only): a chunk's commit is not synced, the WAL is at each checkpoint
      // (and with the hub's next FULL commit). A power cut may lose the last chunks, never half of
      // one: the file position is in the same transaction, and the import resumes from it.
      this.#db.pragma('synchronous = NORMAL');
      this.#db.pragma('busy_timeout = 30000');
      // 64 MiB of pages: the indexes' hot ends stay cached; memory stays bounded whatever the file's size.
      this.#db.pragma('cache_size = -65536');
      this.#s = prepareSqliteHistory(this.#db);
      this.#insert = new MultiRowInsert(this.#db);
    } catch (error) {
      throw translateSqliteError(error, path, 'opening it for the import');
    }
  }

  #run<T>(doing: string, fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      throw translateSqliteError(error, this.path, doing);
    }
  }

  async readProgress(digest: string): Promise<writer.ImportProgress | null> {
    const row = this.#run('reading the import position', () => this.#s.progress.get(digest)) as
      | (Omit<writer.ImportProgress, 'header' | 'done'> & { header: string | null; done: number })
      | undefined;
    if (row === undefined) return null;
    return {
      ...row,
      header: row.header === null ? null : (JSON.parse(row.header) as string[]),
      done: row.done === 1,
    };
  }

  #put(p: writer.ImportProgress): void {
    this.#s.putProgress.run({
      ...p,
      header: p.header === null ? null : JSON.stringify(p.header),
      done: p.done ? 1 : 0,
    });
  }

  async startProgress(progress: writer.ImportProgress): Promise<void> {
    this.#run('recording the import', () => this.#put(progress));
  }

  async finish(progress: writer.ImportProgress): Promise<void> {
    this.#run('finishing the import', () => this.#put({ ...progress, done: true }));
  }

  async *rejects(digest: string): AsyncIterable<writer.Reject> {
    for (const row of this.#s.rejects.iterate(digest) as Iterable<writer.Reject>) yield row;
  }

  async applyChunk<K extends ImportKind>(chunk: writer.ImportChunk<K>): Promise<writer.ChunkOutcome> {
    return this.#run('importing a chunk', () =>
      this.#db
        .transaction((): writer.ChunkOutcome => {
          const out = this.#apply(chunk);
          const cards = [...out.touched].sort();
          if (cards.length > 0) {
            const last = this.#s.takeNumbers.get(cards.length) as number;
            cards.forEach((cardId, i) => {
              this.#s.renumber.run(last - cards.length + 1 + i, cardId);
            });
            for (const cardId of out.blocked) this.#s.blockSeq.run(cardId);
          }
          const rejected = [...chunk.rejects, ...out.rejected];
          for (const r of rejected) this.#s.addReject.run(chunk.progress.digest, r.line, r.reason);
          const outcome = {
            applied: out.applied,
            duplicates: out.duplicates,
            rejected: out.rejected,
            cards: cards.length,
          };
          this.#put({
            ...chunk.progress,
            ...writer.advanced(
              chunk.progress,
              { records: chunk.records.length, readRejects: chunk.rejects.length },
              outcome,
            ),
          });
          return outcome;
        })
        .immediate(),
    );
  }

  #apply<K extends ImportKind>(chunk: writer.ImportChunk<K>): Applied {
    const records = chunk.records as { line: number; record: never }[];
    if (chunk.kind === 'sales')
      return this.#sales(records as { line: number; record: SaleRecord }[], chunk.epoch, chunk.sealed);
    if (chunk.kind === 'balances')
      return this.#lots(records as { line: number; record: LotRecord }[], chunk.epoch, chunk.importedAt);
    if (chunk.kind === 'cards')
      return this.#cards(
        records as { line: number; record: CardRecord }[],
        chunk.lookupKey,
        chunk.importedAt,
      );
    return this.#returns(records as { line: number; record: ReturnRecord }[]);
  }

  #sales(
    records: { line: number; record: SaleRecord }[],
    epoch: string,
    sealed: readonly SealedSale[] | null,
  ): Applied {
    const out = applied();
    const fresh: SealedSale[] = [];
    const seen = new Set<string>();
    records.forEach(({ line, record }, i) => {
      const sale = sealed?.[i] ?? sealSale(record, epoch, line);
      const { entry } = sale;
      const key = `${entry.cardId}\u001f${entry.occurredAt}\u001f${entry.txnId}`;
      const held = this.#s.saleHeld.get(entry.cardId, entry.occurredAt, entry.txnId) as
        | { epoch: string; seq: number }
        | undefined;
      if (seen.has(key) || (held !== undefined && held.epoch === epoch && held.seq !== line)) {
        out.rejected.push({
          line,
          reason: `receipt ${record.receiptId} appears twice in this file (its rows must be consecutive)`,
        });
        return;
      }
      seen.add(key);
      if (held !== undefined) {
        out.duplicates += 1;
        return;
      }
      fresh.push(sale);
    });
    if (fresh.length === 0) return out;
    // By card (stable: a card's sales keep their order): each table's key starts with the card,
    // so the chunk's rows go into neighbouring pages instead of all over the file.
    fresh.sort((a, b) => (a.entry.cardId < b.entry.cardId ? -1 : a.entry.cardId > b.entry.cardId ? 1 : 0));
    const facts = saleFacts(fresh.map((f) => f.entry));
    this.#insert.journal(sealedJournalRows(fresh));
    this.#insert.sales(facts.sales);
    this.#insert.saleLines(facts.lines);
    this.#insert.cardDays(facts.days);
    const byStore = new Map<string, Set<string>>();
    for (const sale of facts.sales) {
      const cards = byStore.get(sale.storeId) ?? new Set<string>();
      cards.add(sale.cardId);
      byStore.set(sale.storeId, cards);
    }
    for (const [storeId, cards] of byStore) this.#insert.cardStores(storeId, [...cards]);
    for (const c of facts.counters) {
      this.#s.addCard.run(c.cardId);
      this.#s.addCounters.run(c.spendMinor, c.purchases, c.cardId);
      out.touched.add(c.cardId);
    }
    for (const g of facts.claims) this.#s.claimGrant.run(g.cardId, g.grantKey, g.txnId, g.occurredAt);
    out.applied = fresh.length;
    return out;
  }

  #lots(records: { line: number; record: LotRecord }[], epoch: string, importedAt: number): Applied {
    const out = applied();
    const fresh: OutboxEntry[] = [];
    const seen = new Set<string>();
    for (const { line, record } of records) {
      const entry = lotEntry(record, epoch, line, importedAt);
      if (seen.has(entry.txnId)) {
        out.rejected.push({
          line,
          reason: `lot ${record.lotKey} of card ${record.cardId} appears twice: give each lot a lot_id`,
        });
        continue;
      }
      seen.add(entry.txnId);
      if (this.#s.postingHeld.get(entry.cardId, entry.txnId) !== undefined) {
        out.duplicates += 1;
        continue;
      }
      fresh.push(entry);
    }
    if (fresh.length === 0) return out;
    this.#insert.journal(journalRows(fresh));
    for (const entry of fresh) {
      this.#insert.postings(
        entry.postings.map((p) => ({
          cardId: entry.cardId,
          txnId: entry.txnId,
          leg: p.leg,
          account: p.account,
          amount: p.amount,
          lotId: p.lotId,
        })),
      );
      const lot = entry.newLots[0];
      if (lot === undefined) continue;
      this.#s.addLot.run(entry.cardId, lot.lotId, lot.initial, lot.initial, lot.vestsAt, lot.expiresAt);
      this.#s.addCard.run(entry.cardId);
      this.#s.addPoints.run(lot.initial, entry.cardId);
      out.touched.add(entry.cardId);
    }
    out.applied = fresh.length;
    return out;
  }

  #cards(records: { line: number; record: CardRecord }[], lookupKey: string, importedAt: number): Applied {
    const out = applied();
    for (const { record } of records) {
      const rows = cardRows(record, lookupKey);
      const s = this.#s;
      let changes = s.addCard.run(rows.cardId).changes;
      if (rows.blocked && s.blockNew.run(importedAt, rows.cardId).changes === 1) {
        changes += 1;
        out.blocked.add(rows.cardId);
      }
      const e = rows.enrolment;
      if (e) changes += s.addEnrolment.run(rows.cardId, e.profileRef, e.enrolledAt, e.consentAt).changes;
      const p = rows.profile;
      if (p) changes += s.addProfile.run({ cardId: rows.cardId, ...p, at: importedAt }).changes;
      const t = rows.traits;
      if (t) changes += s.addTraits.run(rows.cardId, t.groups, t.referredBy, importedAt).changes;
      if (changes === 0) out.duplicates += 1;
      else {
        out.applied += 1;
        out.touched.add(rows.cardId);
      }
    }
    return out;
  }

  #returns(records: { line: number; record: ReturnRecord }[]): Applied {
    const out = applied();
    const s = this.#s;
    for (const { line, record } of records) {
      const candidates = (
        s.salesOfReceipt.all(record.cardId, record.receiptId) as Omit<ReturnableSale, 'lines'>[]
      ).map((sale) => ({
        ...sale,
        lines: s.saleLines.all(sale.cardId, sale.occurredAt, sale.txnId) as ReturnableSale['lines'],
      }));
      const plan = planImportedReturn(record, candidates);
      if (plan.kind === 'reject') {
        out.rejected.push({ line, reason: plan.reason });
        continue;
      }
      const a = plan.applied;
      if (s.returnHeld.get(record.cardId, a.txnId) !== undefined) {
        out.duplicates += 1;
        continue;
      }
      s.addReturn.run(a.row);
      for (const l of a.lines)
        s.setLineReturned.run(l.returnedMicro, a.sale.cardId, a.sale.occurredAt, a.sale.txnId, l.lineNo);
      s.setSaleRunning.run({
        cardId: a.sale.cardId,
        occurredAt: a.sale.occurredAt,
        txnId: a.sale.txnId,
        refundedMinor: a.after.refundedMinor,
        spendReversedMinor: a.after.spendReversedMinor,
        earnedReversed: a.after.earnedReversed,
        spentRestored: a.after.spentRestored,
      });
      if (a.spendReversedNow > 0) {
        s.addDaySpend.run(a.sale.cardId, a.saleDay, -a.spendReversedNow);
        s.addCounters.run(-a.spendReversedNow, 0, a.sale.cardId);
      }
      out.applied += 1;
      out.touched.add(record.cardId);
    }
    return out;
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }
}
