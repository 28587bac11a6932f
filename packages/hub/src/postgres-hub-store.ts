import { assert } from '@tillpoint/core';
import type { OutboxEntry } from '@tillpoint/ledger';
import type { CardStateSnapshot, SignedRuleSet, SyncProfile } from '@tillpoint/protocol';
import pg from 'pg';
import type { AdjustOutcome, PointsAdjustment } from './admin/cards/adjustment-entry';
import { adjustPointsPg } from './admin/cards/postgres-adjust';
import { type CardProfilePatch, cardProfilePatchSchema } from './chain/card-profile-rules';
import type { CouponCheck } from './chain/reward-coupons';
import { type Restock, type RewardStock, stockFigures } from './chain/reward-stock';
import type { SaleLookup, SaleLookupResult } from './chain/sale-lookup';
import type { SegmentRow } from './chain/segment-csv';
import { TierPolicies } from './chain/tier-policies';
import type { TierPolicy } from './chain/tier-window';
import { distinctCardIds } from './hub-rules';
import type * as hub from './hub-store';
import { defaultReturnLotLifetimeMs, segmentRowsMax } from './hub-store';
import { translatePostgresError } from './hub-store-error';
import type { IngestedEntry, StreamPosition } from './ingested-entries';
import { KnownPairs } from './known-pairs';
import { readIngestedPg } from './pg-ingested-read';
import { hearPoolErrors } from './pg-pool-errors';
import {
  assignSegmentsPg,
  cardStates,
  erasePg,
  lookupSalePg,
  policyAt,
  saveProfilesPg,
  setProfilePg,
  tierSlidePagePg,
} from './postgres-chain';
import { pgChainSql } from './postgres-chain-sql';
import { FeedNumbering, noteChanges } from './postgres-feed';
import { addCardsSeen, announceVested, expireLots } from './postgres-jobs';
import { prepareSchema } from './postgres-open';
import { readChangesPage } from './postgres-pull';
import { applyPush, type BatchSideWork } from './postgres-push';
import { rewardStockPg, stockRewardPg } from './postgres-reward-stock';
import { checkCouponPg, redeemCouponPg } from './postgres-reward-uses';
import { PostgresRuleSets } from './postgres-rule-sets';
import { pgSql } from './postgres-sql';
import { PostgresTransactions } from './postgres-transactions';
import { prepared } from './postgres-write';
import { type CardFigures, cardState, withCardStates } from './pull-plan';
import { cardCapsFull } from './write-checks';

export interface PostgresHubStoreOptions {
  connectionString: string;
  /** A schema of its own (created if missing); default `tillpoint_hub`. */
  schema?: string;
  /** Hash partitions of journal and posting (by card id); default 8. Fixed at creation. */
  partitions?: number;
  poolMax?: number;
  /** Told when an idle pooled connection fails (the pool drops it); default: ignored. */
  onIdleError?: (error: Error) => void;
  /** Cards the feed's numbering takes in one statement pair (`postgres-feed.ts`); default 50 000. */
  feedCardsPerRun?: number;
  /** Per-batch side work inside each push's transaction (rollups, detectors): `BatchSideWork`. */
  sideWork?: BatchSideWork;
  /** (card, store) pairs this process remembers as recorded, so pushes skip them; default 200 000. */
  knownPairsMax?: number;
  /** Tier window for every card, instead of the rule set in force's (`tierPolicyOf`). */
  tierPolicy?: TierPolicy;
  /** Life of a lot head office makes for points a return gives back; default 30 days. */
  returnLotLifetimeMs?: number;
}

/** bigint (int8) and numeric as JS numbers: every figure here is far below 2^53. */
const types = {
  getTypeParser(oid: number, format?: string) {
    if (oid === 20 || oid === 1700) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

/**
 * The production hub store: PostgreSQL (or Citus), journal and postings hash-partitioned by card
 * id, every card-keyed table keyed by card id, each push applied in one transaction
 * (`postgres-push.ts`) that locks only its till's cursor row and its own cards' rows, in card
 * order: pushes for different cards never wait on each other. The change feed is numbered after
 * commit (`postgres-feed.ts`); pulls read up to the head published after that
 * (`postgres-pull.ts`). Failures are `HubStoreError`s.
 */
export class PostgresHubStore implements hub.HubStore {
  readonly kind = 'postgres' as const;
  readonly #knownPairs: KnownPairs;
  readonly #db: PostgresTransactions;

  readonly #lookupKey: string;
  readonly #policies: TierPolicies;
  readonly #returnLotLifetimeMs: number;
  readonly #feed: FeedNumbering;
  readonly #sideWork: BatchSideWork | undefined;
  readonly #rules: PostgresRuleSets;

  private constructor(
    readonly pool: pg.Pool,
    options: {
      knownPairsMax: number;
      where: string;
      lookupKey: string;
      tierPolicy: TierPolicy | undefined;
      returnLotLifetimeMs: number;
      feedCardsPerRun: number;
      sideWork: BatchSideWork | undefined;
    },
  ) {
    this.#knownPairs = new KnownPairs(options.knownPairsMax);
    this.#db = new PostgresTransactions(pool, options.where);
    this.#feed = new FeedNumbering(this.#db, options.feedCardsPerRun);
    this.#rules = new PostgresRuleSets(this.#db, this.#feed);
    this.#sideWork = options.sideWork;
    this.#lookupKey = options.lookupKey;
    this.#policies = new TierPolicies(options.tierPolicy);
    this.#returnLotLifetimeMs = options.returnLotLifetimeMs;
  }

  static async open(options: PostgresHubStoreOptions): Promise<PostgresHubStore> {
    const schema = options.schema ?? 'tillpoint_hub';
    assert(/^[a-z_][a-z0-9_]{0,62}$/.test(schema), 'a schema name is lower-case letters, digits and _', {
      schema,
    });
    const partitions = options.partitions ?? 8;
    assert(Number.isInteger(partitions) && partitions >= 1 && partitions <= 256, 'partitions in 1..256');
    const where = `${redact(options.connectionString)} (schema ${schema})`;
    let lookupKey: string;
    try {
      lookupKey = await prepareSchema(options.connectionString, schema, partitions, where, Date.now());
    } catch (error) {
      throw translatePostgresError(error, where, 'opening the hub schema');
    }
    const pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.poolMax ?? 8,
      options: `-c search_path=${schema}`,
      types,
    });
    // An idle connection dropped by the server (restart, failover) must not crash the hub:
    // the pool replaces it, and the next query fails or succeeds on its own.
    hearPoolErrors(pool, (error) => options.onIdleError?.(error));
    return new PostgresHubStore(pool, {
      knownPairsMax: options.knownPairsMax ?? 200_000,
      where,
      lookupKey,
      tierPolicy: options.tierPolicy,
      returnLotLifetimeMs: options.returnLotLifetimeMs ?? defaultReturnLotLifetimeMs,
      feedCardsPerRun: options.feedCardsPerRun ?? 50_000,
      sideWork: options.sideWork,
    });
  }

  async addTill(input: { storeId: string; tillId: string; codeHash: string; codeExpiresAt: number }) {
    await this.#db.run('adding a till', () =>
      this.pool.query(pgSql.addTill, [input.tillId, input.storeId, input.codeHash, input.codeExpiresAt]),
    );
  }

  async enrolTill(input: { tillId: string; codeHash: string; secretHash: string; now: number }) {
    const result = await this.#db.run('enrolling a till', () =>
      this.pool.query(pgSql.enrolTill, [input.secretHash, input.tillId, input.codeHash, input.now]),
    );
    return tillRecord(result.rows[0]);
  }

  async getTill(tillId: string): Promise<hub.TillRecord | null> {
    return tillRecord(
      (await this.#db.run('reading a till', () => this.pool.query(pgSql.getTill, [tillId]))).rows[0],
    );
  }

  async applyBatch(input: { tillId: string; storeId: string; entries: OutboxEntry[]; now: number }) {
    return this.#db.connected('applying a push', async (client): Promise<hub.PushOutcome> => {
      const { outcome, commit } = await applyPush(
        client,
        input,
        this.#knownPairs,
        { lookupKey: this.#lookupKey, returnLotLifetimeMs: this.#returnLotLifetimeMs },
        this.#sideWork,
      );
      if (!commit) return outcome;
      await client.query('COMMIT');
      this.#knownPairs.remember(input.storeId, [...new Set(input.entries.map((e) => e.cardId))]);
      return outcome;
    });
  }

  async changesSince(input: hub.ChangesInput) {
    // Every change committed before this pull is numbered and published first.
    await this.#feed.settle();
    return this.#db.tx(
      'reading changes for a pull',
      async (client): Promise<hub.ChangesPage> => {
        const page = await readChangesPage(client, input);
        if ((input.version ?? 1) < 2) return page;
        const policy = await policyAt(client, this.#policies, input.now);
        const states = await cardStates(
          client,
          page.balances.map((b) => b.cardId),
          input.now,
          policy,
        );
        const full = withCardStates(page, states, this.#lookupKey);
        if ((input.version ?? 1) < 4) return full;
        return { ...full, rewardStock: stockFigures(await rewardStockPg(client)) };
      },
      'REPEATABLE READ READ ONLY',
    );
  }

  async noteCardsSeen(input: { storeId: string; cardIds: readonly string[]; now: number }): Promise<number> {
    const cardIds = distinctCardIds(input.cardIds);
    // Nothing new (the common repeat): answered without a write.
    const known = await this.#db.run('reading cards seen at a store', () =>
      this.pool.query(pgSql.knownPairs, [input.storeId, cardIds]),
    );
    const have = new Set((known.rows as { card_id: string }[]).map((r) => r.card_id));
    const missing = cardIds.filter((c) => !have.has(c));
    if (missing.length === 0) return 0;
    return this.#db.tx('recording cards seen at a store', (client) =>
      addCardsSeen(client, { storeId: input.storeId, cardIds: missing }),
    );
  }

  async setCardBlocked(cardId: string, blocked: boolean, now: number): Promise<void> {
    await this.#db.tx('blocking a card', async (client) => {
      await prepared(client, pgSql.setBlocked, [cardId, blocked, now]);
      await noteChanges(client, [cardId], new Set([cardId]));
    });
  }

  /** A rule set takes the next feed number in a run of the numbering (rule sets are few). */
  async publishRuleSet(ruleSet: SignedRuleSet, publication?: hub.RuleSetPublication): Promise<void> {
    await this.#rules.publish(ruleSet, publication);
  }

  publishedRuleSets(limit: number): Promise<hub.PublishedRuleSet[]> {
    return this.#rules.published(limit);
  }

  storeGroups(): Promise<hub.StoreGroup[]> {
    return this.#rules.groups();
  }

  async setStoreGroup(input: hub.StoreGroupChange): Promise<void> {
    await this.#rules.setGroup(input);
  }

  noteRulesInForce(tillId: string, version: string | null, now: number): Promise<void> {
    return this.#rules.noteInForce(tillId, version, now);
  }

  tillRulesInForce(): Promise<hub.TillRulesInForce[]> {
    return this.#rules.tills();
  }

  async setStoreLimits(storeId: string, limits: hub.StoreLimits): Promise<void> {
    await this.#db.run('setting a store’s limits', () =>
      this.pool.query(pgSql.setStoreLimits, [
        storeId,
        limits.maxSyncAgeMs,
        limits.perCardCap,
        limits.storeTotalCap,
      ]),
    );
  }

  async setCardCap(cardId: string, cap: number | null): Promise<void> {
    await this.#db.tx('setting a card’s offline cap', async (client) => {
      // Serialised on their own row: the count cannot race.
      await prepared(client, pgSql.lockCaps);
      if (cap === null) {
        await prepared(client, pgSql.clearCap, [cardId]);
        return;
      }
      const full = cardCapsFull(Number((await prepared(client, pgSql.capCount, [cardId])).rows[0]?.n));
      if (full) throw full;
      await prepared(client, pgSql.putCap, [cardId, cap]);
    });
  }

  async runExpiry(now: number, lotsMax: number): Promise<number> {
    return this.#db.tx('running the expiry job', (client) => expireLots(client, { now, lotsMax }));
  }

  async announceVesting(now: number, lotsMax: number): Promise<number> {
    return this.#db.tx('announcing vested points', (client) => announceVested(client, { now, lotsMax }));
  }

  async flaggedCards(limit: number, now: number): Promise<hub.CardState[]> {
    return this.#db.tx(
      'listing flagged cards',
      async (client) => {
        const rows = (await client.query(pgSql.flagged, [now, limit])).rows as CardFigures[];
        const reasons = await this.#flagReasons(
          client,
          rows.map((r) => r.cardId),
        );
        return rows.map((row) => cardState(row, reasons.get(row.cardId)));
      },
      'REPEATABLE READ READ ONLY',
    );
  }

  async #flagReasons(client: pg.PoolClient, cardIds: string[]): Promise<Map<string, string[]>> {
    const rows = (await client.query(pgChainSql.flagReasons, [cardIds])).rows as {
      card_id: string;
      reasons: string[];
    }[];
    return new Map(rows.map((r) => [r.card_id, r.reasons]));
  }

  async clearCardFlag(cardId: string): Promise<boolean> {
    return this.#db.tx('clearing a review flag', async (client) => {
      // The card's row first, as every writer of a card's rows.
      const cleared = (await client.query(pgSql.clearFlag, [cardId])).rowCount === 1;
      await client.query(pgChainSql.clearFlags, [cardId]);
      return cleared;
    });
  }

  async getCard(cardId: string, now: number): Promise<hub.CardState | null> {
    return this.#db.tx(
      'reading a card',
      async (client) => {
        const row = (await client.query(pgSql.card, [now, cardId])).rows[0] as CardFigures | undefined;
        return row ? cardState(row, (await this.#flagReasons(client, [cardId])).get(cardId)) : null;
      },
      'REPEATABLE READ READ ONLY',
    );
  }

  async checkCoupon(code: string): Promise<CouponCheck> {
    return this.#db.tx(
      'checking a coupon',
      (client) => checkCouponPg(client, code),
      'REPEATABLE READ READ ONLY',
    );
  }

  async redeemCoupon(code: string, by: string, now: number) {
    return this.#db.tx('taking a coupon', (client) => redeemCouponPg(client, code, by, now));
  }

  async setRewardStock(input: Restock): Promise<RewardStock> {
    return this.#db.tx('stocking a reward', (client) => stockRewardPg(client, input));
  }

  async rewardStock(): Promise<RewardStock[]> {
    return this.#db.tx('reading the reward stock', rewardStockPg, 'REPEATABLE READ READ ONLY');
  }

  async lookupSale(lookup: SaleLookup): Promise<SaleLookupResult> {
    return this.#db.tx(
      'looking a sale up',
      (client) => lookupSalePg(client, lookup),
      'REPEATABLE READ READ ONLY',
    );
  }

  async saveProfiles(input: {
    storeId: string;
    tillId: string;
    profiles: readonly SyncProfile[];
    now: number;
  }) {
    return this.#cardWrite('keeping enrolment profiles', async (client) => ({
      value: [...new Set(input.profiles.map((p) => p.profileRef))],
      changed: await saveProfilesPg(client, { ...input, lookupKey: this.#lookupKey }),
    }));
  }

  /**
   * A head-office write on cards' state (profiles, segments, erasure, the tier job): `fn`, then
   * the cards it changed that head office holds change in the feed (numbered after COMMIT).
   */
  #cardWrite<T>(
    doing: string,
    fn: (client: pg.PoolClient) => Promise<{ value: T; changed: readonly string[] }>,
  ): Promise<T> {
    return this.#db.tx(doing, async (client) => {
      const { value, changed } = await fn(client);
      if (changed.length === 0) return value;
      const held = (
        (await client.query(pgChainSql.heldCards, [[...new Set(changed)]])).rows as { card_id: string }[]
      ).map((r) => r.card_id);
      await noteChanges(client, held);
      return value;
    });
  }

  async getCardState(cardId: string, now: number): Promise<CardStateSnapshot | null> {
    return this.#db.tx(
      'reading a card’s state',
      async (client) => {
        const states = await cardStates(client, [cardId], now, await policyAt(client, this.#policies, now));
        return states.get(cardId) ?? null;
      },
      'REPEATABLE READ READ ONLY',
    );
  }

  async setCardProfile(cardId: string, patch: CardProfilePatch, now: number): Promise<hub.CardProfileView> {
    const checked = cardProfilePatchSchema.parse(patch);
    return this.#cardWrite('setting a card’s profile', async (client) => ({
      value: await setProfilePg(client, { cardId, patch: checked, now, lookupKey: this.#lookupKey }),
      changed: [cardId],
    }));
  }

  async assignSegments(input: { rows: readonly SegmentRow[]; mode: 'add' | 'remove'; now: number }) {
    assert(input.rows.length <= segmentRowsMax, 'at most segmentRowsMax rows a call', {
      rows: input.rows.length,
    });
    return this.#cardWrite('assigning segments', async (client) => {
      const { changed, rejected } = await assignSegmentsPg(client, input);
      return { value: { changedCards: changed.length, rejected }, changed };
    });
  }

  async eraseCard(cardId: string, now: number): Promise<hub.ErasureOutcome> {
    return this.#cardWrite('erasing a card’s personal data', async (client) => ({
      value: await erasePg(client, cardId, now),
      changed: [cardId],
    }));
  }

  async announceTierWindow(now: number, cardsMax: number): Promise<{ cards: number; done: boolean }> {
    return this.#cardWrite('announcing tier windows', async (client) => {
      const policy = await policyAt(client, this.#policies, now);
      const page = await tierSlidePagePg(client, { now, cardsMax, policy });
      return { value: { cards: page.cards.length, done: page.done }, changed: page.cards };
    });
  }

  async adjustPoints(input: PointsAdjustment): Promise<AdjustOutcome> {
    return this.#db.tx('posting a head-office correction', (client) => adjustPointsPg(client, input));
  }

  async enrolConflicts(limit: number): Promise<hub.EnrolConflict[]> {
    const rows = (
      await this.#db.run('listing enrolment conflicts', () =>
        this.pool.query(pgChainSql.enrolConflicts, [limit]),
      )
    ).rows as hub.EnrolConflict[];
    return rows.map((r) => ({ ...r, at: Number(r.at) }));
  }

  async cardSales(cardId: string, limit: number): Promise<hub.SaleSummary[]> {
    const rows = (
      await this.#db.run('reading a card’s sales', () =>
        this.pool.query(pgChainSql.cardSales, [cardId, limit]),
      )
    ).rows as hub.SaleSummary[];
    return rows;
  }

  async phoneLookupKey(): Promise<string> {
    return this.#lookupKey;
  }

  async journalKeys(limit: number): Promise<hub.JournalKey[]> {
    const result = await this.#db.run('reading the journal', () =>
      this.pool.query(pgSql.journalKeys, [limit]),
    );
    return (result.rows as { till_id: string; epoch: string; seq: number; hash: string }[]).map((r) => ({
      tillId: r.till_id,
      epoch: r.epoch,
      seq: r.seq,
      hash: r.hash,
    }));
  }

  /** A separate read for fraud control (`pg-ingested-read.ts`); nothing on the push path. */
  async ingestedAfter(after: readonly StreamPosition[], limit: number): Promise<IngestedEntry[]> {
    return this.#db.run('reading the journal', () => readIngestedPg(this.pool, after, limit));
  }

  async unbalancedCards(limit: number): Promise<string[]> {
    const result = await this.#db.run('checking balances', () => this.pool.query(pgSql.unbalanced, [limit]));
    return (result.rows as { card_id: string }[]).map((r) => r.card_id);
  }

  async close(): Promise<void> {
    await this.#db.close();
  }
}

function tillRecord(row: unknown): hub.TillRecord | null {
  const r = row as { till_id: string; store_id: string; secret_hash: string | null } | undefined;
  return r ? { tillId: r.till_id, storeId: r.store_id, secretHash: r.secret_hash } : null;
}

/** The URL without its password, for messages. */
function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
