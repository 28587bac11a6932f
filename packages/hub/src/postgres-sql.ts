/**
 * Every statement of fixed text the PostgreSQL hub store sends (besides the schema,
 * `postgres-schema.ts`, the feed's numbering, `postgres-feed.ts`, and the statements built per
 * write, `postgres-write-sql.ts`), as named texts, so one test reads them all
 * (`test/postgres-sql-shapes.test.ts`). Shapes Citus cannot run on distributed tables are not
 * used: no `FOR UPDATE`/`FOR SHARE`, no correlated subquery over a set-returning function, one
 * statement per query; a statement about one card filters every card-keyed table it reads by
 * `card_id` (one shard); upserts on card-keyed tables are multi-row VALUES (`postgres-values.ts`).
 *
 * Lock order, the same for every writer: a push's till cursor row; then the rows of the cards a
 * write changes, all at once in card order (its first write of card-keyed rows); then anything
 * of those cards. No writer shares a row with every other: feed numbers are given after commit by
 * the numbering (`postgres-feed.ts`), which takes no lock a writer holds.
 */

/**
 * A card's figures at $1 (now), as `pull-plan.ts` reads them: `seq` is its feed number (or 0),
 * and `card` is either a card id parameter (a read of one card: every table filtered by it, one
 * shard on Citus) or `c.card_id` (many cards: joined on the distribution column).
 */
const cardFigures = (seq: string, card: string) => `c.card_id AS "cardId", c.points, c.overdraft, c.blocked,
  c.flagged, ${seq} AS seq,
  COALESCE((SELECT SUM(remaining) FROM lot l WHERE l.card_id = ${card} AND l.vests_at > $1
    AND (l.expires_at IS NULL OR l.expires_at > $1)), 0)::bigint AS pending,
  COALESCE((SELECT SUM(remaining) FROM lot l WHERE l.card_id = ${card} AND l.expires_at <= $1), 0)::bigint AS expired`;

export const pgSql = {
  nextHubSeqs: "SELECT nextval('hub_entry_seq') AS n FROM generate_series(1, $1)",

  // Tills
  addTill: `INSERT INTO till (till_id, store_id, secret_hash, code_hash, code_expires_at) VALUES ($1, $2, NULL, $3, $4)
    ON CONFLICT (till_id) DO UPDATE SET store_id = excluded.store_id, secret_hash = NULL,
      code_hash = excluded.code_hash, code_expires_at = excluded.code_expires_at`,
  enrolTill: `UPDATE till SET secret_hash = $1, code_hash = NULL, code_expires_at = NULL
    WHERE till_id = $2 AND code_hash = $3 AND code_expires_at > $4
    RETURNING till_id, store_id, secret_hash`,
  getTill: 'SELECT till_id, store_id, secret_hash FROM till WHERE till_id = $1',

  // Pushes (the opening is built with literals: `pushOpening` in postgres-push.ts); the journal
  // filtered by the batch's cards too, so Citus reads only their shards.
  heldHashes: `SELECT j.seq, j.hash FROM unnest($1::text[], $2::bigint[]) AS t(c, s)
    JOIN journal j ON j.card_id = t.c AND j.till_id = $3 AND j.epoch = $4 AND j.seq = t.s
    WHERE j.card_id = ANY($1::text[])`,
  heldTxns: `SELECT j.card_id, j.txn_id, j.till_id, j.epoch, j.seq FROM journal j
    JOIN unnest($1::text[], $2::text[]) AS t(c, x) ON j.card_id = t.c AND j.txn_id = t.x
    WHERE j.card_id = ANY($1::text[])`,
  lotsOfCards: `SELECT card_id, lot_id AS "lotId", initial, remaining, vests_at AS "vestsAt", expires_at AS "expiresAt"
    FROM lot WHERE card_id = ANY($1::text[]) AND remaining <> 0`,

  // Pulls (one REPEATABLE READ snapshot, up to the published head)
  feedHead: "SELECT value FROM meta WHERE key = 'feed_published'",
  changedCards: `SELECT ${cardFigures('f.seq', 'c.card_id')}
    FROM card_feed f JOIN card_store s ON s.card_id = f.card_id JOIN card c ON c.card_id = f.card_id
    WHERE s.store_id = $2 AND f.seq > $3 AND f.seq <= $4
    ORDER BY f.seq LIMIT $5`,
  blockChanges: `SELECT c.card_id AS "cardId", c.blocked, c.block_changed_at AS "changedAt", f.block_seq AS seq
    FROM card_feed f JOIN card c ON c.card_id = f.card_id
    WHERE f.block_seq > 0 AND f.block_seq > $1 AND f.block_seq <= $2
    ORDER BY f.block_seq LIMIT $3`,
  // Sets for every store, and (for pulls that read targets: $5) those ever signed for the store ($4).
  ruleSets: `SELECT seq, version, effective_from AS "effectiveFrom", rule_set_json AS "ruleSetJson", target, signature
    FROM rule_set WHERE seq > $1 AND seq <= $2 AND (audience IS NULL OR ($5 AND audience::jsonb ? $4))
    ORDER BY seq LIMIT $3`,
  watermark:
    'SELECT epoch, last_seq FROM till_cursor WHERE till_id = $1 ORDER BY updated_at DESC, epoch DESC LIMIT 1',
  storeLimits: `SELECT max_sync_age_ms AS "maxSyncAgeMs", per_card_cap AS "perCardCap", store_total_cap AS "storeTotalCap"
    FROM store_limits WHERE store_id = $1`,
  tillsOfStore: 'SELECT COUNT(*)::bigint AS n FROM till WHERE store_id = $1',
  capsOfStore: `SELECT cc.card_id AS "cardId", cc.cap FROM card_cap cc JOIN card_store s ON s.card_id = cc.card_id
    WHERE s.store_id = $1 ORDER BY cc.card_id LIMIT $2`,

  // Cards seen at a store (no anti-join over unnest: the known pairs are read, the rest computed)
  knownPairs: 'SELECT card_id FROM card_store WHERE store_id = $1 AND card_id = ANY($2::text[])',
  heldCards: 'SELECT card_id FROM card WHERE card_id = ANY($1::text[]) ORDER BY card_id',

  // Head office's writes (a card's row first)
  setBlocked: `INSERT INTO card (card_id, blocked, block_changed_at) VALUES ($1, $2, $3)
    ON CONFLICT (card_id) DO UPDATE SET blocked = excluded.blocked, block_changed_at = excluded.block_changed_at`,
  setStoreLimits: `INSERT INTO store_limits VALUES ($1, $2, $3, $4) ON CONFLICT (store_id) DO UPDATE SET
    max_sync_age_ms = excluded.max_sync_age_ms, per_card_cap = excluded.per_card_cap,
    store_total_cap = excluded.store_total_cap`,
  // Per-card caps: serialised on their own row, so the count cannot race.
  lockCaps: "UPDATE meta SET value = value WHERE key = 'card_caps'",
  clearCap: 'DELETE FROM card_cap WHERE card_id = $1',
  capCount: 'SELECT COUNT(*)::bigint AS n FROM card_cap WHERE card_id <> $1',
  putCap: 'INSERT INTO card_cap VALUES ($1, $2) ON CONFLICT (card_id) DO UPDATE SET cap = excluded.cap',

  // Jobs (each on its own row first, then the cards it writes, locked in card order)
  expiringLots: `SELECT card_id, lot_id, remaining FROM lot WHERE expiring IS NOT NULL AND expiring <= $1 AND remaining > 0
    ORDER BY expiring, card_id, lot_id LIMIT $2`,
  expiringLotsOfCards: `SELECT card_id, lot_id, remaining FROM lot WHERE card_id = ANY($1::text[])
    AND expiring IS NOT NULL AND expiring <= $2 AND remaining > 0`,
  vestedThrough: "UPDATE meta SET value = value WHERE key = 'vested_through' RETURNING value",
  setVestedThrough: "UPDATE meta SET value = $1 WHERE key = 'vested_through'",
  vestedLots:
    'SELECT card_id, vests_at FROM lot WHERE vests_at > $1 AND vests_at <= $2 ORDER BY vests_at LIMIT $3',

  // Review and audit
  flagged: `SELECT ${cardFigures('0', 'c.card_id')} FROM card c WHERE c.flagged ORDER BY c.overdraft DESC, c.card_id LIMIT $2`,
  clearFlag: 'UPDATE card SET flagged = false WHERE card_id = $1 AND flagged',
  card: `SELECT ${cardFigures('0', '$2')} FROM card c WHERE c.card_id = $2`,
  journalKeys: 'SELECT till_id, epoch, seq, hash FROM journal ORDER BY till_id, epoch, seq LIMIT $1',
  unbalanced: `SELECT c.card_id FROM card c LEFT JOIN (
      SELECT card_id, SUM(amount) AS total FROM posting
      WHERE account IN ('member_available', 'member_pending') GROUP BY card_id) p ON p.card_id = c.card_id
    LEFT JOIN (SELECT card_id, SUM(remaining) AS total, min(remaining) AS least FROM lot GROUP BY card_id) l
      ON l.card_id = c.card_id
    WHERE c.points <> COALESCE(p.total, 0) OR c.points <> COALESCE(l.total, 0) OR l.least < 0
    LIMIT $1`,
} as const;
