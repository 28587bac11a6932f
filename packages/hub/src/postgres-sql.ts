import { writeStatement } from './postgres-write-sql';

/**
 * Every statement the PostgreSQL hub store sends (besides the schema, `postgres-schema.ts`),
 * as named texts, so one test can read them all (`test/postgres-sql-shapes.test.ts`). Shapes
 * that Citus cannot run on distributed tables are not used: no `FOR UPDATE`/`FOR SHARE` (every
 * writer is serialised by the change counter, taken with an UPDATE, first), no correlated
 * subquery over a set-returning function, one statement per query.
 *
 * Lock order, the same for every writer: the change counter (`meta.change_seq`) first, then
 * the till cursor (pushes), then rows keyed by card. The published head is updated after the
 * writer's COMMIT returned, in a transaction of its own (or, under the counter, by the jobs).
 */

/** A card's figures at $1 (now), as `pull-plan.ts` reads them. */
const cardFigures = `c.card_id AS "cardId", c.points, c.overdraft, c.blocked, c.flagged, c.changed_seq AS seq,
  COALESCE((SELECT SUM(remaining) FROM lot l WHERE l.card_id = c.card_id AND l.vests_at > $1
    AND (l.expires_at IS NULL OR l.expires_at > $1)), 0)::bigint AS pending,
  COALESCE((SELECT SUM(remaining) FROM lot l WHERE l.card_id = c.card_id AND l.expires_at <= $1), 0)::bigint AS expired`;

/** The write statements (`postgres-write-sql.ts`): a push's, and head office's own entries'. */
export const pushWrite = writeStatement(true);
export const hubWrite = writeStatement(false);

export const pgSql = {
  // The change counter: taken first by every writer (an UPDATE locks its row; no FOR UPDATE).
  takeNumbers: "UPDATE meta SET value = value + $1 WHERE key = 'change_seq' RETURNING value",
  lockCounter: "UPDATE meta SET value = value WHERE key = 'change_seq' RETURNING value",
  /**
   * Under the counter (the jobs): every write numbered up to $1 has committed, so pulls may read
   * up to it, whether or not its writer got to publish (a hub process that stopped in between).
   */
  publishCommitted: "UPDATE meta SET value = GREATEST(value, $1) WHERE key = 'published_change_seq'",
  dropPublished:
    "DELETE FROM change_published WHERE last_seq <= (SELECT value FROM meta WHERE key = 'published_change_seq')",
  /**
   * After a writer's COMMIT returned, in a transaction of its own (`publication`): the
   * head's row locked, the writer's numbers recorded, then the head moved over every unbroken
   * run of recorded numbers after it. A number whose writer has not published yet stops the
   * head before it, however many later numbers are published.
   */
  lockPublished: "UPDATE meta SET value = value WHERE key = 'published_change_seq'",
  recordPublished:
    'INSERT INTO change_published (first_seq, last_seq) VALUES ($1, $2) ON CONFLICT DO NOTHING',
  advancePublished: `WITH RECURSIVE head AS (SELECT value FROM meta WHERE key = 'published_change_seq'),
    run AS (SELECT p.last_seq FROM change_published p, head WHERE p.first_seq = head.value + 1
      UNION ALL SELECT p.last_seq FROM change_published p JOIN run r ON p.first_seq = r.last_seq + 1)
    UPDATE meta SET value = (SELECT max(last_seq) FROM run)
    WHERE key = 'published_change_seq' AND EXISTS (SELECT 1 FROM run)`,
  nextHubSeqs: "UPDATE meta SET value = value + $1 WHERE key = 'hub_entry_seq' RETURNING value",

  // Tills
  addTill: `INSERT INTO till (till_id, store_id, secret_hash, code_hash, code_expires_at) VALUES ($1, $2, NULL, $3, $4)
    ON CONFLICT (till_id) DO UPDATE SET store_id = excluded.store_id, secret_hash = NULL,
      code_hash = excluded.code_hash, code_expires_at = excluded.code_expires_at`,
  enrolTill: `UPDATE till SET secret_hash = $1, code_hash = NULL, code_expires_at = NULL
    WHERE till_id = $2 AND code_hash = $3 AND code_expires_at > $4
    RETURNING till_id, store_id, secret_hash`,
  getTill: 'SELECT till_id, store_id, secret_hash FROM till WHERE till_id = $1',

  // Pushes (the opening statement is built with literals: `pushOpening` in postgres-push.ts)
  heldHashes: `SELECT j.seq, j.hash FROM unnest($1::text[], $2::bigint[]) AS t(c, s)
    JOIN journal j ON j.card_id = t.c AND j.till_id = $3 AND j.epoch = $4 AND j.seq = t.s`,
  postings: `INSERT INTO posting (card_id, txn_id, leg, account, amount, lot_id)
    SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::bigint[], $6::text[])
    ON CONFLICT DO NOTHING`,
  writePush: pushWrite.text,
  writeHub: hubWrite.text,
  heldTxns: `SELECT j.card_id, j.txn_id, j.till_id, j.epoch, j.seq FROM journal j
    JOIN unnest($1::text[], $2::text[]) AS t(c, x) ON j.card_id = t.c AND j.txn_id = t.x`,
  blockCards: `UPDATE card SET blocked = t.b, block_changed_seq = card.changed_seq, block_changed_at = $3
    FROM unnest($1::text[], $2::boolean[]) AS t(c, b) WHERE card.card_id = t.c`,
  lotsOfCards: `SELECT card_id, lot_id AS "lotId", remaining, vests_at AS "vestsAt", expires_at AS "expiresAt"
    FROM lot WHERE card_id = ANY($1::text[]) AND remaining <> 0`,
  setLots: `UPDATE lot SET remaining = t.r, expiring = CASE WHEN t.r > 0 THEN lot.expires_at END
    FROM unnest($1::text[], $2::text[], $3::bigint[]) AS t(c, l, r) WHERE lot.card_id = t.c AND lot.lot_id = t.l`,
  bookOverdrafts: `UPDATE card SET overdraft = card.overdraft + t.s, flagged = true
    FROM unnest($1::text[], $2::bigint[]) AS t(c, s) WHERE card.card_id = t.c`,

  // Pulls (one REPEATABLE READ snapshot)
  feedHeads: "SELECT key, value FROM meta WHERE key IN ('published_change_seq', 'change_set_from')",
  // A recent cursor: the cards named by the change sets after it (no index on changed_seq,
  // so balance updates stay HOT). Far behind: every card of the store, filtered.
  changedCardsBySets: `SELECT ${cardFigures} FROM card_store s JOIN card c ON c.card_id = s.card_id
    WHERE s.store_id = $2 AND c.changed_seq > $3 AND c.changed_seq <= $4
      AND c.card_id IN (SELECT unnest(card_ids) FROM change_set WHERE seq > $3)
    ORDER BY c.changed_seq LIMIT $5`,
  changedCardsByScan: `SELECT ${cardFigures} FROM card_store s JOIN card c ON c.card_id = s.card_id
    WHERE s.store_id = $2 AND c.changed_seq > $3 AND c.changed_seq <= $4
    ORDER BY c.changed_seq LIMIT $5`,
  blockChanges: `SELECT card_id AS "cardId", blocked, block_changed_at AS "changedAt", block_changed_seq AS seq
    FROM card WHERE block_changed_seq > 0 AND block_changed_seq > $1 AND block_changed_seq <= $2
    ORDER BY block_changed_seq LIMIT $3`,
  ruleSets: `SELECT seq, version, effective_from AS "effectiveFrom", rule_set_json AS "ruleSetJson", signature
    FROM rule_set WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3`,
  watermark:
    'SELECT epoch, last_seq FROM till_cursor WHERE till_id = $1 ORDER BY updated_at DESC, epoch DESC LIMIT 1',
  storeLimits: `SELECT max_sync_age_ms AS "maxSyncAgeMs", per_card_cap AS "perCardCap", store_total_cap AS "storeTotalCap"
    FROM store_limits WHERE store_id = $1`,
  tillsOfStore: 'SELECT COUNT(*)::bigint AS n FROM till WHERE store_id = $1',
  capsOfStore: `SELECT cc.card_id AS "cardId", cc.cap FROM card_cap cc JOIN card_store s ON s.card_id = cc.card_id
    WHERE s.store_id = $1 ORDER BY cc.card_id LIMIT $2`,

  // Cards seen at a store (no anti-join over unnest: the known pairs are read, the rest computed)
  knownPairs: 'SELECT card_id FROM card_store WHERE store_id = $1 AND card_id = ANY($2::text[])',
  addPairs: `INSERT INTO card_store (card_id, store_id) SELECT t.c, $2 FROM unnest($1::text[]) AS t(c)
    ORDER BY t.c ON CONFLICT DO NOTHING RETURNING card_id`,
  heldCards: 'SELECT card_id FROM card WHERE card_id = ANY($1::text[]) ORDER BY card_id',
  renumberCards: `UPDATE card SET changed_seq = t.n FROM unnest($1::text[], $2::bigint[]) AS t(c, n)
    WHERE card.card_id = t.c`,
  logChangeSet: `INSERT INTO change_set (seq, card_ids) VALUES ($1, $2::text[])
    ON CONFLICT (seq) DO UPDATE SET card_ids = change_set.card_ids || excluded.card_ids`,

  // Head office's writes
  setBlocked: `INSERT INTO card (card_id, blocked, changed_seq, block_changed_seq, block_changed_at) VALUES ($1, $2, $3, $3, $4)
    ON CONFLICT (card_id) DO UPDATE SET blocked = excluded.blocked, changed_seq = excluded.changed_seq,
      block_changed_seq = excluded.block_changed_seq, block_changed_at = excluded.block_changed_at`,
  ruleSetHeld: `SELECT (SELECT effective_from FROM rule_set WHERE version = $1) AS "effectiveFromOfVersion",
    (SELECT version FROM rule_set WHERE effective_from = $2 LIMIT 1) AS "versionAtEffectiveFrom"`,
  insertRuleSet:
    'INSERT INTO rule_set (seq, version, effective_from, rule_set_json, signature) VALUES ($1, $2, $3, $4, $5)',
  setStoreLimits: `INSERT INTO store_limits VALUES ($1, $2, $3, $4) ON CONFLICT (store_id) DO UPDATE SET
    max_sync_age_ms = excluded.max_sync_age_ms, per_card_cap = excluded.per_card_cap,
    store_total_cap = excluded.store_total_cap`,
  clearCap: 'DELETE FROM card_cap WHERE card_id = $1',
  capCount: 'SELECT COUNT(*)::bigint AS n FROM card_cap WHERE card_id <> $1',
  putCap: 'INSERT INTO card_cap VALUES ($1, $2) ON CONFLICT (card_id) DO UPDATE SET cap = excluded.cap',

  // Jobs (under the counter: plain reads see every committed write, no row locks)
  dropOldChangeSets: 'DELETE FROM change_set WHERE seq <= $1',
  expiringLots: `SELECT card_id, lot_id, remaining FROM lot WHERE expiring IS NOT NULL AND expiring <= $1 AND remaining > 0
    ORDER BY expiring, card_id, lot_id LIMIT $2`,
  vestedThrough: "UPDATE meta SET value = value WHERE key = 'vested_through' RETURNING value",
  setVestedThrough: "UPDATE meta SET value = $1 WHERE key = 'vested_through'",
  vestedLots:
    'SELECT card_id, vests_at FROM lot WHERE vests_at > $1 AND vests_at <= $2 ORDER BY vests_at LIMIT $3',

  // Review and audit
  flagged: `SELECT ${cardFigures} FROM card c WHERE c.flagged ORDER BY c.overdraft DESC, c.card_id LIMIT $2`,
  clearFlag: 'UPDATE card SET flagged = false WHERE card_id = $1 AND flagged',
  card: `SELECT ${cardFigures} FROM card c WHERE c.card_id = $2`,
  journalKeys: 'SELECT till_id, epoch, seq, hash FROM journal ORDER BY till_id, epoch, seq LIMIT $1',
  unbalanced: `SELECT c.card_id FROM card c LEFT JOIN (
      SELECT card_id, SUM(amount) AS total FROM posting
      WHERE account IN ('member_available', 'member_pending') GROUP BY card_id) p ON p.card_id = c.card_id
    LEFT JOIN (SELECT card_id, SUM(remaining) AS total, min(remaining) AS least FROM lot GROUP BY card_id) l
      ON l.card_id = c.card_id
    WHERE c.points <> COALESCE(p.total, 0) OR c.points <> COALESCE(l.total, 0) OR l.least < 0
    LIMIT $1`,
} as const;

/**
 * The publication of feed numbers whose writers' COMMITs returned, as one transaction in one
 * round trip (a simple query): the head's row locked, each range recorded, the head moved over
 * every unbroken run after it, ranges behind the head dropped.
 */
export function publication(ranges: readonly { first: number; last: number }[]): string | null {
  const filled = ranges.filter((r) => r.last >= r.first);
  if (filled.length === 0) return null;
  const values = filled.map((r) => `(${Math.trunc(r.first)}, ${Math.trunc(r.last)})`).join(', ');
  return [
    'BEGIN',
    // Not waited for on disk: visible at once; a publication lost in a crash is redone at the
    // next open (which publishes everything committed), so a second WAL flush per push buys nothing.
    'SET LOCAL synchronous_commit TO OFF',
    pgSql.lockPublished,
    pgSql.recordPublished.replace('($1, $2)', values),
    pgSql.advancePublished,
    pgSql.dropPublished,
    'COMMIT',
  ].join(';\n');
}
