import { assert } from '@tillpoint/core';
import type { OutboxEntry } from '@tillpoint/ledger';
import type { BalanceSnapshot, OfflineLimits, SignedRuleSet } from '@tillpoint/protocol';
import pg from 'pg';
import {
  type BatchRows,
  balanceRows,
  checkChain,
  emptyCursor,
  journalRows,
  lotUpserts,
  planBatch,
} from './batch-plan';
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
import { KnownPairs } from './known-pairs';
import { integerArrayLiteral, textArrayLiteral } from './pg-array-literal';

export interface PostgresHubStoreOptions {
  connectionString: string;
  /** A schema of its own (created if missing); default `tillpoint_hub`. */
  schema?: string;
  /** Hash partitions of journal and posting (by card id); default 8. Fixed at creation. */
  partitions?: number;
  poolMax?: number;
  /** Told when an idle pooled connection fails (the pool drops it); default: ignored. */
  onIdleError?: (error: Error) => void;
  /**
   * A pull whose cursor is at most this many change numbers behind finds the changed cards in
   * `change_set`; further behind (or before the log began), it scans the store's cards. The
   * expiry job deletes older change sets. Default 2 000.
   */
  changeSetsScanMax?: number;
  /** (card, store) pairs this process remembers as recorded, so pushes skip them; default 200 000. */
  knownPairsMax?: number;
}

/** Expiry entries written by one statement pair (the job's lots are bounded by its `lotsMax`). */
const expiryEntriesPerWrite = 1_000;

/** bigint (int8) and numeric as JS numbers: every figure here is far below 2^53. */
const types = {
  getTypeParser(oid: number, format?: string) {
    if (oid === 20 || oid === 1700) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

/**
 * A statement prepared once per connection (named by its text), so the hot ingest statements
 * are parsed and planned once, not on every batch.
 */
const statementNames = new Map<string, string>();
function prepared(client: pg.PoolClient, text: string, values: unknown[] = []): Promise<pg.QueryResult> {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `tp_${statementNames.size}`;
    statementNames.set(text, name);
  }
  return client.query({ name, text, values });
}

function ddl(partitions: number): string {
  const parts = (table: string) =>
    Array.from(
      { length: partitions },
      (_, i) =>
        `CREATE TABLE IF NOT EXISTS ${table}_p${i} PARTITION OF ${table} FOR VALUES WITH (MODULUS ${partitions}, REMAINDER ${i});`,
    ).join('\n');
  return `
CREATE TABLE IF NOT EXISTS meta (key text COLLATE "C" PRIMARY KEY, value bigint NOT NULL);
INSERT INTO meta VALUES ('change_seq', 0), ('hub_entry_seq', 0), ('vested_through', 0) ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS till (till_id text COLLATE "C" PRIMARY KEY, store_id text COLLATE "C" NOT NULL, secret_hash text,
  code_hash text, code_expires_at bigint);
CREATE INDEX IF NOT EXISTS till_store ON till(store_id);
CREATE TABLE IF NOT EXISTS till_cursor (till_id text COLLATE "C" NOT NULL, epoch text COLLATE "C" NOT NULL, last_seq bigint NOT NULL,
  last_hash text NOT NULL, updated_at bigint NOT NULL, PRIMARY KEY (till_id, epoch));
CREATE TABLE IF NOT EXISTS journal (card_id text COLLATE "C" NOT NULL, till_id text COLLATE "C" NOT NULL, epoch text COLLATE "C" NOT NULL,
  seq bigint NOT NULL, txn_id text COLLATE "C" NOT NULL, kind text NOT NULL, occurred_at bigint NOT NULL,
  hash text NOT NULL, body text NOT NULL, PRIMARY KEY (card_id, till_id, epoch, seq)) PARTITION BY HASH (card_id);
${parts('journal')}
CREATE TABLE IF NOT EXISTS posting (card_id text COLLATE "C" NOT NULL, txn_id text COLLATE "C" NOT NULL, leg int NOT NULL,
  account text NOT NULL, amount bigint NOT NULL, lot_id text COLLATE "C", PRIMARY KEY (card_id, txn_id, leg)) PARTITION BY HASH (card_id);
${parts('posting')}
CREATE TABLE IF NOT EXISTS lot (card_id text COLLATE "C" NOT NULL, lot_id text COLLATE "C" NOT NULL, initial bigint NOT NULL,
  remaining bigint NOT NULL, vests_at bigint NOT NULL, expires_at bigint, expiring bigint,
  PRIMARY KEY (card_id, lot_id)) WITH (fillfactor = 90);
-- expiring = expires_at while points remain, else null: the expiry job's index. A spend that
-- leaves points in the lot changes no indexed value (a HOT update); an index predicate on
-- remaining would make every spend a non-HOT update. Older schemas are brought up to date once
-- (the catalog is checked first: no table lock on an open that has nothing to change).
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema()
      AND table_name = 'lot' AND column_name = 'expiring') THEN
    ALTER TABLE lot ADD COLUMN expiring bigint;
    ALTER TABLE lot SET (fillfactor = 90);
    UPDATE lot SET expiring = expires_at WHERE remaining > 0 AND expires_at IS NOT NULL;
  END IF;
  IF EXISTS (SELECT 1 FROM pg_indexes WHERE schemaname = current_schema() AND indexname = 'lot_expiry') THEN
    DROP INDEX lot_expiry;
  END IF;
END $$;
CREATE INDEX IF NOT EXISTS lot_expiring ON lot(expiring) WHERE expiring IS NOT NULL;
CREATE INDEX IF NOT EXISTS lot_vests ON lot(vests_at);
CREATE TABLE IF NOT EXISTS card (card_id text COLLATE "C" PRIMARY KEY, points bigint NOT NULL DEFAULT 0,
  overdraft bigint NOT NULL DEFAULT 0, blocked boolean NOT NULL DEFAULT false, flagged boolean NOT NULL DEFAULT false,
  changed_seq bigint NOT NULL DEFAULT 0, block_changed_seq bigint NOT NULL DEFAULT 0,
  block_changed_at bigint NOT NULL DEFAULT 0) WITH (fillfactor = 70);
-- A balance update changes no indexed column: it is a HOT update, in place on its page (room
-- left by the fill factor). Pulls find changed cards through change_set, not an index here.
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_indexes WHERE schemaname = current_schema() AND indexname = 'card_changed') THEN
    DROP INDEX card_changed;
    ALTER TABLE card SET (fillfactor = 70);
  END IF;
END $$;
CREATE TABLE IF NOT EXISTS change_set (seq bigint PRIMARY KEY, card_ids text[] NOT NULL);
INSERT INTO meta SELECT 'change_set_from', value + 1 FROM meta WHERE key = 'change_seq' ON CONFLICT DO NOTHING;
-- Only blocked or unblocked cards are indexed: a balance update adds no entry here.
DROP INDEX IF EXISTS card_block_changed;
CREATE INDEX IF NOT EXISTS card_block_changes ON card(block_changed_seq) WHERE block_changed_seq > 0;
-- Cards to review (overspent offline): few, and a balance update changes no column indexed here.
CREATE INDEX IF NOT EXISTS card_flagged ON card(overdraft) WHERE flagged;
CREATE TABLE IF NOT EXISTS card_store (card_id text COLLATE "C" NOT NULL, store_id text COLLATE "C" NOT NULL, PRIMARY KEY (card_id, store_id));
CREATE INDEX IF NOT EXISTS card_store_store ON card_store(store_id, card_id);
CREATE TABLE IF NOT EXISTS card_cap (card_id text COLLATE "C" PRIMARY KEY, cap bigint NOT NULL);
CREATE TABLE IF NOT EXISTS store_limits (store_id text COLLATE "C" PRIMARY KEY, max_sync_age_ms bigint NOT NULL,
  per_card_cap bigint NOT NULL, store_total_cap bigint NOT NULL);
CREATE TABLE IF NOT EXISTS rule_set (seq bigint PRIMARY KEY, version text NOT NULL UNIQUE,
  effective_from bigint NOT NULL, rule_set_json text NOT NULL, signature text NOT NULL);
`;
}

/**
 * The chain of a batch's new entries, verified in slices with a turn of the event loop between
 * them, so the connection sends each queued statement as soon as the server finishes the last.
 */
async function verifyYielding(
  cursor: { lastSeq: number; lastHash: string },
  entries: readonly OutboxEntry[],
): Promise<ReturnType<typeof checkChain>> {
  const slice = 64;
  let lastHash = cursor.lastHash;
  for (let i = 0; i < entries.length; i += slice) {
    const part = entries.slice(i, i + slice);
    const broken = checkChain({ lastSeq: cursor.lastSeq, lastHash }, part);
    if (broken !== null) return broken;
    lastHash = (part[part.length - 1] as OutboxEntry).hash;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return null;
}

/** Where a push moves its till's cursor to. */
interface TillCursorWrite {
  tillId: string;
  epoch: string;
  lastSeq: number;
  lastHash: string;
}

/** The postings of a batch (sent first: the server inserts them while the rest is built). */
const postingSql = `INSERT INTO posting (card_id, txn_id, leg, account, amount, lot_id)
  SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::bigint[], $6::text[])
  ON CONFLICT DO NOTHING`;

/**
 * The rest of a batch's rows as one statement: $1–$9 journal ($2 till and $3 epoch are the
 * batch's own; bodies as one newline-joined text: JSON text has no raw newline), $10–$15 lot
 * upserts, $16–$17 card deltas, $18 the store, $19 the cards whose (card, store) pair may be new;
 * then either a push's cursor ($20 till, $21 epoch, $22 last seq, $23 last hash, $24 now) with a
 * new change number, or a given change number ($20). Data-modifying CTEs all run to completion
 * whether or not the final SELECT reads them.
 */
function balanceStatement(push: boolean): string {
  const seq = push
    ? "seq AS (UPDATE meta SET value = value + 1 WHERE key = 'change_seq' RETURNING value)"
    : 'seq AS (SELECT $20::bigint AS value)';
  const cursor = push
    ? `, cur AS (UPDATE till_cursor SET last_seq = $22, last_hash = $23, updated_at = $24
         WHERE till_id = $20 AND epoch = $21)`
    : '';
  return `WITH ${seq},
  j AS (INSERT INTO journal (card_id, till_id, epoch, seq, txn_id, kind, occurred_at, hash, body)
    SELECT t.c, $2::text, $3::text, t.s, t.x, t.k, t.o, t.h, t.b
    FROM unnest($1::text[], $4::bigint[], $5::text[], $6::text[], $7::bigint[], $8::text[],
      string_to_array($9::text, E'\\n')) AS t(c, s, x, k, o, h, b) ON CONFLICT DO NOTHING RETURNING 1),
  l AS (INSERT INTO lot (card_id, lot_id, initial, remaining, vests_at, expires_at, expiring)
    SELECT t.*, CASE WHEN t.r > 0 THEN t.e END
    FROM unnest($10::text[], $11::text[], $12::bigint[], $13::bigint[], $14::bigint[], $15::bigint[]) AS t(c, l, i, r, v, e)
    ON CONFLICT (card_id, lot_id) DO UPDATE SET remaining = lot.remaining + excluded.remaining,
      expiring = CASE WHEN lot.remaining + excluded.remaining > 0 THEN lot.expires_at END),
  up AS (INSERT INTO card (card_id, points, changed_seq)
    SELECT c, d, (SELECT value FROM seq) FROM unnest($16::text[], $17::bigint[]) AS t(c, d)
    ON CONFLICT (card_id) DO UPDATE SET points = card.points + excluded.points, changed_seq = excluded.changed_seq
    RETURNING card_id, points),
  cs AS (INSERT INTO card_store (card_id, store_id) SELECT c, $18 FROM unnest($19::text[]) AS t(c)
    ON CONFLICT DO NOTHING),
  ch AS (INSERT INTO change_set (seq, card_ids) SELECT (SELECT value FROM seq), ARRAY(SELECT card_id FROM up)
    ON CONFLICT (seq) DO UPDATE SET card_ids = change_set.card_ids || excluded.card_ids)${cursor}
SELECT (SELECT value FROM seq) AS seq, (SELECT count(*) FROM j)::int AS journal_rows,
  ARRAY(SELECT card_id FROM up WHERE points < 0 ORDER BY card_id) AS short_cards`;
}

const balanceSql = { push: balanceStatement(true), hub: balanceStatement(false) };

/** The balance rows of entries and the postings statement's parameters (array literals). */
interface PostingsOf {
  rows: Omit<BatchRows, 'journal'>;
  values: string[];
}

/** `balanceRows` and the postings statement's parameters (throws on entries that do not balance). */
function postingsOf(entries: readonly OutboxEntry[], appliedAt: number): PostingsOf {
  const rows = balanceRows(entries, appliedAt);
  const p = rows.postings;
  return {
    rows,
    values: [
      textArrayLiteral(p.map((r) => r.cardId)),
      textArrayLiteral(p.map((r) => r.txnId)),
      integerArrayLiteral(p.map((r) => r.leg)),
      textArrayLiteral(p.map((r) => r.account)),
      integerArrayLiteral(p.map((r) => r.amount)),
      textArrayLiteral(p.map((r) => r.lotId)),
    ],
  };
}

const cardColumns = `c.card_id, c.points, c.blocked, c.flagged, c.changed_seq, c.overdraft,
  COALESCE((SELECT SUM(remaining) FROM lot l WHERE l.card_id = c.card_id AND l.vests_at > $1
    AND (l.expires_at IS NULL OR l.expires_at > $1)), 0)::bigint AS pending,
  COALESCE((SELECT SUM(remaining) FROM lot l WHERE l.card_id = c.card_id AND l.expires_at <= $1), 0)::bigint AS expired`;

interface CardRow {
  card_id: string;
  points: number;
  blocked: boolean;
  flagged: boolean;
  changed_seq: number;
  overdraft: number;
  pending: number;
  expired: number;
}

function toSnapshot(row: CardRow): BalanceSnapshot {
  return {
    cardId: row.card_id,
    available: row.points - row.pending - row.expired,
    pending: row.pending,
    blocked: row.blocked,
    flagged: row.flagged,
  };
}

function toCardState(row: CardRow): CardState {
  return { ...toSnapshot(row), points: row.points, overdraft: row.overdraft };
}

/**
 * The production hub store: PostgreSQL, journal and postings hash-partitioned by card id,
 * every card-keyed table keyed by card id (ready for Citus with card_id as distribution
 * column), each push applied in one transaction with `unnest(...) ON CONFLICT` statements.
 * Applies are serialised on the till's cursor row and the change counter, so a pull (one
 * REPEATABLE READ snapshot) never sees a change number before the changes it numbers.
 */
export class PostgresHubStore implements HubStore {
  readonly kind = 'postgres' as const;

  readonly #knownPairs: KnownPairs;

  private constructor(
    readonly pool: pg.Pool,
    readonly changeSetsScanMax: number,
    knownPairsMax: number,
  ) {
    this.#knownPairs = new KnownPairs(knownPairsMax);
  }

  static async open(options: PostgresHubStoreOptions): Promise<PostgresHubStore> {
    const schema = options.schema ?? 'tillpoint_hub';
    assert(/^[a-z_][a-z0-9_]{0,62}$/.test(schema), 'a schema name is lower-case letters, digits and _', {
      schema,
    });
    const partitions = options.partitions ?? 8;
    assert(Number.isInteger(partitions) && partitions >= 1 && partitions <= 256, 'partitions in 1..256');
    const setup = new pg.Client({ connectionString: options.connectionString });
    await setup.connect();
    try {
      await setup.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await setup.query(`SET search_path TO ${schema}`);
      await setup.query(ddl(partitions));
    } finally {
      await setup.end();
    }
    const pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.poolMax ?? 8,
      options: `-c search_path=${schema}`,
      types,
    });
    // An idle connection dropped by the server (restart, failover) must not crash the hub:
    // the pool replaces it, and the next query fails or succeeds on its own.
    pool.on('error', (error) => options.onIdleError?.(error));
    const changeSetsScanMax = options.changeSetsScanMax ?? 2_000;
    assert(Number.isSafeInteger(changeSetsScanMax) && changeSetsScanMax >= 0, 'changeSetsScanMax >= 0');
    return new PostgresHubStore(pool, changeSetsScanMax, options.knownPairsMax ?? 200_000);
  }

  async #tx<T>(fn: (c: pg.PoolClient) => Promise<T>, isolation = 'READ COMMITTED'): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query(`BEGIN ISOLATION LEVEL ${isolation}`);
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async addTill(input: {
    storeId: string;
    tillId: string;
    codeHash: string;
    codeExpiresAt: number;
  }): Promise<void> {
    await this.pool.query(
      `INSERT INTO till (till_id, store_id, secret_hash, code_hash, code_expires_at) VALUES ($1, $2, NULL, $3, $4)
       ON CONFLICT (till_id) DO UPDATE SET store_id = excluded.store_id, secret_hash = NULL,
         code_hash = excluded.code_hash, code_expires_at = excluded.code_expires_at`,
      [input.tillId, input.storeId, input.codeHash, input.codeExpiresAt],
    );
  }

  async enrolTill(input: { tillId: string; codeHash: string; secretHash: string; now: number }) {
    const result = await this.pool.query(
      `UPDATE till SET secret_hash = $1, code_hash = NULL, code_expires_at = NULL
       WHERE till_id = $2 AND code_hash = $3 AND code_expires_at > $4
       RETURNING till_id, store_id, secret_hash`,
      [input.secretHash, input.tillId, input.codeHash, input.now],
    );
    const row = result.rows[0] as { till_id: string; store_id: string; secret_hash: string } | undefined;
    return row ? { tillId: row.till_id, storeId: row.store_id, secretHash: row.secret_hash } : null;
  }

  async getTill(tillId: string): Promise<TillRecord | null> {
    const result = await this.pool.query(
      'SELECT till_id, store_id, secret_hash FROM till WHERE till_id = $1',
      [tillId],
    );
    const row = result.rows[0] as
      | { till_id: string; store_id: string; secret_hash: string | null }
      | undefined;
    return row ? { tillId: row.till_id, storeId: row.store_id, secretHash: row.secret_hash } : null;
  }

  async applyBatch(input: {
    tillId: string;
    storeId: string;
    entries: OutboxEntry[];
    now: number;
  }): Promise<PushOutcome> {
    const first = input.entries[0];
    assert(first !== undefined, 'a batch has entries');
    const client = await this.pool.connect();
    try {
      const empty = emptyCursor(input.tillId, first.epoch);
      assert(Number.isSafeInteger(input.now), 'now is an integer of milliseconds', { now: input.now });
      // BEGIN and the till's cursor row (created on its first push, locked by the no-op update)
      // in one round trip: a simple query of two statements, values as escaped literals.
      const opening = client.query(
        `BEGIN; INSERT INTO till_cursor (till_id, epoch, last_seq, last_hash, updated_at)
         VALUES (${client.escapeLiteral(input.tillId)}, ${client.escapeLiteral(first.epoch)}, 0,
           ${client.escapeLiteral(empty.lastHash)}, ${input.now})
         ON CONFLICT (till_id, epoch) DO UPDATE SET last_seq = till_cursor.last_seq RETURNING last_seq, last_hash`,
      ) as unknown as Promise<pg.QueryResult[]>;
      // While the server answers: the postings of the whole batch (a push is usually all new).
      // Entries that do not balance are left to #writeRows (the chain check answers first).
      let early: PostingsOf | undefined;
      try {
        early = postingsOf(input.entries, input.now);
      } catch {
        early = undefined;
      }
      // Cards whose pair with this store may be new (the rest this process saw committed).
      const pairs = this.#knownPairs.unknown(input.storeId, [...new Set(input.entries.map((e) => e.cardId))]);
      const opened = await opening;
      const cursorRow = opened[1]?.rows[0] as { last_seq: number; last_hash: string };
      const cursor = { lastSeq: cursorRow.last_seq, lastHash: cursorRow.last_hash };
      const held = new Map<number, string>();
      if (first.seq < cursor.lastSeq) {
        // The card id is in the key: each held entry is one primary-key probe (no stream index).
        const overlap = input.entries.filter((e) => e.seq < cursor.lastSeq);
        const rows = await prepared(
          client,
          `SELECT j.seq, j.hash FROM unnest($1::text[], $2::bigint[]) AS t(c, s)
           JOIN journal j ON j.card_id = t.c AND j.till_id = $3 AND j.epoch = $4 AND j.seq = t.s`,
          [overlap.map((e) => e.cardId), overlap.map((e) => e.seq), input.tillId, first.epoch],
        );
        for (const r of rows.rows as { seq: number; hash: string }[]) held.set(r.seq, r.hash);
      }
      const decision = planBatch(cursor, input.entries, (seq) => held.get(seq));
      if (decision.kind !== 'apply') {
        await client.query('ROLLBACK');
        return decision;
      }
      // The rows go out as soon as they are built (postings first, the rest while the server
      // inserts them), and the chain of the new entries is verified while the server writes:
      // nothing commits unless every entry chains (a tampered batch answers chain_broken even
      // when a write failed too).
      const writing = this.#writeRows(
        client,
        decision.entries,
        input.storeId,
        input.now,
        {
          tillId: input.tillId,
          epoch: first.epoch,
          lastSeq: decision.ackedThrough,
          lastHash: decision.lastHash,
        },
        decision.duplicates === 0 ? early : undefined,
        pairs,
      );
      writing.catch(() => undefined);
      const broken = await verifyYielding(cursor, decision.entries);
      let written: { seq: number; shortCards: string[] };
      try {
        written = await writing;
      } catch (error) {
        if (broken === null) throw error;
        await client.query('ROLLBACK');
        return broken;
      }
      if (broken !== null) {
        await client.query('ROLLBACK');
        return broken;
      }
      const overdraftBooked =
        written.shortCards.length === 0
          ? 0
          : await this.#bookShortfalls(client, written.shortCards, written.seq, input.now);
      await client.query('COMMIT');
      this.#knownPairs.remember(input.storeId, pairs);
      return {
        kind: 'applied',
        ackedThrough: decision.ackedThrough,
        applied: decision.entries.length,
        duplicates: decision.duplicates,
        overdraftBooked,
      };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async #nextChangeSeq(client: pg.PoolClient): Promise<number> {
    const result = await prepared(
      client,
      "UPDATE meta SET value = value + 1 WHERE key = 'change_seq' RETURNING value",
    );
    return (result.rows[0] as { value: number }).value;
  }

  /**
   * Writes accepted entries in two statements: the postings, sent at once, then journal, lots,
   * the card projection and the store's card list in one, with either the till's cursor and a new
   * change number (`at` a cursor) or the given change number (the hub's own entries). Answers the
   * change number and the cards now below zero (the caller books their shortfall).
   */
  async #writeRows(
    client: pg.PoolClient,
    entries: readonly OutboxEntry[],
    storeId: string,
    now: number,
    at: TillCursorWrite | number,
    built?: PostingsOf,
    pairs?: readonly string[],
  ): Promise<{ seq: number; shortCards: string[] }> {
    const { rows, values: postingValues } = built ?? postingsOf(entries, now);
    const postings = prepared(client, postingSql, postingValues);
    const j = journalRows(entries);
    const stream = j[0] as { tillId: string; epoch: string };
    assert(
      j.every((r) => r.tillId === stream.tillId && r.epoch === stream.epoch),
      'a batch is one till stream',
    );
    const bodies = j.map((r) => r.body).join('\n');
    assert(!j.some((r) => r.body.includes('\n')), 'JSON text has no raw newline');
    // New lots and changes to known ones as one upsert; sorted, so writers lock lots in one order.
    const lots = lotUpserts(rows);
    const cards = [...rows.cardDeltas].sort(([a], [b]) => (a < b ? -1 : 1));
    // Array parameters as literals, built now (while the postings go in), not when sent.
    const values: unknown[] = [
      textArrayLiteral(j.map((r) => r.cardId)),
      stream.tillId,
      stream.epoch,
      integerArrayLiteral(j.map((r) => r.seq)),
      textArrayLiteral(j.map((r) => r.txnId)),
      textArrayLiteral(j.map((r) => r.kind)),
      integerArrayLiteral(j.map((r) => r.occurredAt)),
      textArrayLiteral(j.map((r) => r.hash)),
      bodies,
      textArrayLiteral(lots.map((l) => l.cardId)),
      textArrayLiteral(lots.map((l) => l.lotId)),
      integerArrayLiteral(lots.map((l) => l.initial)),
      integerArrayLiteral(lots.map((l) => l.remaining)),
      integerArrayLiteral(lots.map((l) => l.vestsAt)),
      integerArrayLiteral(lots.map((l) => l.expiresAt)),
      textArrayLiteral(cards.map(([c]) => c)),
      integerArrayLiteral(cards.map(([, d]) => d)),
      storeId,
      textArrayLiteral(pairs ?? cards.map(([c]) => c)),
    ];
    if (typeof at === 'number') values.push(at);
    else values.push(at.tillId, at.epoch, at.lastSeq, at.lastHash, now);
    // Sent when the postings are in (a client runs one query at a time), in the same turn.
    const result = await postings.then(() =>
      prepared(client, typeof at === 'number' ? balanceSql.hub : balanceSql.push, values),
    );
    const row = result.rows[0] as { seq: number; journal_rows: number; short_cards: string[] };
    assert(row.journal_rows === j.length, 'every entry past the cursor is new to the journal', {
      inserted: row.journal_rows,
      expected: j.length,
    });
    if (rows.blocks.size > 0) {
      const blocks = [...rows.blocks];
      await prepared(
        client,
        `UPDATE card SET blocked = t.b, block_changed_seq = $3, block_changed_at = $4
         FROM unnest($1::text[], $2::boolean[]) AS t(c, b) WHERE card.card_id = t.c`,
        [blocks.map(([c]) => c), blocks.map(([, b]) => b), row.seq, now],
      );
    }
    return { seq: row.seq, shortCards: row.short_cards };
  }

  async #bookShortfalls(client: pg.PoolClient, cardIds: string[], seq: number, now: number): Promise<number> {
    const short = await prepared(
      client,
      'SELECT card_id, points FROM card WHERE card_id = ANY($1::text[]) AND points < 0 ORDER BY card_id',
      [cardIds],
    );
    let booked = 0;
    for (const row of short.rows as { card_id: string; points: number }[]) {
      const hubSeq = await this.#nextHubEntrySeq(client);
      const entry = overdraftEntry({ cardId: row.card_id, shortfall: -row.points, hubSeq, now });
      await this.#writeRows(client, [entry], hubTillId, now, seq);
      await prepared(
        client,
        'UPDATE card SET overdraft = overdraft + $2, flagged = true WHERE card_id = $1',
        [row.card_id, -row.points],
      );
      booked += -row.points;
    }
    return booked;
  }

  /** Takes `count` numbers of the hub's own entry stream; answers the last one. */
  async #nextHubEntrySeq(client: pg.PoolClient, count = 1): Promise<number> {
    assert(Number.isSafeInteger(count) && count > 0, 'a positive count of hub entry numbers', { count });
    const result = await prepared(
      client,
      "UPDATE meta SET value = value + $1 WHERE key = 'hub_entry_seq' RETURNING value",
      [count],
    );
    return (result.rows[0] as { value: number }).value;
  }

  async changesSince(input: { tillId: string; storeId: string; cursor: number; limit: number; now: number }) {
    return this.#tx(async (client): Promise<ChangesPage> => {
      const meta = new Map(
        (
          (await client.query("SELECT key, value FROM meta WHERE key IN ('change_seq', 'change_set_from')"))
            .rows as { key: string; value: number }[]
        ).map((r) => [r.key, r.value]),
      );
      const head = meta.get('change_seq') as number;
      // A recent cursor: the cards named by the change sets after it (no index on changed_seq,
      // so balance updates stay HOT). Far behind: every card of the store, filtered.
      const fromSets =
        input.cursor + 1 >= (meta.get('change_set_from') as number) &&
        head - input.cursor <= this.changeSetsScanMax;
      const named = (op: '>' | '=') =>
        fromSets ? ` AND c.card_id IN (SELECT unnest(card_ids) FROM change_set WHERE seq ${op} $3)` : '';
      const cards = (
        await client.query(
          `SELECT ${cardColumns} FROM card_store s JOIN card c ON c.card_id = s.card_id
           WHERE s.store_id = $2 AND c.changed_seq > $3${named('>')} ORDER BY c.changed_seq, c.card_id LIMIT $4`,
          [input.now, input.storeId, input.cursor, input.limit],
        )
      ).rows as CardRow[];
      const more = cards.length === input.limit;
      const upTo = more ? (cards[cards.length - 1] as CardRow).changed_seq : head;
      if (more) {
        const seen = new Set(cards.map((c) => c.card_id));
        const rest = (
          await client.query(
            `SELECT ${cardColumns} FROM card_store s JOIN card c ON c.card_id = s.card_id
             WHERE s.store_id = $2 AND c.changed_seq = $3${named('=')}`,
            [input.now, input.storeId, upTo],
          )
        ).rows as CardRow[];
        for (const r of rest) if (!seen.has(r.card_id)) cards.push(r);
      }
      const blocklist = (
        await client.query(
          `SELECT card_id, blocked, block_changed_at FROM card WHERE block_changed_seq > 0 AND block_changed_seq > $1 AND block_changed_seq <= $2
           ORDER BY block_changed_seq LIMIT 5000`,
          [input.cursor, upTo],
        )
      ).rows as { card_id: string; blocked: boolean; block_changed_at: number }[];
      const ruleSets = (
        await client.query(
          `SELECT version, effective_from, rule_set_json, signature FROM rule_set WHERE seq > $1 AND seq <= $2
           ORDER BY seq DESC LIMIT 16`,
          [input.cursor, upTo],
        )
      ).rows as { version: string; effective_from: number; rule_set_json: string; signature: string }[];
      const watermark = (
        await client.query(
          'SELECT epoch, last_seq FROM till_cursor WHERE till_id = $1 ORDER BY updated_at DESC, epoch DESC LIMIT 1',
          [input.tillId],
        )
      ).rows[0] as { epoch: string; last_seq: number } | undefined;
      return {
        cursor: upTo,
        more,
        watermark: { epoch: watermark?.epoch ?? null, seq: watermark?.last_seq ?? 0 },
        balances: cards.map(toSnapshot),
        blocklist: blocklist.map((b) => ({
          cardId: b.card_id,
          blocked: b.blocked,
          changedAt: b.block_changed_at,
        })),
        ruleSets: ruleSets.reverse().map((r) => ({
          version: r.version,
          effectiveFrom: r.effective_from,
          ruleSetJson: r.rule_set_json,
          signature: r.signature,
        })),
        limits: await this.#limitsFor(client, input.storeId),
      };
    }, 'REPEATABLE READ READ ONLY');
  }

  async #limitsFor(client: pg.PoolClient, storeId: string): Promise<OfflineLimits> {
    const row = (
      await client.query(
        'SELECT max_sync_age_ms, per_card_cap, store_total_cap FROM store_limits WHERE store_id = $1',
        [storeId],
      )
    ).rows[0] as { max_sync_age_ms: number; per_card_cap: number; store_total_cap: number } | undefined;
    const limits: StoreLimits = row
      ? {
          maxSyncAgeMs: row.max_sync_age_ms,
          perCardCap: row.per_card_cap,
          storeTotalCap: row.store_total_cap,
        }
      : defaultStoreLimits;
    const tills = (
      (await client.query('SELECT COUNT(*)::bigint AS n FROM till WHERE store_id = $1', [storeId]))
        .rows[0] as {
        n: number;
      }
    ).n;
    const cards = (
      await client.query(
        `SELECT cc.card_id, cc.cap FROM card_cap cc JOIN card_store s ON s.card_id = cc.card_id
         WHERE s.store_id = $1 ORDER BY cc.card_id LIMIT 10000`,
        [storeId],
      )
    ).rows as { card_id: string; cap: number }[];
    return {
      maxSyncAgeMs: limits.maxSyncAgeMs,
      perCardCap: limits.perCardCap,
      tillTotalCap: tillShare(limits.storeTotalCap, tills),
      cards: cards.map((c) => ({ cardId: c.card_id, cap: c.cap })),
    };
  }

  async noteCardsSeen(input: { storeId: string; cardIds: readonly string[]; now: number }): Promise<number> {
    const cardIds = distinctCardIds(input.cardIds);
    return this.#tx(async (client) => {
      // Nothing new (the common repeat): answered without taking the change counter.
      const missing = (
        await client.query(
          `SELECT t.c FROM unnest($1::text[]) AS t(c)
           WHERE NOT EXISTS (SELECT 1 FROM card_store s WHERE s.card_id = t.c AND s.store_id = $2)`,
          [cardIds, input.storeId],
        )
      ).rows as { c: string }[];
      if (missing.length === 0) return 0;
      // The change counter first, as every writer takes it (push, jobs, blocks): a push holds
      // it while it adds its own (card, store) pairs, so taking it later could deadlock.
      await this.#lockChangeCounter(client);
      const added = (
        await client.query(
          `INSERT INTO card_store (card_id, store_id) SELECT t.c, $2 FROM unnest($1::text[]) AS t(c)
           ORDER BY t.c ON CONFLICT DO NOTHING RETURNING card_id`,
          [missing.map((m) => m.c), input.storeId],
        )
      ).rows as { card_id: string }[];
      if (added.length === 0) return 0;
      // A new change number past every till's cursor, only when head office holds one of the cards.
      await client.query(
        `WITH seq AS (UPDATE meta SET value = value + 1 WHERE key = 'change_seq'
           AND EXISTS (SELECT 1 FROM card WHERE card_id = ANY($1::text[])) RETURNING value),
         touched AS (UPDATE card SET changed_seq = seq.value FROM seq WHERE card.card_id = ANY($1::text[])
           RETURNING card.card_id)
         INSERT INTO change_set (seq, card_ids) SELECT value, ARRAY(SELECT card_id FROM touched) FROM seq`,
        [added.map((a) => a.card_id)],
      );
      return added.length;
    });
  }

  /** Names the cards a change number changed (the pulls' way to them; see `changesSince`). */
  async #logChangeSet(client: pg.PoolClient, seq: number, cardIds: readonly string[]): Promise<void> {
    await prepared(
      client,
      `INSERT INTO change_set (seq, card_ids) VALUES ($1, $2::text[])
       ON CONFLICT (seq) DO UPDATE SET card_ids = change_set.card_ids || excluded.card_ids`,
      [seq, textArrayLiteral(cardIds)],
    );
  }

  /** Locks the change counter's row without moving it (the first lock of every writer). */
  async #lockChangeCounter(client: pg.PoolClient): Promise<void> {
    await prepared(client, "SELECT value FROM meta WHERE key = 'change_seq' FOR UPDATE");
  }

  async setCardBlocked(cardId: string, blocked: boolean, now: number): Promise<void> {
    await this.#tx(async (client) => {
      const seq = await this.#nextChangeSeq(client);
      await client.query(
        `INSERT INTO card (card_id, blocked, changed_seq, block_changed_seq, block_changed_at) VALUES ($1, $2, $3, $3, $4)
         ON CONFLICT (card_id) DO UPDATE SET blocked = excluded.blocked, changed_seq = excluded.changed_seq,
           block_changed_seq = excluded.block_changed_seq, block_changed_at = excluded.block_changed_at`,
        [cardId, blocked, seq, now],
      );
      await this.#logChangeSet(client, seq, [cardId]);
    });
  }

  async publishRuleSet(ruleSet: SignedRuleSet): Promise<void> {
    await this.#tx(async (client) => {
      const seq = await this.#nextChangeSeq(client);
      await client.query(
        'INSERT INTO rule_set (seq, version, effective_from, rule_set_json, signature) VALUES ($1, $2, $3, $4, $5)',
        [seq, ruleSet.version, ruleSet.effectiveFrom, ruleSet.ruleSetJson, ruleSet.signature],
      );
    });
  }

  async setStoreLimits(storeId: string, limits: StoreLimits): Promise<void> {
    await this.pool.query(
      `INSERT INTO store_limits VALUES ($1, $2, $3, $4) ON CONFLICT (store_id) DO UPDATE SET
         max_sync_age_ms = excluded.max_sync_age_ms, per_card_cap = excluded.per_card_cap,
         store_total_cap = excluded.store_total_cap`,
      [storeId, limits.maxSyncAgeMs, limits.perCardCap, limits.storeTotalCap],
    );
  }

  async setCardCap(cardId: string, cap: number | null): Promise<void> {
    if (cap === null) await this.pool.query('DELETE FROM card_cap WHERE card_id = $1', [cardId]);
    else
      await this.pool.query(
        'INSERT INTO card_cap VALUES ($1, $2) ON CONFLICT (card_id) DO UPDATE SET cap = excluded.cap',
        [cardId, cap],
      );
  }

  /**
   * Breakage of lots past their expiry, as hub journal entries written in slices of
   * `expiryEntriesPerWrite`. Locks in the order every writer takes them: the change counter
   * first, then lots and cards (a push holds the counter before it touches a lot, so the lots
   * locked here are never held by a push in flight, and no push waits on them holding the counter).
   */
  async runExpiry(now: number, lotsMax: number): Promise<number> {
    assert(Number.isSafeInteger(lotsMax) && lotsMax > 0, 'lotsMax is a positive integer', { lotsMax });
    return this.#tx(async (client) => {
      await this.#lockChangeCounter(client);
      // Change sets a pull no longer reads (a cursor that far behind scans the store's cards).
      await prepared(
        client,
        `DELETE FROM change_set WHERE seq <= (SELECT value FROM meta WHERE key = 'change_seq') - $1`,
        [this.changeSetsScanMax],
      );
      const lots = (
        await client.query(
          `SELECT card_id, lot_id, remaining FROM lot WHERE expiring IS NOT NULL AND expiring <= $1 AND remaining > 0
           ORDER BY expiring, card_id, lot_id LIMIT $2 FOR UPDATE`,
          [now, lotsMax],
        )
      ).rows as { card_id: string; lot_id: string; remaining: number }[];
      if (lots.length === 0) return 0;
      const seq = await this.#nextChangeSeq(client);
      const lastHubSeq = await this.#nextHubEntrySeq(client, lots.length);
      let expired = 0;
      for (let start = 0; start < lots.length; start += expiryEntriesPerWrite) {
        const slice = lots.slice(start, start + expiryEntriesPerWrite);
        const entries = slice.map((lot, i) => {
          const hubSeq = lastHubSeq - lots.length + 1 + start + i;
          return expiryEntry(lot.card_id, lot.lot_id, lot.remaining, hubSeq, now);
        });
        await this.#writeRows(client, entries, hubTillId, now, seq);
        for (const lot of slice) expired += lot.remaining;
      }
      return expired;
    });
  }

  async announceVesting(now: number, lotsMax: number): Promise<number> {
    return this.#tx(async (client) => {
      const since = (
        (await client.query("SELECT value FROM meta WHERE key = 'vested_through' FOR UPDATE")).rows[0] as {
          value: number;
        }
      ).value;
      const lots = (
        await client.query(
          'SELECT card_id, vests_at FROM lot WHERE vests_at > $1 AND vests_at <= $2 ORDER BY vests_at LIMIT $3',
          [since, now, lotsMax],
        )
      ).rows as { card_id: string; vests_at: number }[];
      const through =
        lots.length === lotsMax ? (lots[lots.length - 1] as { vests_at: number }).vests_at : now;
      await client.query("UPDATE meta SET value = $1 WHERE key = 'vested_through'", [through]);
      const cards = [...new Set(lots.map((l) => l.card_id))].sort();
      if (cards.length === 0) return 0;
      const seq = await this.#nextChangeSeq(client);
      await client.query('UPDATE card SET changed_seq = $1 WHERE card_id = ANY($2::text[])', [seq, cards]);
      await this.#logChangeSet(client, seq, cards);
      return cards.length;
    });
  }

  async flaggedCards(limit: number, now: number): Promise<CardState[]> {
    const result = await this.pool.query(
      `SELECT ${cardColumns} FROM card c WHERE c.flagged ORDER BY c.overdraft DESC, c.card_id LIMIT $2`,
      [now, limit],
    );
    return (result.rows as CardRow[]).map(toCardState);
  }

  async clearCardFlag(cardId: string): Promise<boolean> {
    // One row, no other lock taken: it cannot join a lock cycle with a push.
    const result = await this.pool.query('UPDATE card SET flagged = false WHERE card_id = $1 AND flagged', [
      cardId,
    ]);
    return result.rowCount === 1;
  }

  async getCard(cardId: string, now: number): Promise<CardState | null> {
    const row = (
      await this.pool.query(`SELECT ${cardColumns} FROM card c WHERE c.card_id = $2`, [now, cardId])
    ).rows[0] as CardRow | undefined;
    return row ? toCardState(row) : null;
  }

  async journalKeys(limit: number): Promise<JournalKey[]> {
    const result = await this.pool.query(
      'SELECT till_id, epoch, seq, hash FROM journal ORDER BY till_id, epoch, seq LIMIT $1',
      [limit],
    );
    return (result.rows as { till_id: string; epoch: string; seq: number; hash: string }[]).map((r) => ({
      tillId: r.till_id,
      epoch: r.epoch,
      seq: r.seq,
      hash: r.hash,
    }));
  }

  async unbalancedCards(limit: number): Promise<string[]> {
    const result = await this.pool.query(
      `SELECT c.card_id FROM card c LEFT JOIN (
         SELECT card_id, SUM(amount) AS total FROM posting
         WHERE account IN ('member_available', 'member_pending') GROUP BY card_id) p ON p.card_id = c.card_id
       WHERE c.points <> COALESCE(p.total, 0)
          OR c.points <> (SELECT COALESCE(SUM(remaining), 0) FROM lot l WHERE l.card_id = c.card_id)
       LIMIT $1`,
      [limit],
    );
    return (result.rows as { card_id: string }[]).map((r) => r.card_id);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
