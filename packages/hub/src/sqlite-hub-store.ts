import { assert } from '@tillpoint/core';
import type { OutboxEntry } from '@tillpoint/ledger';
import type { BalanceSnapshot, BlocklistChange, OfflineLimits, SignedRuleSet } from '@tillpoint/protocol';
import Database from 'better-sqlite3';
import { type BatchRows, batchRows, decideBatch, emptyCursor } from './batch-plan';
import { defaultStoreLimits, distinctCardIds, expiryEntry, overdraftEntry, tillShare } from './hub-rules';
import {
  type CardState,
  type ChangesPage,
  type HubStore,
  hubTillId,
  type JournalKey,
  type PushOutcome,
  type StoreLimits,
  type TillRecord,
} from './hub-store';
import { MultiRowInsert } from './multi-row-insert';

const schema = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO meta VALUES ('change_seq', 0), ('hub_entry_seq', 0), ('vested_through', 0);
CREATE TABLE IF NOT EXISTS till (till_id TEXT PRIMARY KEY, store_id TEXT NOT NULL, secret_hash TEXT,
  code_hash TEXT, code_expires_at INTEGER);
CREATE INDEX IF NOT EXISTS till_store ON till(store_id);
CREATE TABLE IF NOT EXISTS till_cursor (till_id TEXT NOT NULL, epoch TEXT NOT NULL, last_seq INTEGER NOT NULL,
  last_hash TEXT NOT NULL, updated_at INTEGER NOT NULL, PRIMARY KEY (till_id, epoch));
CREATE TABLE IF NOT EXISTS journal (card_id TEXT NOT NULL, till_id TEXT NOT NULL, epoch TEXT NOT NULL,
  seq INTEGER NOT NULL, txn_id TEXT NOT NULL, kind TEXT NOT NULL, occurred_at INTEGER NOT NULL,
  hash TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (card_id, till_id, epoch, seq));
CREATE UNIQUE INDEX IF NOT EXISTS journal_stream ON journal(till_id, epoch, seq);
CREATE TABLE IF NOT EXISTS posting (card_id TEXT NOT NULL, txn_id TEXT NOT NULL, leg INTEGER NOT NULL,
  account TEXT NOT NULL, amount INTEGER NOT NULL, lot_id TEXT, PRIMARY KEY (card_id, txn_id, leg));
CREATE TABLE IF NOT EXISTS lot (card_id TEXT NOT NULL, lot_id TEXT NOT NULL, initial INTEGER NOT NULL,
  remaining INTEGER NOT NULL, vests_at INTEGER NOT NULL, expires_at INTEGER, PRIMARY KEY (card_id, lot_id));
CREATE INDEX IF NOT EXISTS lot_expiry ON lot(expires_at) WHERE remaining > 0 AND expires_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS lot_vests ON lot(vests_at);
CREATE TABLE IF NOT EXISTS card (card_id TEXT PRIMARY KEY, points INTEGER NOT NULL DEFAULT 0,
  overdraft INTEGER NOT NULL DEFAULT 0, blocked INTEGER NOT NULL DEFAULT 0, flagged INTEGER NOT NULL DEFAULT 0,
  changed_seq INTEGER NOT NULL DEFAULT 0, block_changed_seq INTEGER NOT NULL DEFAULT 0,
  block_changed_at INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS card_changed ON card(changed_seq);
CREATE INDEX IF NOT EXISTS card_block_changed ON card(block_changed_seq);
CREATE INDEX IF NOT EXISTS card_flagged ON card(overdraft) WHERE flagged = 1;
CREATE TABLE IF NOT EXISTS card_store (card_id TEXT NOT NULL, store_id TEXT NOT NULL, PRIMARY KEY (card_id, store_id));
CREATE INDEX IF NOT EXISTS card_store_store ON card_store(store_id, card_id);
CREATE TABLE IF NOT EXISTS card_cap (card_id TEXT PRIMARY KEY, cap INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS store_limits (store_id TEXT PRIMARY KEY, max_sync_age_ms INTEGER NOT NULL,
  per_card_cap INTEGER NOT NULL, store_total_cap INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS rule_set (seq INTEGER PRIMARY KEY, version TEXT NOT NULL UNIQUE,
  effective_from INTEGER NOT NULL, rule_set_json TEXT NOT NULL, signature TEXT NOT NULL);
`;

/**
 * The default hub store: one SQLite file, WAL with synchronous=FULL, each push applied in one
 * transaction with multi-row inserts. better-sqlite3 is synchronous, so a transaction never
 * interleaves with another request.
 */
export class SqliteHubStore implements HubStore {
  readonly kind = 'sqlite' as const;
  readonly #db: Database.Database;
  readonly #insert: MultiRowInsert;

  constructor(path: string) {
    this.#db = new Database(path);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = FULL');
    this.#db.pragma('busy_timeout = 5000');
    assert(this.#db.pragma('synchronous', { simple: true }) === 2, 'synchronous=FULL took effect');
    this.#db.exec(schema);
    this.#insert = new MultiRowInsert(this.#db);
  }

  async addTill(input: {
    storeId: string;
    tillId: string;
    codeHash: string;
    codeExpiresAt: number;
  }): Promise<void> {
    this.#db
      .prepare(
        `INSERT INTO till (till_id, store_id, secret_hash, code_hash, code_expires_at) VALUES (?, ?, NULL, ?, ?)
         ON CONFLICT (till_id) DO UPDATE SET store_id = excluded.store_id, secret_hash = NULL,
           code_hash = excluded.code_hash, code_expires_at = excluded.code_expires_at`,
      )
      .run(input.tillId, input.storeId, input.codeHash, input.codeExpiresAt);
    this.#bumpStore(input.storeId);
  }

  async enrolTill(input: { tillId: string; codeHash: string; secretHash: string; now: number }) {
    const changed = this.#db
      .prepare(
        `UPDATE till SET secret_hash = ?, code_hash = NULL, code_expires_at = NULL
         WHERE till_id = ? AND code_hash = ? AND code_expires_at > ?`,
      )
      .run(input.secretHash, input.tillId, input.codeHash, input.now);
    return changed.changes === 1 ? this.getTill(input.tillId) : null;
  }

  async getTill(tillId: string): Promise<TillRecord | null> {
    const row = this.#db
      .prepare('SELECT till_id, store_id, secret_hash FROM till WHERE till_id = ?')
      .get(tillId) as { till_id: string; store_id: string; secret_hash: string | null } | undefined;
    return row ? { tillId: row.till_id, storeId: row.store_id, secretHash: row.secret_hash } : null;
  }

  async applyBatch(input: {
    tillId: string;
    storeId: string;
    entries: OutboxEntry[];
    now: number;
  }): Promise<PushOutcome> {
    return this.#db
      .transaction((): PushOutcome => {
        const first = input.entries[0];
        assert(first !== undefined, 'a batch has entries');
        const row = this.#db
          .prepare('SELECT last_seq, last_hash FROM till_cursor WHERE till_id = ? AND epoch = ?')
          .get(input.tillId, first.epoch) as { last_seq: number; last_hash: string } | undefined;
        const cursor = row
          ? { lastSeq: row.last_seq, lastHash: row.last_hash }
          : emptyCursor(input.tillId, first.epoch);
        const heldHash = this.#db.prepare(
          'SELECT hash FROM journal WHERE till_id = ? AND epoch = ? AND seq = ?',
        );
        const decision = decideBatch(cursor, input.entries, (seq) => {
          const held = heldHash.get(input.tillId, first.epoch, seq) as { hash: string } | undefined;
          return held?.hash;
        });
        if (decision.kind !== 'apply') return decision;
        const seq = this.#nextChangeSeq();
        const rows = batchRows(decision.entries, input.now);
        this.#writeRows(rows, input.storeId, seq, input.now);
        const overdraftBooked = this.#bookShortfalls([...rows.cardDeltas.keys()], input.now);
        this.#db
          .prepare(
            `INSERT INTO till_cursor (till_id, epoch, last_seq, last_hash, updated_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (till_id, epoch) DO UPDATE SET last_seq = excluded.last_seq, last_hash = excluded.last_hash,
             updated_at = excluded.updated_at`,
          )
          .run(input.tillId, first.epoch, decision.ackedThrough, decision.lastHash, input.now);
        return {
          kind: 'applied',
          ackedThrough: decision.ackedThrough,
          applied: decision.entries.length,
          duplicates: decision.duplicates,
          overdraftBooked,
        };
      })
      .immediate();
  }

  #nextChangeSeq(): number {
    const row = this.#db
      .prepare("UPDATE meta SET value = value + 1 WHERE key = 'change_seq' RETURNING value")
      .get() as { value: number };
    return row.value;
  }

  #bumpStore(storeId: string): void {
    // Limits and till counts are sent whole on every pull; nothing to mark.
    assert(storeId.length > 0, 'a store id');
  }

  #writeRows(rows: BatchRows, storeId: string, seq: number, now: number): void {
    this.#insert.journal(rows.journal);
    this.#insert.postings(rows.postings);
    this.#insert.run(
      'lot',
      ['card_id', 'lot_id', 'initial', 'remaining', 'vests_at', 'expires_at'],
      rows.newLots.map((l) => [l.cardId, l.lotId, l.initial, 0, l.vestsAt, l.expiresAt]),
      'ON CONFLICT DO NOTHING',
    );
    const lotUpdate = this.#db.prepare(
      'UPDATE lot SET remaining = remaining + ? WHERE card_id = ? AND lot_id = ?',
    );
    const lotInsert = this.#db.prepare(
      'INSERT INTO lot (card_id, lot_id, initial, remaining, vests_at, expires_at) VALUES (?, ?, 0, ?, 0, NULL)',
    );
    for (const [lotId, { cardId, delta }] of rows.lotDeltas) {
      // A lot the hub has never seen (spent from a snapshot) is kept as an always-vested lot.
      if (lotUpdate.run(delta, cardId, lotId).changes === 0) lotInsert.run(cardId, lotId, delta);
    }
    this.#insert.run(
      'card',
      ['card_id', 'points', 'changed_seq'],
      [...rows.cardDeltas].map(([cardId, delta]) => [cardId, delta, seq]),
      'ON CONFLICT (card_id) DO UPDATE SET points = points + excluded.points, changed_seq = excluded.changed_seq',
    );
    this.#insert.run(
      'card_store',
      ['card_id', 'store_id'],
      [...rows.cardDeltas.keys()].map((cardId) => [cardId, storeId]),
      'ON CONFLICT DO NOTHING',
    );
    const block = this.#db.prepare(
      'UPDATE card SET blocked = ?, block_changed_seq = ?, block_changed_at = ? WHERE card_id = ?',
    );
    for (const [cardId, blocked] of rows.blocks) block.run(blocked ? 1 : 0, seq, now, cardId);
  }

  /** Writes an entry of head office's own journal (overdraft, expiry) under its next hub seq. */
  #postHubEntry(entryAt: (hubSeq: number) => OutboxEntry, changeSeq: number, now: number): void {
    const { value: hubSeq } = this.#db
      .prepare("UPDATE meta SET value = value + 1 WHERE key = 'hub_entry_seq' RETURNING value")
      .get() as { value: number };
    this.#writeRows(batchRows([entryAt(hubSeq)], now), hubTillId, changeSeq, now);
  }

  /** A card below zero was overspent offline: book the shortfall to the offline overdraft. */
  #bookShortfalls(cardIds: string[], now: number): number {
    const get = this.#db.prepare('SELECT points FROM card WHERE card_id = ?');
    let booked = 0;
    for (const cardId of cardIds) {
      const { points } = get.get(cardId) as { points: number };
      if (points >= 0) continue;
      this.#postHubEntry(
        (hubSeq) => overdraftEntry({ cardId, shortfall: -points, hubSeq, now }),
        this.#currentChangeSeq(),
        now,
      );
      this.#db
        .prepare('UPDATE card SET overdraft = overdraft + ?, flagged = 1 WHERE card_id = ?')
        .run(-points, cardId);
      booked += -points;
    }
    return booked;
  }

  #currentChangeSeq(): number {
    return (this.#db.prepare("SELECT value FROM meta WHERE key = 'change_seq'").get() as { value: number })
      .value;
  }

  async changesSince(input: { tillId: string; storeId: string; cursor: number; limit: number; now: number }) {
    return this.#db.transaction((): ChangesPage => {
      const head = this.#currentChangeSeq();
      const cards = this.#db
        .prepare(
          `SELECT ${cardColumns}
           FROM card_store s JOIN card c ON c.card_id = s.card_id
           WHERE s.store_id = @store AND c.changed_seq > @cursor ORDER BY c.changed_seq, c.card_id LIMIT @limit`,
        )
        .all({ now: input.now, store: input.storeId, cursor: input.cursor, limit: input.limit }) as CardRow[];
      const more = cards.length === input.limit;
      const upTo = more ? (cards[cards.length - 1] as CardRow).changed_seq : head;
      if (more) {
        // Finish the last change seq, so the next page starts cleanly after it.
        const seen = new Set(cards.map((c) => c.card_id));
        const rest = this.#db
          .prepare(
            `SELECT ${cardColumns}
             FROM card_store s JOIN card c ON c.card_id = s.card_id
             WHERE s.store_id = @store AND c.changed_seq = @seq`,
          )
          .all({ now: input.now, store: input.storeId, seq: upTo }) as CardRow[];
        for (const r of rest) if (!seen.has(r.card_id)) cards.push(r);
      }
      const blocklist = this.#db
        .prepare(
          `SELECT card_id, blocked, block_changed_at FROM card
           WHERE block_changed_seq > ? AND block_changed_seq <= ? ORDER BY block_changed_seq LIMIT 5000`,
        )
        .all(input.cursor, upTo) as { card_id: string; blocked: number; block_changed_at: number }[];
      const ruleSets = this.#db
        .prepare(
          `SELECT version, effective_from, rule_set_json, signature FROM rule_set
           WHERE seq > ? AND seq <= ? ORDER BY seq DESC LIMIT 16`,
        )
        .all(input.cursor, upTo) as {
        version: string;
        effective_from: number;
        rule_set_json: string;
        signature: string;
      }[];
      const watermark = this.#db
        .prepare(
          'SELECT epoch, last_seq FROM till_cursor WHERE till_id = ? ORDER BY updated_at DESC, epoch DESC LIMIT 1',
        )
        .get(input.tillId) as { epoch: string; last_seq: number } | undefined;
      return {
        cursor: upTo,
        more,
        watermark: { epoch: watermark?.epoch ?? null, seq: watermark?.last_seq ?? 0 },
        balances: cards.map(toSnapshot),
        blocklist: blocklist.map(
          (b): BlocklistChange => ({
            cardId: b.card_id,
            blocked: b.blocked === 1,
            changedAt: b.block_changed_at,
          }),
        ),
        ruleSets: ruleSets.reverse().map(
          (r): SignedRuleSet => ({
            version: r.version,
            effectiveFrom: r.effective_from,
            ruleSetJson: r.rule_set_json,
            signature: r.signature,
          }),
        ),
        limits: this.#limitsFor(input.storeId, [...new Set(cards.map((c) => c.card_id))]),
      };
    })();
  }

  #limitsFor(storeId: string, _cardIds: string[]): OfflineLimits {
    const row = this.#db
      .prepare('SELECT max_sync_age_ms, per_card_cap, store_total_cap FROM store_limits WHERE store_id = ?')
      .get(storeId) as { max_sync_age_ms: number; per_card_cap: number; store_total_cap: number } | undefined;
    const limits: StoreLimits = row
      ? {
          maxSyncAgeMs: row.max_sync_age_ms,
          perCardCap: row.per_card_cap,
          storeTotalCap: row.store_total_cap,
        }
      : defaultStoreLimits;
    const tills = (
      this.#db.prepare('SELECT COUNT(*) AS n FROM till WHERE store_id = ?').get(storeId) as { n: number }
    ).n;
    const cards = this.#db
      .prepare(
        `SELECT cc.card_id, cc.cap FROM card_cap cc JOIN card_store s ON s.card_id = cc.card_id
         WHERE s.store_id = ? ORDER BY cc.card_id LIMIT 10000`,
      )
      .all(storeId) as { card_id: string; cap: number }[];
    return {
      maxSyncAgeMs: limits.maxSyncAgeMs,
      perCardCap: limits.perCardCap,
      tillTotalCap: tillShare(limits.storeTotalCap, tills),
      cards: cards.map((c) => ({ cardId: c.card_id, cap: c.cap })),
    };
  }

  async noteCardsSeen(input: { storeId: string; cardIds: readonly string[]; now: number }): Promise<number> {
    const cardIds = distinctCardIds(input.cardIds);
    return this.#db
      .transaction((): number => {
        const insert = this.#db.prepare(
          'INSERT INTO card_store (card_id, store_id) VALUES (?, ?) ON CONFLICT DO NOTHING',
        );
        const added = cardIds.filter((cardId) => insert.run(cardId, input.storeId).changes === 1);
        const exists = this.#db.prepare('SELECT 1 FROM card WHERE card_id = ?').pluck();
        const known = added.filter((cardId) => exists.get(cardId) !== undefined);
        if (known.length > 0) {
          // A new change number past every till's cursor: the store's next pulls bring these cards.
          const seq = this.#nextChangeSeq();
          const touch = this.#db.prepare('UPDATE card SET changed_seq = ? WHERE card_id = ?');
          for (const cardId of known) touch.run(seq, cardId);
        }
        return added.length;
      })
      .immediate();
  }

  async setCardBlocked(cardId: string, blocked: boolean, now: number): Promise<void> {
    this.#db.transaction(() => {
      const seq = this.#nextChangeSeq();
      this.#db
        .prepare(
          `INSERT INTO card (card_id, blocked, changed_seq, block_changed_seq, block_changed_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (card_id) DO UPDATE SET blocked = excluded.blocked, changed_seq = excluded.changed_seq,
             block_changed_seq = excluded.block_changed_seq, block_changed_at = excluded.block_changed_at`,
        )
        .run(cardId, blocked ? 1 : 0, seq, seq, now);
    })();
  }

  async publishRuleSet(ruleSet: SignedRuleSet): Promise<void> {
    this.#db.transaction(() => {
      const seq = this.#nextChangeSeq();
      this.#db
        .prepare(
          'INSERT INTO rule_set (seq, version, effective_from, rule_set_json, signature) VALUES (?, ?, ?, ?, ?)',
        )
        .run(seq, ruleSet.version, ruleSet.effectiveFrom, ruleSet.ruleSetJson, ruleSet.signature);
    })();
  }

  async setStoreLimits(storeId: string, limits: StoreLimits): Promise<void> {
    this.#db
      .prepare(
        `INSERT INTO store_limits VALUES (?, ?, ?, ?) ON CONFLICT (store_id) DO UPDATE SET
           max_sync_age_ms = excluded.max_sync_age_ms, per_card_cap = excluded.per_card_cap,
           store_total_cap = excluded.store_total_cap`,
      )
      .run(storeId, limits.maxSyncAgeMs, limits.perCardCap, limits.storeTotalCap);
  }

  async setCardCap(cardId: string, cap: number | null): Promise<void> {
    if (cap === null) this.#db.prepare('DELETE FROM card_cap WHERE card_id = ?').run(cardId);
    else
      this.#db
        .prepare('INSERT INTO card_cap VALUES (?, ?) ON CONFLICT (card_id) DO UPDATE SET cap = excluded.cap')
        .run(cardId, cap);
  }

  async runExpiry(now: number, lotsMax: number): Promise<number> {
    return this.#db.transaction(() => {
      const lots = this.#db
        .prepare(
          `SELECT card_id, lot_id, remaining FROM lot WHERE remaining > 0 AND expires_at IS NOT NULL
           AND expires_at <= ? ORDER BY expires_at LIMIT ?`,
        )
        .all(now, lotsMax) as { card_id: string; lot_id: string; remaining: number }[];
      if (lots.length === 0) return 0;
      const seq = this.#nextChangeSeq();
      let expired = 0;
      for (const lot of lots) {
        this.#postHubEntry(
          (hubSeq) => expiryEntry(lot.card_id, lot.lot_id, lot.remaining, hubSeq, now),
          seq,
          now,
        );
        expired += lot.remaining;
      }
      return expired;
    })();
  }

  async announceVesting(now: number, lotsMax: number): Promise<number> {
    return this.#db.transaction(() => {
      const since = (
        this.#db.prepare("SELECT value FROM meta WHERE key = 'vested_through'").get() as { value: number }
      ).value;
      const lots = this.#db
        .prepare(
          'SELECT card_id, vests_at FROM lot WHERE vests_at > ? AND vests_at <= ? ORDER BY vests_at LIMIT ?',
        )
        .all(since, now, lotsMax) as { card_id: string; vests_at: number }[];
      const through =
        lots.length === lotsMax ? (lots[lots.length - 1] as { vests_at: number }).vests_at : now;
      this.#db.prepare("UPDATE meta SET value = ? WHERE key = 'vested_through'").run(through);
      const cards = [...new Set(lots.map((l) => l.card_id))];
      if (cards.length === 0) return 0;
      const seq = this.#nextChangeSeq();
      const touch = this.#db.prepare('UPDATE card SET changed_seq = ? WHERE card_id = ?');
      for (const card of cards) touch.run(seq, card);
      return cards.length;
    })();
  }

  async flaggedCards(limit: number, now: number): Promise<CardState[]> {
    const rows = this.#db
      .prepare(
        `SELECT ${cardColumns} FROM card c WHERE c.flagged = 1 ORDER BY c.overdraft DESC, c.card_id LIMIT @limit`,
      )
      .all({ now, limit }) as CardRow[];
    return rows.map(toCardState);
  }

  async clearCardFlag(cardId: string): Promise<boolean> {
    return (
      this.#db.prepare('UPDATE card SET flagged = 0 WHERE card_id = ? AND flagged = 1').run(cardId)
        .changes === 1
    );
  }

  async getCard(cardId: string, now: number): Promise<CardState | null> {
    const row = this.#db
      .prepare(`SELECT ${cardColumns} FROM card c WHERE c.card_id = @card`)
      .get({ now, card: cardId }) as CardRow | undefined;
    return row ? toCardState(row) : null;
  }

  async journalKeys(limit: number): Promise<JournalKey[]> {
    return (
      this.#db
        .prepare('SELECT till_id, epoch, seq, hash FROM journal ORDER BY till_id, epoch, seq LIMIT ?')
        .all(limit) as { till_id: string; epoch: string; seq: number; hash: string }[]
    ).map((r) => ({ tillId: r.till_id, epoch: r.epoch, seq: r.seq, hash: r.hash }));
  }

  async unbalancedCards(limit: number): Promise<string[]> {
    return (
      this.#db
        .prepare(
          `SELECT c.card_id FROM card c LEFT JOIN (
             SELECT card_id, SUM(amount) AS total FROM posting
             WHERE account IN ('member_available', 'member_pending') GROUP BY card_id) p ON p.card_id = c.card_id
           WHERE c.points <> COALESCE(p.total, 0)
              OR c.points <> (SELECT COALESCE(SUM(remaining), 0) FROM lot l WHERE l.card_id = c.card_id)
           LIMIT ?`,
        )
        .all(limit) as { card_id: string }[]
    ).map((r) => r.card_id);
  }

  async close(): Promise<void> {
    this.#db.close();
  }
}

/** A card's projection with its pending and expired (not yet posted) points at `@now`. */
const cardColumns = `c.card_id, c.points, c.blocked, c.flagged, c.changed_seq, c.overdraft,
  COALESCE((SELECT SUM(remaining) FROM lot l WHERE l.card_id = c.card_id AND l.vests_at > @now
    AND (l.expires_at IS NULL OR l.expires_at > @now)), 0) AS pending,
  COALESCE((SELECT SUM(remaining) FROM lot l WHERE l.card_id = c.card_id AND l.expires_at <= @now), 0) AS expired`;

interface CardRow {
  card_id: string;
  points: number;
  blocked: number;
  flagged: number;
  changed_seq: number;
  overdraft: number;
  pending: number;
  expired: number;
}

function toCardState(row: CardRow): CardState {
  return { ...toSnapshot(row), points: row.points, overdraft: row.overdraft };
}

function toSnapshot(row: CardRow): BalanceSnapshot {
  return {
    cardId: row.card_id,
    available: row.points - row.pending - row.expired,
    pending: row.pending,
    blocked: row.blocked === 1,
    flagged: row.flagged === 1,
  };
}
