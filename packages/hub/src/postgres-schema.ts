/**
 * The PostgreSQL hub's tables. Every query sent is ONE statement (Citus propagates DDL on
 * distributed tables statement by statement and refuses a query string of several), and an
 * upgrade of an older schema checks the catalog from the client first, then sends each of its
 * statements on its own (no `DO` blocks): an open that has nothing to change takes no table lock.
 *
 * Every card-keyed table has `card_id` in its primary key (`journal`, `posting`, `lot`, `card`,
 * `card_store`, `card_cap`, the feed's `card_feed` and `feed_change` (no key: insert-only), and the
 * chain's: `sale_fact`, `sale_line`, `card_day`, `card_grant`, `card_enrolment`, `enrol_conflict`,
 * `card_profile`, `card_traits`, `card_erasure`, `erased_profile_ref`, `card_flag`,
 * `return_pending`, `journal_redaction`): on Citus they are distributed by `card_id` and
 * colocated. `till_cursor` is keyed by till (distributed by `till_id`: a push writes its own
 * till's row, never a row every push shares). `till`, `store_limits`, `rule_set`, `meta`,
 * `hub_setting` are small tables no push writes (reference tables on Citus). See
 * `postgres-distribute.ts`.
 */

/** The schema version this hub writes (`meta.schema_version`); a newer one is refused at open. */
export const postgresSchemaVersion = 7;

/** The statements that create a fresh schema; each is a no-op on a schema that has it. */
export function createStatements(partitions: number): string[] {
  const parts = (table: string) =>
    Array.from(
      { length: partitions },
      (_, i) =>
        `CREATE TABLE IF NOT EXISTS ${table}_p${i} PARTITION OF ${table} FOR VALUES WITH (MODULUS ${partitions}, REMAINDER ${i})`,
    );
  return [
    'CREATE TABLE IF NOT EXISTS meta (key text COLLATE "C" PRIMARY KEY, value bigint NOT NULL)',
    // feed_assigned: the last feed number given (by the feed's numbering, `postgres-feed.ts`);
    // feed_published: the head pulls read up to; vested_through, card_caps: the jobs' own rows.
    `INSERT INTO meta VALUES ('feed_assigned', 0), ('feed_published', 0), ('vested_through', 0), ('card_caps', 0)
     ON CONFLICT DO NOTHING`,
    // Head office's own journal entries (expiry, overdraft, returns): numbers without a shared row.
    'CREATE SEQUENCE IF NOT EXISTS hub_entry_seq',
    `CREATE TABLE IF NOT EXISTS till (till_id text COLLATE "C" PRIMARY KEY, store_id text COLLATE "C" NOT NULL,
     secret_hash text, code_hash text, code_expires_at bigint)`,
    'CREATE INDEX IF NOT EXISTS till_store ON till(store_id)',
    `CREATE TABLE IF NOT EXISTS till_cursor (till_id text COLLATE "C" NOT NULL, epoch text COLLATE "C" NOT NULL,
     last_seq bigint NOT NULL, last_hash text NOT NULL, updated_at bigint NOT NULL, PRIMARY KEY (till_id, epoch))`,
    `CREATE TABLE IF NOT EXISTS journal (card_id text COLLATE "C" NOT NULL, till_id text COLLATE "C" NOT NULL,
     epoch text COLLATE "C" NOT NULL, seq bigint NOT NULL, txn_id text COLLATE "C" NOT NULL, kind text NOT NULL,
     occurred_at bigint NOT NULL, hash text NOT NULL, body text NOT NULL,
     PRIMARY KEY (card_id, till_id, epoch, seq)) PARTITION BY HASH (card_id)`,
    ...parts('journal'),
    // The fraud job reads each till's stream after its position (`pg-ingested-read.ts`): without
    // this a reader that is behind scans every partition (schema 5; the journal is keyed by card).
    'CREATE INDEX IF NOT EXISTS journal_stream ON journal(till_id, epoch, seq)',
    `CREATE TABLE IF NOT EXISTS posting (card_id text COLLATE "C" NOT NULL, txn_id text COLLATE "C" NOT NULL,
     leg int NOT NULL, account text NOT NULL, amount bigint NOT NULL, lot_id text COLLATE "C",
     PRIMARY KEY (card_id, txn_id, leg)) PARTITION BY HASH (card_id)`,
    ...parts('posting'),
    // expiring = expires_at while points remain, else null: the expiry job's index. A spend
    // that leaves points in the lot changes no indexed value (a HOT update); an index predicate
    // on remaining would make every spend a non-HOT update.
    `CREATE TABLE IF NOT EXISTS lot (card_id text COLLATE "C" NOT NULL, lot_id text COLLATE "C" NOT NULL,
     initial bigint NOT NULL, remaining bigint NOT NULL, vests_at bigint NOT NULL, expires_at bigint, expiring bigint,
     PRIMARY KEY (card_id, lot_id)) WITH (fillfactor = 90)`,
    'CREATE INDEX IF NOT EXISTS lot_expiring ON lot(expiring) WHERE expiring IS NOT NULL',
    'CREATE INDEX IF NOT EXISTS lot_vests ON lot(vests_at)',
    // A balance update changes no indexed column: a HOT update, in place on its page (room
    // left by the fill factor). The feed numbers live in card_feed, written by the numbering only.
    `CREATE TABLE IF NOT EXISTS card (card_id text COLLATE "C" PRIMARY KEY, points bigint NOT NULL DEFAULT 0,
     overdraft bigint NOT NULL DEFAULT 0, blocked boolean NOT NULL DEFAULT false,
     flagged boolean NOT NULL DEFAULT false, block_changed_at bigint NOT NULL DEFAULT 0,
     lifetime_spend_minor bigint NOT NULL DEFAULT 0, purchase_count bigint NOT NULL DEFAULT 0,
     pending_returns int NOT NULL DEFAULT 0) WITH (fillfactor = 70)`,
    // Cards to review (overspent offline): few, and a balance update changes no column indexed here.
    'CREATE INDEX IF NOT EXISTS card_flagged ON card(overdraft) WHERE flagged',
    // The change feed (postgres-feed.ts): every write inserts a row per card it changed, in its own
    // transaction (no row shared by writers); the numbering, after those writers committed, takes
    // the rows away and gives each card its next feed number in card_feed.
    'CREATE TABLE IF NOT EXISTS feed_change (card_id text COLLATE "C" NOT NULL, block boolean NOT NULL)',
    'CREATE INDEX IF NOT EXISTS feed_change_card ON feed_change(card_id)',
    `CREATE TABLE IF NOT EXISTS card_feed (card_id text COLLATE "C" PRIMARY KEY, seq bigint NOT NULL,
     block_seq bigint NOT NULL DEFAULT 0)`,
    'CREATE INDEX IF NOT EXISTS card_feed_seq ON card_feed(seq)',
    'CREATE INDEX IF NOT EXISTS card_feed_block ON card_feed(block_seq) WHERE block_seq > 0',
    `CREATE TABLE IF NOT EXISTS card_store (card_id text COLLATE "C" NOT NULL, store_id text COLLATE "C" NOT NULL,
     PRIMARY KEY (card_id, store_id))`,
    'CREATE INDEX IF NOT EXISTS card_store_store ON card_store(store_id, card_id)',
    'CREATE TABLE IF NOT EXISTS card_cap (card_id text COLLATE "C" PRIMARY KEY, cap bigint NOT NULL)',
    `CREATE TABLE IF NOT EXISTS store_limits (store_id text COLLATE "C" PRIMARY KEY, max_sync_age_ms bigint NOT NULL,
     per_card_cap bigint NOT NULL, store_total_cap bigint NOT NULL)`,
    // target: the signed target (JSON; null: every store); audience: every store it was ever
    // signed for (JSON array; null: every store). Columns of schema 5 (issue 16).
    `CREATE TABLE IF NOT EXISTS rule_set (seq bigint PRIMARY KEY, version text NOT NULL UNIQUE,
     effective_from bigint NOT NULL, rule_set_json text NOT NULL, signature text NOT NULL,
     target text, audience text, published_at bigint, rolls_back text)`,
    'CREATE INDEX IF NOT EXISTS rule_set_effective ON rule_set(effective_from)',
    `CREATE TABLE IF NOT EXISTS store_group (group_name text COLLATE "C" NOT NULL, store_id text COLLATE "C" NOT NULL,
     PRIMARY KEY (group_name, store_id))`,
    // The rule-set version each till reported on its last pull (written when it changes).
    `CREATE TABLE IF NOT EXISTS till_rules (till_id text COLLATE "C" PRIMARY KEY, version text,
     reported_at bigint NOT NULL)`,
    ...chainStatements(),
  ];
}

/**
 * Card state across the chain (docs/chain-sync.md). `sale_fact` and `sale_line` are partitioned
 * by time (`occurred_at`, a month a partition, made ahead by `salePartitionStatements`; rows
 * outside them go to the default partition), with the card id in their keys for Citus.
 * `hub_setting` (the phone lookup key, the tier job's state) is small and not keyed by card.
 */
function chainStatements(): string[] {
  const c = 'COLLATE "C"';
  return [
    'CREATE TABLE IF NOT EXISTS hub_setting (name text PRIMARY KEY, value text NOT NULL)',
    `CREATE TABLE IF NOT EXISTS sale_fact (card_id text ${c} NOT NULL, occurred_at bigint NOT NULL,
     txn_id text ${c} NOT NULL, till_id text ${c} NOT NULL, epoch text ${c} NOT NULL, seq bigint NOT NULL,
     store_id text ${c} NOT NULL, receipt_id text ${c} NOT NULL, cashier_id text, currency text NOT NULL,
     basket_total_minor bigint NOT NULL, spend_minor bigint NOT NULL, rules_version text, earned_points bigint NOT NULL,
     spent_points bigint NOT NULL, spent_discount_minor bigint NOT NULL, bonuses text NOT NULL,
     bonus_points bigint NOT NULL, line_count int NOT NULL,
     refunded_minor bigint NOT NULL DEFAULT 0, spend_reversed_minor bigint NOT NULL DEFAULT 0,
     earned_reversed bigint NOT NULL DEFAULT 0, spent_restored bigint NOT NULL DEFAULT 0,
     PRIMARY KEY (card_id, occurred_at, txn_id)) PARTITION BY RANGE (occurred_at)`,
    'CREATE TABLE IF NOT EXISTS sale_fact_default PARTITION OF sale_fact DEFAULT',
    'CREATE INDEX IF NOT EXISTS sale_fact_receipt ON sale_fact(receipt_id, store_id)',
    `CREATE TABLE IF NOT EXISTS sale_line (card_id text ${c} NOT NULL, occurred_at bigint NOT NULL,
     txn_id text ${c} NOT NULL, line_no int NOT NULL, line_id text NOT NULL, sku text NOT NULL, category text,
     quantity_micro bigint NOT NULL, unit_price_minor bigint NOT NULL, amount_minor bigint NOT NULL,
     discount_minor bigint NOT NULL, promotions text NOT NULL, earned_points bigint NOT NULL, rule_ids text NOT NULL,
     spent_points bigint NOT NULL, spent_discount_minor bigint NOT NULL, returned_micro bigint NOT NULL DEFAULT 0,
     PRIMARY KEY (card_id, occurred_at, txn_id, line_no)) PARTITION BY RANGE (occurred_at)`,
    'CREATE TABLE IF NOT EXISTS sale_line_default PARTITION OF sale_line DEFAULT',
    `CREATE TABLE IF NOT EXISTS card_day (card_id text ${c} NOT NULL, day bigint NOT NULL, spend_minor bigint NOT NULL,
     PRIMARY KEY (card_id, day))`,
    'CREATE INDEX IF NOT EXISTS card_day_day ON card_day(day, card_id)',
    `CREATE TABLE IF NOT EXISTS card_grant (card_id text ${c} NOT NULL, grant_key text ${c} NOT NULL,
     txn_id text NOT NULL, granted_at bigint NOT NULL, PRIMARY KEY (card_id, grant_key))`,
    // Schema 5: catalogue reward uses (chain/reward-uses.ts): +times a sale, −usesBack a return.
    `CREATE TABLE IF NOT EXISTS card_reward_use (card_id text ${c} NOT NULL, txn_id text ${c} NOT NULL,
     reward_id text ${c} NOT NULL, at bigint NOT NULL, times bigint NOT NULL, PRIMARY KEY (card_id, txn_id, reward_id))`,
    // Schema 5: the coupon codes tills issue (chain/reward-coupons.ts), checked by code.
    `CREATE TABLE IF NOT EXISTS reward_coupon (card_id text ${c} NOT NULL, code text ${c} NOT NULL,
     txn_id text ${c} NOT NULL, reward_id text NOT NULL, times bigint NOT NULL, issued_at bigint NOT NULL,
     PRIMARY KEY (card_id, code, txn_id))`,
    'CREATE INDEX IF NOT EXISTS reward_coupon_code ON reward_coupon(code)',
    // Schema 7: chain-wide stock of limited catalogue rewards (chain/reward-stock.ts), one row a reward.
    `CREATE TABLE IF NOT EXISTS reward_stock (reward_id text COLLATE "C" PRIMARY KEY, remaining bigint NOT NULL,
     oversold bigint NOT NULL DEFAULT 0, offline_per_till bigint NOT NULL, updated_at bigint NOT NULL)`,
    // Schema 7: the coupons a partner or a store took (chain/coupon-answer.ts), first one wins.
    `CREATE TABLE IF NOT EXISTS coupon_redemption (code text COLLATE "C" PRIMARY KEY, redeemed_at bigint NOT NULL,
     redeemed_by text NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS card_enrolment (card_id text ${c} PRIMARY KEY, txn_id text, till_id text NOT NULL,
     profile_ref text, enrolled_at bigint NOT NULL, consent_at bigint)`,
    `CREATE TABLE IF NOT EXISTS enrol_conflict (card_id text ${c} NOT NULL, profile_ref text ${c} NOT NULL, txn_id text,
     till_id text, phone text, consent_at bigint, at bigint NOT NULL, PRIMARY KEY (card_id, profile_ref))`,
    `CREATE TABLE IF NOT EXISTS card_profile (card_id text ${c} PRIMARY KEY, profile_ref text, phone text,
     phone_hash text, name text, birth_date text, birth_month_day text, consent_at bigint, updated_at bigint NOT NULL)`,
    'CREATE INDEX IF NOT EXISTS card_profile_phone_hash ON card_profile(phone_hash) WHERE phone_hash IS NOT NULL',
    `CREATE TABLE IF NOT EXISTS card_traits (card_id text ${c} PRIMARY KEY, groups text NOT NULL DEFAULT '[]',
     referred_by text, updated_at bigint NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS card_erasure (card_id text ${c} NOT NULL, erased_at bigint NOT NULL,
     PRIMARY KEY (card_id, erased_at))`,
    `CREATE TABLE IF NOT EXISTS erased_profile_ref (card_id text ${c} NOT NULL, profile_ref text ${c} NOT NULL,
     PRIMARY KEY (card_id, profile_ref))`,
    `CREATE TABLE IF NOT EXISTS card_flag (card_id text ${c} NOT NULL, flag_id text ${c} NOT NULL, reason text NOT NULL,
     detail text NOT NULL, at bigint NOT NULL, PRIMARY KEY (card_id, flag_id))`,
    `CREATE TABLE IF NOT EXISTS return_pending (card_id text ${c} NOT NULL, txn_id text ${c} NOT NULL,
     receipt_id text NOT NULL, origin_till_id text, origin_txn_id text, fact text NOT NULL, earned_posted bigint NOT NULL,
     spent_posted bigint NOT NULL, at bigint NOT NULL, PRIMARY KEY (card_id, txn_id))`,
    `CREATE TABLE IF NOT EXISTS journal_redaction (card_id text ${c} NOT NULL, till_id text ${c} NOT NULL,
     epoch text ${c} NOT NULL, seq bigint NOT NULL, field text NOT NULL, redacted_at bigint NOT NULL,
     PRIMARY KEY (card_id, till_id, epoch, seq, field))`,
  ];
}

const monthMs = (year: number, month: number) => Date.UTC(year, month, 1);

/** The monthly partitions of the sale tables around `now` (the month before it to three after). */
export function salePartitions(now: number): { name: string; from: number; to: number }[] {
  const at = new Date(now);
  const out: { name: string; from: number; to: number }[] = [];
  for (let k = -1; k <= 3; k++) {
    const year = at.getUTCFullYear();
    const month = at.getUTCMonth() + k;
    const from = monthMs(year, month);
    const start = new Date(from);
    const suffix = `y${start.getUTCFullYear()}m${String(start.getUTCMonth() + 1).padStart(2, '0')}`;
    out.push({ name: suffix, from, to: monthMs(year, month + 1) });
  }
  return out;
}

/** The statements making one month's partition of each sale table (each alone: Citus runs DDL one a query). */
export function salePartitionStatements(part: { name: string; from: number; to: number }): string[] {
  return ['sale_fact', 'sale_line'].map(
    (table) =>
      `CREATE TABLE IF NOT EXISTS ${table}_${part.name} PARTITION OF ${table} FOR VALUES FROM (${Math.trunc(part.from)}) TO (${Math.trunc(part.to)})`,
  );
}

/**
 * Changes an older schema needs, in order: `needed` is one query answering one row with a
 * boolean `needed`; then each statement is sent on its own, in the open's transaction.
 */
export interface UpgradeStep {
  what: string;
  needed: string;
  statements: string[];
}

const columnMissing = (table: string, column: string) =>
  `SELECT NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema()
     AND table_name = '${table}' AND column_name = '${column}') AS needed`;
const indexExists = (index: string) =>
  `SELECT EXISTS (SELECT 1 FROM pg_indexes WHERE schemaname = current_schema() AND indexname = '${index}') AS needed`;
const metaMissing = (key: string) => `SELECT NOT EXISTS (SELECT 1 FROM meta WHERE key = '${key}') AS needed`;
const columnExists = (table: string, column: string) =>
  `SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema()
     AND table_name = '${table}' AND column_name = '${column}') AS needed`;
/** A step of the feed before schema 4: only on a schema that still has its counter column. */
const legacyFeed = (check: string) =>
  `SELECT (${check.replace(/ AS needed$/, '')}) AND (${columnExists('card', 'changed_seq').replace(/ AS needed$/, '')}) AS needed`;

export const upgradeSteps: readonly UpgradeStep[] = [
  ...['target', 'audience', 'published_at', 'rolls_back'].map((column) => ({
    what: `rule_set.${column} (rule sets for store groups)`,
    needed: columnMissing('rule_set', column),
    statements: [
      `ALTER TABLE rule_set ADD COLUMN ${column} ${column === 'published_at' ? 'bigint' : 'text'}`,
    ],
  })),
  {
    what: 'lot.expiring (the expiry index column)',
    needed: columnMissing('lot', 'expiring'),
    statements: [
      'ALTER TABLE lot ADD COLUMN expiring bigint',
      'ALTER TABLE lot SET (fillfactor = 90)',
      'UPDATE lot SET expiring = expires_at WHERE remaining > 0 AND expires_at IS NOT NULL',
    ],
  },
  { what: 'drop lot_expiry', needed: indexExists('lot_expiry'), statements: ['DROP INDEX lot_expiry'] },
  {
    what: 'drop card_changed (balance updates become HOT)',
    needed: indexExists('card_changed'),
    statements: ['DROP INDEX card_changed', 'ALTER TABLE card SET (fillfactor = 70)'],
  },
  {
    what: 'drop card_block_changed',
    needed: indexExists('card_block_changed'),
    statements: ['DROP INDEX card_block_changed'],
  },
  {
    // (Schemas before 4.) Cursors before the change-set log began pull by the store's card list.
    what: 'change_set_from',
    needed: legacyFeed(metaMissing('change_set_from')),
    statements: [
      `INSERT INTO meta SELECT 'change_set_from', value + 1 FROM meta WHERE key = 'change_seq' ON CONFLICT DO NOTHING`,
    ],
  },
  {
    // (Schemas before 4.) One feed number per card change (writes used to give all their cards
    // one number, which a page could not split): every card gets its own after the old head, its
    // block change the same; a till behind the old head gets those cards once more.
    what: 'one feed number per card change, and the published head',
    needed: legacyFeed(metaMissing('published_change_seq')),
    statements: [
      `UPDATE card SET changed_seq = m.value + r.n
       FROM (SELECT card_id, row_number() OVER (ORDER BY changed_seq, card_id) AS n FROM card WHERE changed_seq > 0) AS r,
         (SELECT value FROM meta WHERE key = 'change_seq') AS m
       WHERE card.card_id = r.card_id`,
      'UPDATE card SET block_changed_seq = changed_seq WHERE block_changed_seq > 0',
      `UPDATE meta SET value = value + (SELECT count(*) FROM card WHERE changed_seq > 0) WHERE key = 'change_seq'`,
      `INSERT INTO meta SELECT 'published_change_seq', value FROM meta WHERE key = 'change_seq'`,
    ],
  },
  ...['lifetime_spend_minor', 'purchase_count', 'pending_returns'].map((column) => ({
    what: `card.${column}`,
    needed: columnMissing('card', column),
    statements: [
      `ALTER TABLE card ADD COLUMN ${column} ${column === 'pending_returns' ? 'int' : 'bigint'} NOT NULL DEFAULT 0`,
    ],
  })),
  {
    // Enrolments written before this design: the first of each card is its enrolment, the others
    // conflicts; the phone they carried in detail moves to the erasable profile (hashed when the
    // hub opens) and the journal keeps a note of the blanking (the chain was checked at ingest).
    what: 'enrolments and phones out of the journal',
    needed: metaMissing('chain_upgrade'),
    statements: [
      `INSERT INTO card_enrolment (card_id, txn_id, till_id, profile_ref, enrolled_at, consent_at)
       SELECT DISTINCT ON (card_id) card_id, txn_id, till_id, body::jsonb #>> '{detail,profileRef}', occurred_at,
         CASE WHEN jsonb_typeof(body::jsonb #> '{detail,consentAt}') = 'number'
           THEN (body::jsonb #>> '{detail,consentAt}')::bigint END
       FROM journal WHERE kind = 'card_enrolled' ORDER BY card_id, occurred_at, till_id, epoch, seq
       ON CONFLICT DO NOTHING`,
      `INSERT INTO enrol_conflict (card_id, profile_ref, txn_id, till_id, phone, consent_at, at)
       SELECT j.card_id, COALESCE(j.body::jsonb #>> '{detail,profileRef}', 'entry:' || j.txn_id), j.txn_id, j.till_id,
         j.body::jsonb #>> '{detail,phone}',
         CASE WHEN jsonb_typeof(j.body::jsonb #> '{detail,consentAt}') = 'number'
           THEN (j.body::jsonb #>> '{detail,consentAt}')::bigint END, j.occurred_at
       FROM journal j JOIN card_enrolment e ON e.card_id = j.card_id
       WHERE j.kind = 'card_enrolled' AND j.txn_id <> e.txn_id ON CONFLICT DO NOTHING`,
      `INSERT INTO card_profile (card_id, profile_ref, phone, consent_at, updated_at)
       SELECT j.card_id, e.profile_ref, j.body::jsonb #>> '{detail,phone}', e.consent_at, j.occurred_at
       FROM journal j JOIN card_enrolment e ON e.card_id = j.card_id AND e.txn_id = j.txn_id
       WHERE jsonb_typeof(j.body::jsonb #> '{detail,phone}') = 'string' AND j.body::jsonb #>> '{detail,phone}' <> ''
       ON CONFLICT DO NOTHING`,
      `INSERT INTO journal_redaction (card_id, till_id, epoch, seq, field, redacted_at)
       SELECT card_id, till_id, epoch, seq, 'detail.phone', (extract(epoch FROM now()) * 1000)::bigint FROM journal
       WHERE kind = 'card_enrolled' AND jsonb_typeof(body::jsonb #> '{detail,phone}') = 'string' ON CONFLICT DO NOTHING`,
      `UPDATE journal SET body = jsonb_set(body::jsonb, '{detail,phone}', 'null')::text
       WHERE kind = 'card_enrolled' AND jsonb_typeof(body::jsonb #> '{detail,phone}') = 'string'`,
      `INSERT INTO meta VALUES ('chain_upgrade', 1) ON CONFLICT DO NOTHING`,
    ],
  },
  {
    // Schema 4: the feed numbered after commit. Each card's feed numbers move to card_feed, the
    // old counter becomes the assigned and published head (the upgrade holds it: every write
    // numbered up to it has committed), head office's entry counter a sequence; the one counter
    // row, the change sets and the publication log go.
    what: 'the change feed numbered after commit (card_feed, feed_change)',
    needed: columnExists('card', 'changed_seq'),
    statements: [
      "UPDATE meta SET value = value WHERE key = 'change_seq'",
      `INSERT INTO card_feed (card_id, seq, block_seq) SELECT card_id, changed_seq, block_changed_seq FROM card
       WHERE changed_seq > 0 ON CONFLICT (card_id) DO NOTHING`,
      `INSERT INTO meta SELECT k.key, m.value FROM meta m, (VALUES ('feed_assigned'), ('feed_published')) AS k(key)
       WHERE m.key = 'change_seq' ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      "SELECT setval('hub_entry_seq', GREATEST(value, 1), value > 0) FROM meta WHERE key = 'hub_entry_seq'",
      'ALTER TABLE card DROP COLUMN changed_seq',
      'ALTER TABLE card DROP COLUMN block_changed_seq',
      'DROP TABLE IF EXISTS change_set',
      'DROP TABLE IF EXISTS change_published',
      `DELETE FROM meta WHERE key IN ('change_seq', 'hub_entry_seq', 'published_change_seq', 'change_set_from')`,
    ],
  },
  {
    // Schema 6: the reward uses of sales that arrived before card_reward_use (their journal bodies).
    what: 'reward uses of earlier sales (card_reward_use)',
    needed: metaMissing('reward_uses'),
    statements: [
      `INSERT INTO card_reward_use (card_id, txn_id, reward_id, at, times)
       SELECT j.card_id, j.txn_id, r.value ->> 'rewardId', j.occurred_at, SUM((r.value ->> 'times')::bigint)
       FROM journal j, jsonb_array_elements(j.body::jsonb #> '{sale,rewards}') r
       WHERE j.kind = 'sale' AND jsonb_typeof(j.body::jsonb #> '{sale,rewards}') = 'array'
       GROUP BY j.card_id, j.txn_id, j.occurred_at, r.value ->> 'rewardId' ON CONFLICT DO NOTHING`,
      `INSERT INTO meta VALUES ('reward_uses', 1) ON CONFLICT DO NOTHING`,
    ],
  },
];

/** Reads the schema version (0: none recorded yet, a schema of before the version was kept). */
export const schemaVersionQuery = `SELECT COALESCE((SELECT value FROM meta WHERE key = 'schema_version'), 0) AS version`;

export const setSchemaVersion = `INSERT INTO meta VALUES ('schema_version', $1)
  ON CONFLICT (key) DO UPDATE SET value = excluded.value`;
