import { assert } from '@tillpoint/core';
import type { OutboxEntry } from '@tillpoint/ledger';
import type { CardStateSnapshot, SignedRuleSet, SyncProfile } from '@tillpoint/protocol';
import Database from 'better-sqlite3';
import {
  type AdjustOutcome,
  adjustmentEntry,
  adjustmentTxnId,
  type PointsAdjustment,
  planAdjustment,
} from './admin/cards/adjustment-entry';
import { appliedOutcome, batchRows, decideBatch, emptyCursor, epochConflict } from './batch-plan';
import { type CardProfilePatch, cardProfilePatchSchema } from './chain/card-profile-rules';
import { chainFacts } from './chain/chain-facts';
import type { CouponCheck } from './chain/reward-coupons';
import type { SaleLookup, SaleLookupResult } from './chain/sale-lookup';
import type { SegmentRow } from './chain/segment-csv';
import { TierPolicies } from './chain/tier-policies';
import type { TierPolicy } from './chain/tier-window';
import { distinctCardIds, expiryEntry } from './hub-rules';
import type * as hub from './hub-store';
import { defaultReturnLotLifetimeMs, hubTillId, segmentRowsMax } from './hub-store';
import { translateSqliteError } from './hub-store-error';
import type { IngestedEntry, StreamPosition } from './ingested-entries';
import type { HubLot } from './lot-settlement';
import { MultiRowInsert } from './multi-row-insert';
import {
  type BlockRow,
  cardState,
  changesPage,
  feedNumbers,
  feedReads,
  type RuleSetRow,
  withCardStates,
} from './pull-plan';
import { SqliteRollups } from './reports/sqlite-rollups';
import { HeldTransaction, SqliteBatchWriter } from './sqlite-batch-writer';
import { SqliteChain } from './sqlite-chain';
import { type ChainStatements, prepareChainStatements } from './sqlite-chain-statements';
import { checkCouponSqlite, redeemCouponSqlite } from './sqlite-coupons';
import { SqliteIngestedRead } from './sqlite-ingested-read';
import { rewardStockFigures, rewardStockRows, stockReward } from './sqlite-reward-stock';
import { SqliteRuleSets } from './sqlite-rule-sets';
import { migrateHubDatabase } from './sqlite-schema';
import { type FigureRow, figures, type HubStatements, prepareHubStatements } from './sqlite-statements';
import { cardCapsFull } from './write-checks';

export interface SqliteHubStoreOptions {
  /** How long a write waits for another process's (a CLI command's) lock; default 5 000 ms. */
  busyTimeoutMs?: number;
  /** Tier window for every card, instead of the rule set in force's (`tierPolicyOf`). */
  tierPolicy?: TierPolicy;
  /** Life of a lot head office makes for points a return gives back; default 30 days. */
  returnLotLifetimeMs?: number;
}

/**
 * The default hub store: one SQLite file, WAL with synchronous=FULL, each push applied in one
 * transaction with multi-row inserts, every statement prepared when it opens (tables in
 * `sqlite-schema.ts`, statements in `sqlite-statements.ts`). better-sqlite3 is synchronous,
 * so a transaction never interleaves with another request. Failures are `HubStoreError`s.
 */
export class SqliteHubStore implements hub.HubStore {
  readonly kind = 'sqlite' as const;
  readonly #db: Database.Database;
  readonly #sql: HubStatements;
  readonly #insert: MultiRowInsert;
  readonly #chainSql: ChainStatements;
  readonly #chain: SqliteChain;
  readonly #writer: SqliteBatchWriter;
  readonly #where: string;
  readonly #ingested: SqliteIngestedRead;
  readonly #rules: SqliteRuleSets;

  constructor(path: string, options: SqliteHubStoreOptions = {}) {
    this.#where = path === ':memory:' ? 'the in-memory hub database' : path;
    try {
      this.#db = new Database(path);
      this.#db.pragma('journal_mode = WAL');
      this.#db.pragma('synchronous = FULL');
      this.#db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5_000}`);
      assert(this.#db.pragma('synchronous', { simple: true }) === 2, 'synchronous=FULL took effect');
      migrateHubDatabase(this.#db, this.#where);
      this.#sql = prepareHubStatements(this.#db);
      this.#insert = new MultiRowInsert(this.#db);
      this.#chainSql = prepareChainStatements(this.#db);
      this.#chain = this.#db
        .transaction(() => new SqliteChain(this.#chainSql, new TierPolicies(options.tierPolicy)))
        .immediate();
      this.#writer = new SqliteBatchWriter(
        this.#sql,
        this.#chainSql,
        this.#insert,
        {
          lookupKey: this.#chain.lookupKey,
          returnLotLifetimeMs: options.returnLotLifetimeMs ?? defaultReturnLotLifetimeMs,
        },
        new SqliteRollups(this.#db),
      );
      this.#ingested = new SqliteIngestedRead(this.#db);
      this.#rules = new SqliteRuleSets(this.#db, this.#sql.takeNumbers);
    } catch (error) {
      throw translateSqliteError(error, this.#where, 'opening it');
    }
  }

  /** Runs one call, translating database errors. */
  async #run<T>(doing: string, fn: () => T): Promise<T> {
    try {
      return fn();
    } catch (error) {
      throw translateSqliteError(error, this.#where, doing);
    }
  }

  /** One write transaction (BEGIN IMMEDIATE: the write lock first, as every writer takes it). */
  #write<T>(doing: string, fn: () => T): Promise<T> {
    return this.#run(doing, () => this.#db.transaction(fn).immediate());
  }

  async addTill(input: { storeId: string; tillId: string; codeHash: string; codeExpiresAt: number }) {
    await this.#run('adding a till', () =>
      this.#sql.addTill.run(input.tillId, input.storeId, input.codeHash, input.codeExpiresAt),
    );
  }

  async enrolTill(input: { tillId: string; codeHash: string; secretHash: string; now: number }) {
    const changed = await this.#run('enrolling a till', () =>
      this.#sql.enrolTill.run(input.secretHash, input.tillId, input.codeHash, input.now),
    );
    return changed.changes === 1 ? this.getTill(input.tillId) : null;
  }

  async getTill(tillId: string): Promise<hub.TillRecord | null> {
    const row = (await this.#run('reading a till', () => this.#sql.getTill.get(tillId))) as
      | { till_id: string; store_id: string; secret_hash: string | null }
      | undefined;
    return row ? { tillId: row.till_id, storeId: row.store_id, secretHash: row.secret_hash } : null;
  }

  async applyBatch(input: { tillId: string; storeId: string; entries: OutboxEntry[]; now: number }) {
    const first = input.entries[0];
    assert(first !== undefined, 'a batch has entries');
    const push = (): hub.PushOutcome => {
      const row = this.#sql.tillCursor.get(input.tillId, first.epoch) as
        | { last_seq: number; last_hash: string }
        | undefined;
      const cursor = row
        ? { lastSeq: row.last_seq, lastHash: row.last_hash }
        : emptyCursor(input.tillId, first.epoch);
      const decision = decideBatch(
        cursor,
        input.entries,
        (seq) => this.#sql.heldHash.get(input.tillId, first.epoch, seq) as string | undefined,
      );
      if (decision.kind !== 'apply') return decision;
      const overdraftBooked = this.#writer.writeRows(
        batchRows(decision.entries, input.now),
        chainFacts(decision.entries),
        input.storeId,
        input.now,
      );
      this.#sql.putTillCursor.run(
        input.tillId,
        first.epoch,
        decision.ackedThrough,
        decision.lastHash,
        input.now,
      );
      return appliedOutcome(decision, overdraftBooked);
    };
    return this.#run('applying a push', () => {
      try {
        return this.#db.transaction(push).immediate();
      } catch (error) {
        // Rolled back: nothing of the batch was written.
        if (!(error instanceof HeldTransaction)) throw error;
        const held = this.#heldTransaction(input.entries);
        if (held !== null) return held;
        throw error.cause ?? error;
      }
    });
  }

  /** The first entry of a batch whose transaction head office already holds (after the push rolled back). */
  #heldTransaction(entries: readonly OutboxEntry[]): hub.PushOutcome | null {
    for (const entry of entries) {
      const held = this.#sql.heldTxn.get(entry.cardId, entry.txnId) as
        | { till_id: string; epoch: string; seq: number }
        | undefined;
      // An entry of an overlapping batch held at its own place is a duplicate, not a conflict.
      const same = held?.till_id === entry.tillId && held.epoch === entry.epoch && held.seq === entry.seq;
      if (held && !same)
        return epochConflict(entry, { tillId: held.till_id, epoch: held.epoch, seq: held.seq });
    }
    return null;
  }

  async changesSince(input: hub.ChangesInput) {
    const sql = this.#sql;
    const read = feedReads(input.limit);
    const pull = (): hub.ChangesPage => {
      const head = sql.head.get() as number;
      const { cursor, storeId } = input;
      const cards = sql.changedCards.all({ now: input.now, store: storeId, cursor, head, max: read.cards });
      const blocks = sql.blockChanges.all(cursor, head, read.blocks) as (Omit<BlockRow, 'blocked'> & {
        blocked: number;
      })[];
      const page = changesPage({
        cursor,
        head,
        limit: input.limit,
        cards: (cards as FigureRow[]).map(figures),
        blocks: blocks.map((b) => ({ ...b, blocked: b.blocked === 1 })),
        ruleSets: sql.ruleSets.all({
          cursor,
          head,
          max: read.ruleSets,
          store: storeId,
          grouped: (input.version ?? 1) >= 3 ? 1 : 0,
        }) as RuleSetRow[],
        watermark: sql.watermark.get(input.tillId) as { epoch: string; last_seq: number } | undefined,
        storeLimits: sql.storeLimits.get(storeId) as hub.StoreLimits | undefined,
        tills: sql.tillsOfStore.get(storeId) as number,
        caps: sql.capsOfStore.all(storeId, read.caps) as { cardId: string; cap: number }[],
      });
      if ((input.version ?? 1) < 2) return page;
      const policy = this.#chain.policyAt(input.now);
      const states = new Map<string, CardStateSnapshot>();
      for (const balance of page.balances) {
        const state = this.#chain.cardState(balance.cardId, input.now, policy);
        if (state) states.set(balance.cardId, state);
      }
      const full = withCardStates(page, states, this.#chain.lookupKey);
      if ((input.version ?? 1) < 4) return full;
      return { ...full, rewardStock: rewardStockFigures(this.#chainSql) };
    };
    return this.#run('reading changes for a pull', () => this.#db.transaction(pull)());
  }

  async noteCardsSeen(input: { storeId: string; cardIds: readonly string[]; now: number }): Promise<number> {
    const cardIds = distinctCardIds(input.cardIds);
    return this.#write('recording cards seen at a store', (): number => {
      const added = cardIds.filter((cardId) => this.#sql.addPair.run(cardId, input.storeId).changes === 1);
      // New feed numbers past every till's cursor: the store's next pulls bring these cards.
      const known = added.filter((cardId) => this.#sql.cardExists.get(cardId) !== undefined);
      this.#writer.renumber(known);
      return added.length;
    });
  }

  async setCardBlocked(cardId: string, blocked: boolean, now: number): Promise<void> {
    await this.#write('blocking a card', () => {
      const seq = this.#sql.takeNumbers.get(1) as number;
      this.#sql.setBlocked.run(cardId, blocked ? 1 : 0, seq, seq, now);
    });
  }

  async publishRuleSet(ruleSet: SignedRuleSet, publication?: hub.RuleSetPublication): Promise<void> {
    await this.#write('publishing a rule set', () => this.#rules.publish(ruleSet, publication));
  }

  async publishedRuleSets(limit: number): Promise<hub.PublishedRuleSet[]> {
    return this.#run('reading rule sets', () => this.#rules.published(limit));
  }

  async storeGroups(): Promise<hub.StoreGroup[]> {
    return this.#run('reading store groups', () => this.#rules.groups());
  }

  async setStoreGroup(input: hub.StoreGroupChange): Promise<void> {
    await this.#write('setting a store group', () => this.#rules.setGroup(input));
  }

  async noteRulesInForce(tillId: string, version: string | null, now: number): Promise<void> {
    await this.#run('noting a till’s rule set', () => this.#rules.noteInForce(tillId, version, now));
  }

  async tillRulesInForce(): Promise<hub.TillRulesInForce[]> {
    return this.#run('reading the tills’ rule sets', () => this.#rules.tills());
  }

  async setStoreLimits(storeId: string, limits: hub.StoreLimits): Promise<void> {
    await this.#run('setting a store’s limits', () =>
      this.#sql.setStoreLimits.run(storeId, limits.maxSyncAgeMs, limits.perCardCap, limits.storeTotalCap),
    );
  }

  async setCardCap(cardId: string, cap: number | null): Promise<void> {
    await this.#write('setting a card’s offline cap', () => {
      if (cap === null) return this.#sql.clearCap.run(cardId);
      const full = cardCapsFull(this.#sql.capCount.get(cardId) as number);
      if (full) throw full;
      return this.#sql.putCap.run(cardId, cap);
    });
  }

  async runExpiry(now: number, lotsMax: number): Promise<number> {
    assert(Number.isSafeInteger(lotsMax) && lotsMax > 0, 'lotsMax is a positive integer', { lotsMax });
    return this.#write('running the expiry job', () => {
      const lots = this.#sql.expiringLots.all(now, lotsMax) as {
        card_id: string;
        lot_id: string;
        remaining: number;
      }[];
      if (lots.length === 0) return 0;
      const entries = lots.map((lot) =>
        expiryEntry(lot.card_id, lot.lot_id, lot.remaining, this.#writer.nextHubSeq(), now),
      );
      const rows = batchRows(entries, now);
      const cards = [...rows.cardDeltas.keys()].sort();
      const short = this.#writer.applyBalances(
        rows,
        hubTillId,
        feedNumbers(cards, this.#sql.takeNumbers.get(cards.length) as number),
      );
      assert(short.size === 0, 'expiry takes only what lots hold');
      this.#insert.journal(rows.journal);
      this.#insert.postings(rows.postings);
      return lots.reduce((sum, lot) => sum + lot.remaining, 0);
    });
  }

  async announceVesting(now: number, lotsMax: number): Promise<number> {
    return this.#write('announcing vested points', () => {
      const since = this.#sql.vestedThrough.get() as number;
      const lots = this.#sql.vestedLots.all(since, now, lotsMax) as { card_id: string; vests_at: number }[];
      const through =
        lots.length === lotsMax ? (lots[lots.length - 1] as { vests_at: number }).vests_at : now;
      this.#sql.setVestedThrough.run(through);
      const cards = [...new Set(lots.map((l) => l.card_id))].sort();
      this.#writer.renumber(cards);
      return cards.length;
    });
  }

  async flaggedCards(limit: number, now: number): Promise<hub.CardState[]> {
    return this.#run('listing flagged cards', () =>
      (this.#sql.flagged.all({ now, limit }) as FigureRow[]).map((row) =>
        cardState(figures(row), this.#chainSql.flagReasons.all(row.cardId) as string[]),
      ),
    );
  }

  async clearCardFlag(cardId: string): Promise<boolean> {
    return this.#write('clearing a review flag', () => {
      this.#chainSql.clearFlags.run(cardId);
      return this.#sql.clearFlag.run(cardId).changes === 1;
    });
  }

  async getCard(cardId: string, now: number): Promise<hub.CardState | null> {
    return this.#run('reading a card', () => {
      const row = this.#sql.card.get({ now, card: cardId }) as FigureRow | undefined;
      return row ? cardState(figures(row), this.#chainSql.flagReasons.all(cardId) as string[]) : null;
    });
  }

  async checkCoupon(code: string): Promise<CouponCheck> {
    return this.#run('checking a coupon', () => checkCouponSqlite(this.#chainSql, code));
  }

  async redeemCoupon(code: string, by: string, now: number) {
    return this.#write('taking a coupon', () => redeemCouponSqlite(this.#chainSql, code, by, now));
  }

  async setRewardStock(input: hub.Restock): Promise<hub.RewardStock> {
    return this.#write('stocking a reward', () => stockReward(this.#chainSql, input));
  }

  async rewardStock(): Promise<hub.RewardStock[]> {
    return this.#run('reading the reward stock', () => rewardStockRows(this.#chainSql));
  }

  async lookupSale(lookup: SaleLookup): Promise<SaleLookupResult> {
    return this.#run('looking a sale up', () => this.#db.transaction(() => this.#chain.lookupSale(lookup))());
  }

  async saveProfiles(input: {
    storeId: string;
    tillId: string;
    profiles: readonly SyncProfile[];
    now: number;
  }) {
    return this.#write('keeping enrolment profiles', () => {
      const changed = this.#chain.saveProfiles(input.profiles, input.tillId, input.now);
      this.#writer.renumber(
        [...changed].filter((cardId) => this.#sql.cardExists.get(cardId) !== undefined).sort(),
      );
      return [...new Set(input.profiles.map((p) => p.profileRef))];
    });
  }

  async getCardState(cardId: string, now: number): Promise<CardStateSnapshot | null> {
    return this.#run('reading a card’s state', () =>
      this.#db.transaction(() => this.#chain.cardState(cardId, now, this.#chain.policyAt(now)))(),
    );
  }

  async setCardProfile(cardId: string, patch: CardProfilePatch, now: number): Promise<hub.CardProfileView> {
    const checked = cardProfilePatchSchema.parse(patch);
    return this.#write('setting a card’s profile', () => {
      const view = this.#chain.setProfile(cardId, checked, now);
      if (this.#sql.cardExists.get(cardId) !== undefined) this.#writer.renumber([cardId]);
      return view;
    });
  }

  async assignSegments(input: { rows: readonly SegmentRow[]; mode: 'add' | 'remove'; now: number }) {
    assert(input.rows.length <= segmentRowsMax, 'at most segmentRowsMax rows a call', {
      rows: input.rows.length,
    });
    return this.#write('assigning segments', () => {
      const { changed, rejected } = this.#chain.assignSegments(input.rows, input.mode, input.now);
      this.#writer.renumber(
        changed.filter((cardId) => this.#sql.cardExists.get(cardId) !== undefined).sort(),
      );
      return { changedCards: changed.length, rejected };
    });
  }

  async eraseCard(cardId: string, now: number): Promise<hub.ErasureOutcome> {
    return this.#write('erasing a card’s personal data', () => {
      const outcome = this.#chain.erase(cardId, now);
      if (this.#sql.cardExists.get(cardId) !== undefined) this.#writer.renumber([cardId]);
      return outcome;
    });
  }

  async announceTierWindow(now: number, cardsMax: number): Promise<{ cards: number; done: boolean }> {
    return this.#write('announcing tier windows', () => {
      const page = this.#chain.tierSlidePage(now, cardsMax);
      this.#writer.renumber(page.cards);
      return { cards: page.cards.length, done: page.done };
    });
  }

  async adjustPoints(input: PointsAdjustment): Promise<AdjustOutcome> {
    const txnId = adjustmentTxnId(input.requestId);
    return this.#write('posting a head-office correction', (): AdjustOutcome => {
      if (this.#sql.heldTxn.get(input.cardId, txnId) !== undefined)
        return { ok: true, txnId, repeated: true };
      if (this.#sql.cardExists.get(input.cardId) === undefined)
        return { ok: false, code: 'card_unknown', message: `head office holds no card ${input.cardId}` };
      const planned = planAdjustment(input, this.#sql.cardLots.all(input.cardId) as HubLot[]);
      if (!planned.ok) return planned;
      const rows = batchRows([adjustmentEntry(input, planned, this.#writer.nextHubSeq())], input.now);
      const seq = this.#sql.takeNumbers.get(1) as number;
      this.#writer.applyBalances(rows, hubTillId, new Map([[input.cardId, seq]]));
      this.#insert.journal(rows.journal);
      this.#insert.postings(rows.postings);
      return { ok: true, txnId, repeated: false };
    });
  }

  async enrolConflicts(limit: number): Promise<hub.EnrolConflict[]> {
    return this.#run('listing enrolment conflicts', () =>
      (
        this.#chainSql.enrolConflicts.all(limit) as (Omit<hub.EnrolConflict, 'hasPhone'> & {
          hasPhone: number;
        })[]
      ).map((r) => ({
        ...r,
        hasPhone: r.hasPhone === 1,
      })),
    );
  }

  async cardSales(cardId: string, limit: number): Promise<hub.SaleSummary[]> {
    return this.#run(
      'reading a card’s sales',
      () => this.#chainSql.cardSales.all(cardId, limit) as hub.SaleSummary[],
    );
  }

  async phoneLookupKey(): Promise<string> {
    return this.#chain.lookupKey;
  }

  async journalKeys(limit: number): Promise<hub.JournalKey[]> {
    const rows = await this.#run(
      'reading the journal',
      () =>
        this.#sql.journalKeys.all(limit) as { till_id: string; epoch: string; seq: number; hash: string }[],
    );
    return rows.map((r) => ({ tillId: r.till_id, epoch: r.epoch, seq: r.seq, hash: r.hash }));
  }

  async ingestedAfter(after: readonly StreamPosition[], limit: number): Promise<IngestedEntry[]> {
    return this.#run('reading the journal', () => this.#ingested.read(after, limit));
  }

  async unbalancedCards(limit: number): Promise<string[]> {
    return this.#run('checking balances', () => this.#sql.unbalanced.all(limit) as string[]);
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }
}
