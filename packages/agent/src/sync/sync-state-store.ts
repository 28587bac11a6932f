import type { BalanceSnapshot, OfflineLimits, SignedRuleSet } from '@tillpoint/protocol';
import type Database from 'better-sqlite3';

/** A head-office balance as the till keeps it: the snapshot and the watermark it is valid at. */
export interface KeptBalance extends BalanceSnapshot {
  watermarkEpoch: string | null;
  watermarkSeq: number;
}

/**
 * What the sync client keeps between runs, in the agent's own SQLite file (tables `sync_*`):
 * the pull cursor, the last successful sync, limits, balances of cards seen in the store,
 * and verified rule sets. Small, and written only by the sync loop (never on the sale path).
 */
export class SyncStateStore {
  readonly #get;
  readonly #set;
  readonly #getBalance;
  readonly #putBalance;
  readonly #putRuleSet;
  readonly #latestRuleSets;

  constructor(readonly db: Database.Database) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS sync_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS sync_balance (card_id TEXT PRIMARY KEY, available INTEGER NOT NULL,
        pending INTEGER NOT NULL, blocked INTEGER NOT NULL, flagged INTEGER NOT NULL,
        watermark_epoch TEXT, watermark_seq INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS sync_rule_set (version TEXT PRIMARY KEY, effective_from INTEGER NOT NULL,
        rule_set_json TEXT NOT NULL, signature TEXT NOT NULL);
    `);
    this.#get = db.prepare('SELECT value FROM sync_meta WHERE key = ?');
    this.#set = db.prepare(
      'INSERT INTO sync_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
    this.#getBalance = db.prepare('SELECT * FROM sync_balance WHERE card_id = ?');
    this.#putBalance = db.prepare(
      `INSERT INTO sync_balance VALUES (@cardId, @available, @pending, @blocked, @flagged, @watermarkEpoch, @watermarkSeq)
       ON CONFLICT (card_id) DO UPDATE SET available = excluded.available, pending = excluded.pending,
         blocked = excluded.blocked, flagged = excluded.flagged, watermark_epoch = excluded.watermark_epoch,
         watermark_seq = excluded.watermark_seq`,
    );
    this.#putRuleSet = db.prepare('INSERT OR IGNORE INTO sync_rule_set VALUES (?, ?, ?, ?)');
    this.#latestRuleSets = db.prepare('SELECT * FROM sync_rule_set ORDER BY effective_from DESC LIMIT ?');
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

  balance(cardId: string): KeptBalance | undefined {
    const row = this.#getBalance.get(cardId) as
      | {
          card_id: string;
          available: number;
          pending: number;
          blocked: number;
          flagged: number;
          watermark_epoch: string | null;
          watermark_seq: number;
        }
      | undefined;
    if (!row) return undefined;
    return {
      cardId: row.card_id,
      available: row.available,
      pending: row.pending,
      blocked: row.blocked === 1,
      flagged: row.flagged === 1,
      watermarkEpoch: row.watermark_epoch,
      watermarkSeq: row.watermark_seq,
    };
  }

  /** One pulled page, kept in one transaction (the cursor moves only with its data). */
  applyPage(page: {
    cursor: number;
    watermark: { epoch: string | null; seq: number };
    balances: readonly BalanceSnapshot[];
    blocklist: readonly { cardId: string; blocked: boolean }[];
    ruleSets: readonly SignedRuleSet[];
    limits: OfflineLimits;
    /** The chain's key for phone hashes (a `version=2` pull): a buyer found by phone at this till. */
    phoneLookupKey?: string | undefined;
  }): void {
    this.db.transaction(() => {
      for (const b of page.balances) {
        this.#putBalance.run({
          cardId: b.cardId,
          available: b.available,
          pending: b.pending,
          blocked: b.blocked ? 1 : 0,
          flagged: b.flagged ? 1 : 0,
          watermarkEpoch: page.watermark.epoch,
          watermarkSeq: page.watermark.seq,
        });
      }
      for (const change of page.blocklist) {
        const kept = this.balance(change.cardId);
        this.#putBalance.run({
          cardId: change.cardId,
          available: kept?.available ?? 0,
          pending: kept?.pending ?? 0,
          blocked: change.blocked ? 1 : 0,
          flagged: kept?.flagged ? 1 : 0,
          watermarkEpoch: kept?.watermarkEpoch ?? page.watermark.epoch,
          watermarkSeq: kept?.watermarkSeq ?? page.watermark.seq,
        });
      }
      for (const r of page.ruleSets)
        this.#putRuleSet.run(r.version, r.effectiveFrom, r.ruleSetJson, r.signature);
      this.#set.run('limits', JSON.stringify(page.limits));
      if (page.phoneLookupKey !== undefined) this.#set.run('phone_lookup_key', page.phoneLookupKey);
      this.#set.run('cursor', String(page.cursor));
    })();
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
      }[]
    ).map((r) => ({
      version: r.version,
      effectiveFrom: r.effective_from,
      ruleSetJson: r.rule_set_json,
      signature: r.signature,
    }));
  }
}
