import {
  type BalanceSnapshot,
  type OfflineLimits,
  type RewardStockFigure,
  ruleSetTargetSchema,
  type SignedRuleSet,
} from '@tillpoint/protocol';

/** Head office's reward stock as of a watermark: its figures include this till's entries up to it. */
export interface KnownRewardStock {
  watermark: { epoch: string | null; seq: number };
  rewards: readonly RewardStockFigure[];
}

/** Head office's word on a card beyond its figures: blocked, flagged for review. */
export interface CardStanding {
  blocked: boolean;
  flagged: boolean;
}

import type Database from 'better-sqlite3';

/**
 * What the sync client keeps between runs, in the agent's own SQLite file (tables `sync_*`):
 * the pull cursor, the last successful sync, limits, which cards head office blocked or flagged,
 * and verified rule sets. Head office's balances and card states are the ledger's (its
 * `card_snapshot`, kept by `setCardSnapshots`), not kept twice, but for each card's phone hash,
 * indexed here to find a buyer by phone. Small, and written only by the
 * sync loop (never on the sale path).
 */
export class SyncStateStore {
  readonly #get;
  readonly #set;
  readonly #getStanding;
  readonly #putStanding;
  readonly #putRuleSet;
  readonly #dropRuleSet;
  readonly #latestRuleSets;
  readonly #putPhone;
  readonly #dropPhone;
  readonly #cardsByPhone;

  constructor(readonly db: Database.Database) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS sync_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      DROP TABLE IF EXISTS sync_balance;
      CREATE TABLE IF NOT EXISTS sync_card (card_id TEXT PRIMARY KEY, blocked INTEGER NOT NULL,
        flagged INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS sync_rule_set (version TEXT PRIMARY KEY, effective_from INTEGER NOT NULL,
        rule_set_json TEXT NOT NULL, signature TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS sync_card_phone (card_id TEXT PRIMARY KEY, phone_hash TEXT NOT NULL) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS sync_card_phone_hash ON sync_card_phone (phone_hash);
    `);
    // The signed target of a store-group rule set (JSON; null: every store), added after release.
    const columns = db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('sync_rule_set');
    if (!columns.includes('target')) db.exec('ALTER TABLE sync_rule_set ADD COLUMN target TEXT');
    this.#get = db.prepare('SELECT value FROM sync_meta WHERE key = ?');
    this.#set = db.prepare(
      'INSERT INTO sync_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
    this.#getStanding = db.prepare('SELECT blocked, flagged FROM sync_card WHERE card_id = ?');
    this.#putStanding = db.prepare(
      `INSERT INTO sync_card VALUES (?, ?, ?)
       ON CONFLICT (card_id) DO UPDATE SET blocked = excluded.blocked, flagged = excluded.flagged`,
    );
    // A version sent again (its store group changed, so head office signed it again) replaces the one held.
    this.#putRuleSet = db.prepare(
      `INSERT INTO sync_rule_set (version, effective_from, rule_set_json, signature, target) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (version) DO UPDATE SET effective_from = excluded.effective_from,
         rule_set_json = excluded.rule_set_json, signature = excluded.signature, target = excluded.target`,
    );
    this.#dropRuleSet = db.prepare('DELETE FROM sync_rule_set WHERE version = ?');
    this.#latestRuleSets = db.prepare('SELECT * FROM sync_rule_set ORDER BY effective_from DESC LIMIT ?');
    this.#putPhone = db.prepare(
      `INSERT INTO sync_card_phone VALUES (?, ?)
       ON CONFLICT (card_id) DO UPDATE SET phone_hash = excluded.phone_hash`,
    );
    this.#dropPhone = db.prepare('DELETE FROM sync_card_phone WHERE card_id = ?');
    this.#cardsByPhone = db
      .prepare('SELECT card_id FROM sync_card_phone WHERE phone_hash = ? LIMIT ?')
      .pluck();
  }

  #meta(key: string): string | undefined {
    return (this.#get.get(key) as { value: string } | undefined)?.value;
  }

  get cursor(): number {
    return Number(this.#meta('cursor') ?? 0);
  }

  get lastSyncAt(): number | null {
    const v = this.#meta('last_sync_at');
    return v === undefined ? null : Number(v);
  }

  get limits(): OfflineLimits | null {
    const v = this.#meta('limits');
    return v === undefined ? null : (JSON.parse(v) as OfflineLimits);
  }

  /** The chain's key for phone hashes, once head office sent it. */
  get phoneLookupKey(): string | undefined {
    return this.#meta('phone_lookup_key');
  }

  /**
   * Cards head office sent with this phone hash (the HMAC of the phone under `phoneLookupKey`):
   * a buyer found by phone offline. An erased phone arrives as a null hash and is dropped.
   */
  cardsByPhoneHash(hash: string, limit: number): string[] {
    return this.#cardsByPhone.all(hash, limit) as string[];
  }

  /** Blocked or flagged by head office; undefined when head office never said (a card it never sent). */
  standing(cardId: string): CardStanding | undefined {
    const row = this.#getStanding.get(cardId) as { blocked: number; flagged: number } | undefined;
    return row === undefined ? undefined : { blocked: row.blocked === 1, flagged: row.flagged === 1 };
  }

  /** One pulled page, kept in one transaction (the cursor moves only with its data). */
  applyPage(page: {
    cursor: number;
    watermark: { epoch: string | null; seq: number };
    balances: readonly BalanceSnapshot[];
    blocklist: readonly { cardId: string; blocked: boolean }[];
    ruleSets: readonly SignedRuleSet[];
    /** Versions head office now signs for other stores only (this store left their group): dropped. */
    withdrawn?: readonly string[];
    limits: OfflineLimits;
    /** The chain's key for phone hashes (a `version=2` pull): a buyer found by phone at this till. */
    phoneLookupKey?: string | undefined;
    /** Head office's reward stock (a `version=4` pull), kept with the page's watermark. */
    rewardStock?: readonly RewardStockFigure[] | undefined;
  }): void {
    this.db.transaction(() => {
      for (const b of page.balances) {
        this.#putStanding.run(b.cardId, b.blocked ? 1 : 0, b.flagged ? 1 : 0);
        if (b.card === undefined) continue;
        if (b.card.phoneHash === null) this.#dropPhone.run(b.cardId);
        else this.#putPhone.run(b.cardId, b.card.phoneHash);
      }
      for (const change of page.blocklist) {
        const flagged = this.standing(change.cardId)?.flagged ?? false;
        this.#putStanding.run(change.cardId, change.blocked ? 1 : 0, flagged ? 1 : 0);
      }
      for (const r of page.ruleSets)
        this.#putRuleSet.run(
          r.version,
          r.effectiveFrom,
          r.ruleSetJson,
          r.signature,
          r.target === undefined ? null : JSON.stringify(r.target),
        );
      for (const version of page.withdrawn ?? []) this.#dropRuleSet.run(version);
      this.#set.run('limits', JSON.stringify(page.limits));
      if (page.phoneLookupKey !== undefined) this.#set.run('phone_lookup_key', page.phoneLookupKey);
      if (page.rewardStock !== undefined)
        this.#set.run(
          'reward_stock',
          JSON.stringify({ watermark: page.watermark, rewards: page.rewardStock } satisfies KnownRewardStock),
        );
      this.#set.run('cursor', String(page.cursor));
    })();
  }

  /** Head office's last reward stock and the watermark it is as of; undefined before a `version=4` pull. */
  get rewardStock(): KnownRewardStock | undefined {
    const v = this.#meta('reward_stock');
    return v === undefined ? undefined : (JSON.parse(v) as KnownRewardStock);
  }

  markSynced(at: number): void {
    this.#set.run('last_sync_at', String(at));
  }

  ruleSets(limit = 8): SignedRuleSet[] {
    return (
      this.#latestRuleSets.all(limit) as {
        version: string;
        effective_from: number;
        rule_set_json: string;
        signature: string;
        target: string | null;
      }[]
    ).map((r) => ({
      version: r.version,
      effectiveFrom: r.effective_from,
      ruleSetJson: r.rule_set_json,
      ...(r.target === null ? {} : { target: ruleSetTargetSchema.parse(JSON.parse(r.target)) }),
      signature: r.signature,
    }));
  }
}
