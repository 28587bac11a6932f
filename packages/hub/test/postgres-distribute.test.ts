import { citusTestMode } from '@tillpoint/test-kit/citus-mode';
import { runHubCli } from '@tillpoint/test-kit/hub-cli';
import fc from 'fast-check';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { distributeSchema, distributionPlan, readDistributionPlan } from '../src/postgres-distribute';
import { PostgresHubStore } from '../src/postgres-hub-store';
import { postgresHubStores } from './postgres-hub-stores';
import { createSchema3, makeOlderThan3 } from './postgres-schema-3';

/**
 * The Citus distribution step. Citus cannot be installed here: the plan is checked on the real
 * schema of plain PostgreSQL, and the step itself against stand-ins for Citus's two functions
 * and its placement catalog (made in pg_catalog, where Citus keeps them, on this file's own
 * server), which record what they were asked to place.
 */
const hub = postgresHubStores('dist');

const run = runHubCli;

/** The tables of the schema and where they belong (issue 20: card-keyed by card id, the rest reference). */
const cardTables = [
  'card',
  'card_cap',
  'card_day',
  'card_enrolment',
  'card_erasure',
  'card_feed',
  'card_flag',
  'card_grant',
  'card_profile',
  'card_reward_use',
  'card_store',
  'card_traits',
  'enrol_conflict',
  'erased_profile_ref',
  'feed_change',
  'journal',
  'journal_redaction',
  'lot',
  'posting',
  'report_card_month',
  'return_pending',
  'reward_coupon',
  'sale_fact',
  'sale_line',
];
const referenceTables = [
  // Coupons taken, keyed by code (written by a check that redeems, never by a push).
  'coupon_redemption',
  'hub_setting',
  'meta',
  'report_setting',
  // Chain-wide reward stock: one row a stocked reward, written by the pushes that take it.
  'reward_stock',
  'rule_set',
  'store_group',
  'store_limits',
  'till',
];
/** The report rollups a push writes: with its till's cursor row (by till, or by the writing till). */
const tillTables: [string, string][] = [
  ['report_active_month', 'writer'],
  ['report_points_day', 'writer'],
  ['report_rule_day', 'writer'],
  ['report_store_day', 'writer'],
  ['report_till', 'till_id'],
  ['report_till_agent', 'till_id'],
  // The rule-set version each till reports on its pulls.
  ['till_rules', 'till_id'],
];

const expectedStatements = (schema: string) => [
  `SELECT create_distributed_table('${schema}.card', 'card_id', colocate_with => 'none')`,
  ...cardTables
    .filter((t) => t !== 'card')
    .map(
      (t) =>
        `SELECT create_distributed_table('${schema}.${t}', 'card_id', colocate_with => '${schema}.card')`,
    ),
  `SELECT create_distributed_table('${schema}.till_cursor', 'till_id', colocate_with => 'none')`,
  ...tillTables.map(
    ([t, column]) =>
      `SELECT create_distributed_table('${schema}.${t}', '${column}', colocate_with => '${schema}.till_cursor')`,
  ),
  ...referenceTables.map((t) => `SELECT create_reference_table('${schema}.${t}')`),
];

describe('Citus distribution: which table goes where', () => {
  it('places by the rule: card_id in every unique key → by card, till_cursor by till, admin_* left local, else reference', () => {
    const plan = distributionPlan(
      's',
      [
        { name: 'report_day', columns: ['store_id', 'day', 'total'], uniqueKeys: [['store_id', 'day']] },
        { name: 'lot', columns: ['card_id', 'lot_id'], uniqueKeys: [['card_id', 'lot_id']] },
        { name: 'card_alias', columns: ['card_id', 'alias'], uniqueKeys: [['card_id'], ['alias']] },
        { name: 'till_cursor', columns: ['till_id', 'epoch'], uniqueKeys: [['till_id', 'epoch']] },
        { name: 'card', columns: ['card_id', 'points'], uniqueKeys: [['card_id']] },
        { name: 'feed_change', columns: ['card_id', 'block'], uniqueKeys: [] },
        { name: 'meta', columns: ['key', 'value'], uniqueKeys: [['key']] },
        { name: 'admin_user', columns: ['id', 'login'], uniqueKeys: [['id'], ['login']] },
      ],
      new Map([
        ['lot', 'h'],
        ['meta', 'h'],
      ]),
    );
    expect(plan.steps.map((s) => [s.table, s.placement])).toEqual([
      ['card', 'card'],
      ['feed_change', 'card'],
      ['till_cursor', 'till'],
      ['card_alias', 'reference'],
      ['report_day', 'reference'],
    ]);
    expect(plan.misplaced).toEqual([{ table: 'meta', is: 'h', should: 'reference' }]);
  });

  it('places every table once, card before its colocated tables, whatever the tables and what is placed (property)', () => {
    const name = fc.constantFrom(
      'card',
      'lot',
      'till_cursor',
      'meta',
      'report_day',
      'card_badge',
      'feed_change',
      'till',
      'admin_user',
    );
    const table = fc.record({
      name,
      columns: fc.subarray(['card_id', 'till_id', 'store_id', 'value']),
      uniqueKeys: fc.array(fc.subarray(['card_id', 'till_id', 'store_id']), { maxLength: 2 }),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(table, { selector: (t) => t.name, maxLength: 8 }),
        fc.dictionary(name, fc.constantFrom('h', 'n')),
        (tables, placedObject) => {
          const placed = new Map(Object.entries(placedObject));
          const plan = distributionPlan('s', tables, placed);
          // Each table: a step when not placed; else misplaced exactly when its method differs from the rule's.
          for (const t of tables) {
            if (t.name.startsWith('admin_')) {
              expect([...plan.steps, ...plan.misplaced].some((x) => x.table === t.name)).toBe(false);
              continue;
            }
            const should = ['till_cursor', 'till_rules', 'report_till', 'report_till_agent'].includes(t.name)
              ? 'till'
              : t.columns.includes('card_id') && t.uniqueKeys.every((k) => k.includes('card_id'))
                ? 'card'
                : 'reference';
            const steps = plan.steps.filter((x) => x.table === t.name);
            const is = placed.get(t.name);
            expect(steps.map((x) => x.placement)).toEqual(is === undefined ? [should] : []);
            expect(plan.misplaced.filter((m) => m.table === t.name).length).toBe(
              is !== undefined && is !== (should === 'reference' ? 'n' : 'h') ? 1 : 0,
            );
          }
          expect(plan.steps.length).toBe(
            tables.filter((t) => !placed.has(t.name) && !t.name.startsWith('admin_')).length,
          );
          // The card group starts with card (when card is placed in this run), the rest colocate with it.
          const cardSteps = plan.steps.filter((x) => x.placement === 'card').map((x) => x.table);
          if (cardSteps.includes('card')) expect(cardSteps[0]).toBe('card');
          const order = plan.steps.map((x) => ({ card: 1, till: 2, reference: 3 })[x.placement]);
          expect(order).toEqual([...order].sort((a, b) => a - b));
        },
      ),
      { numRuns: 300 },
    );
  });

  // In the Citus test mode every schema opened here is already distributed: see the last block.
  it.skipIf(citusTestMode)(
    'plans every table of a fresh hub schema, card tables colocated with card',
    {
      timeout: 60_000,
    },
    async () => {
      const store = await hub.open();
      const schema = hub.lastSchema();
      await store.close();
      const client = new pg.Client({ connectionString: hub.url() });
      await client.connect();
      try {
        const plan = await readDistributionPlan(client, schema);
        expect(plan.steps.map((s) => s.sql)).toEqual(expectedStatements(schema));
        expect(plan.misplaced).toEqual([]);
      } finally {
        await client.end();
      }
    },
  );

  it.skipIf(citusTestMode)(
    'tillpoint-hub distribute: prints the plan with --dry-run, refuses without Citus or on SQLite',
    {
      timeout: 120_000,
    },
    async () => {
      await (await hub.open()).close();
      const schema = hub.lastSchema();
      const dry = await run(['distribute', '--db', hub.url(), '--schema', schema, '--dry-run']);
      expect(dry.code).toBe(0);
      expect(dry.out.trim().split('\n')).toEqual([
        ...expectedStatements(schema).map((s) => `${s};`),
        `41 table(s) to place in schema ${schema}`,
      ]);
      const refused = await run(['distribute', '--db', hub.url(), '--schema', schema]);
      expect(refused.code).toBe(2);
      expect(refused.out).toMatch(
        /^tillpoint-hub: citus_missing: the database at postgres:\/\/postgres:\*\*\*@.* has no Citus extension: run CREATE EXTENSION citus/,
      );
      const sqlite = await run(['distribute', '--db', 'hub.sqlite']);
      expect([sqlite.code, sqlite.out]).toEqual([
        2,
        'tillpoint-hub: invalid_option: --db: distribute is for a PostgreSQL database with the Citus extension (a postgres:// URL), not hub.sqlite\n',
      ]);
    },
  );
});

/** Stand-ins for Citus's functions and catalog, as their signatures are (one statement a query). */
const citusStandIns = [
  'SET allow_system_table_mods = on',
  `CREATE TABLE pg_catalog.pg_dist_partition (logicalrelid regclass NOT NULL, partmethod "char" NOT NULL,
   placed text)`,
  `CREATE FUNCTION pg_catalog.create_distributed_table(table_name regclass, distribution_column text,
   colocate_with text DEFAULT 'default') RETURNS void LANGUAGE sql
   AS $$ INSERT INTO pg_catalog.pg_dist_partition VALUES (table_name, 'h', distribution_column || ' ' || colocate_with) $$`,
  `CREATE FUNCTION pg_catalog.create_reference_table(table_name regclass) RETURNS void LANGUAGE sql
   AS $$ INSERT INTO pg_catalog.pg_dist_partition VALUES (table_name, 'n', 'reference') $$`,
];

// Never on a real Citus node: the stand-ins are made (and dropped) where Citus keeps its catalog.
describe.skipIf(citusTestMode)('Citus distribution: the step, against stand-ins for Citus', () => {
  it('places every table once, and at a later open the tables an upgrade added', {
    timeout: 120_000,
  }, async () => {
    await (await hub.open()).close();
    const schema = hub.lastSchema();
    const admin = new pg.Client({ connectionString: hub.url() });
    await admin.connect();
    try {
      for (const statement of citusStandIns) await admin.query(statement);
      const placed = async () =>
        Object.fromEntries(
          (
            await admin.query(
              `SELECT c.relname AS t, p.placed FROM pg_catalog.pg_dist_partition p JOIN pg_class c ON c.oid = p.logicalrelid
               JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 ORDER BY c.relname`,
              [schema],
            )
          ).rows.map((r) => [r.t, r.placed]),
        );
      const first = await run(['distribute', '--db', hub.url(), '--schema', schema]);
      expect(first.code).toBe(0);
      expect(first.out).toContain('card: distributed by card_id, colocated with card\n');
      expect(first.out).toContain(`41 table(s) placed in schema ${schema}`);
      const expected = Object.fromEntries([
        ...cardTables.map((t) => [t, t === 'card' ? 'card_id none' : `card_id ${schema}.card`]),
        ['till_cursor', 'till_id none'],
        ...tillTables.map(([t, column]) => [t, `${column} ${schema}.till_cursor`]),
        ...referenceTables.map((t) => [t, 'reference']),
      ]);
      expect(await placed()).toEqual(expected);
      const again = await run(['distribute', '--db', hub.url(), '--schema', schema]);
      expect(again.out).toContain(`0 table(s) placed in schema ${schema}`);

      // A later version's upgrade adds tables: the next open places them by the same rule.
      await admin.query(`CREATE TABLE ${schema}.card_badge (card_id text PRIMARY KEY, badge text NOT NULL)`);
      await admin.query(
        `CREATE TABLE ${schema}.store_day (store_id text, day bigint, PRIMARY KEY (store_id, day))`,
      );
      await (await PostgresHubStore.open({ connectionString: hub.url(), schema, partitions: 4 })).close();
      expect(await placed()).toEqual({
        ...expected,
        card_badge: `card_id ${schema}.card`,
        store_day: 'reference',
      });
    } finally {
      for (const statement of [
        'DROP FUNCTION pg_catalog.create_reference_table(regclass)',
        'DROP FUNCTION pg_catalog.create_distributed_table(regclass, text, text)',
        'DROP TABLE pg_catalog.pg_dist_partition',
      ])
        await admin.query(statement).catch(() => undefined);
      await admin.end();
    }
  });
});

/** Where Citus's catalog says each table of the schema is: method, column, colocation group. */
async function citusPlacement(client: pg.ClientBase, schema: string) {
  const rows = (
    await client.query(
      `SELECT c.relname AS t, p.partmethod AS method, p.colocationid AS colocation,
         CASE WHEN p.partmethod = 'h' THEN column_to_column_name(p.logicalrelid, p.partkey) END AS column
       FROM pg_dist_partition p JOIN pg_class c ON c.oid = p.logicalrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND NOT c.relispartition`,
      [schema],
    )
  ).rows as { t: string; method: string; colocation: number; column: string | null }[];
  return new Map(rows.map((r) => [r.t, r]));
}

/** What the rule says, in Citus's terms, with the colocation group named by its first table. */
function expectedPlacement(placed: Awaited<ReturnType<typeof citusPlacement>>) {
  const group = (table: string) => placed.get(table)?.colocation;
  return Object.fromEntries([
    ...cardTables.map((t) => [t, { method: 'h', column: 'card_id', colocation: group('card') }]),
    ['till_cursor', { method: 'h', column: 'till_id', colocation: group('till_cursor') }],
    ...tillTables.map(([t, column]) => [t, { method: 'h', column, colocation: group('till_cursor') }]),
    ...referenceTables.map((t) => [t, { method: 'n', column: null, colocation: group('meta') }]),
  ]);
}

const seen = (placed: Awaited<ReturnType<typeof citusPlacement>>) =>
  Object.fromEntries(
    [...placed].map(([t, r]) => [t, { method: r.method, column: r.column, colocation: r.colocation }]),
  );

// Only on a real Citus coordinator with workers (TILLPOINT_TEST_CITUS=1, DATABASE_URL at it).
describe.runIf(citusTestMode)('Citus distribution on a real Citus cluster', () => {
  it('tillpoint-hub distribute places every table once; a later open places the tables an upgrade added', {
    timeout: 300_000,
  }, async () => {
    const schema = `dist_real_${process.pid}`;
    await (await PostgresHubStore.open({ connectionString: hub.url(), schema, partitions: 4 })).close();
    const client = new pg.Client({ connectionString: hub.url() });
    await client.connect();
    try {
      const dry = await run(['distribute', '--db', hub.url(), '--schema', schema, '--dry-run']);
      expect(dry.out.trim().split('\n')).toEqual([
        ...expectedStatements(schema).map((s) => `${s};`),
        `41 table(s) to place in schema ${schema}`,
      ]);
      const first = await run(['distribute', '--db', hub.url(), '--schema', schema]);
      expect([first.code, first.out]).toEqual([
        0,
        expect.stringContaining(`41 table(s) placed in schema ${schema}`),
      ]);
      const placed = await citusPlacement(client, schema);
      expect(seen(placed)).toEqual(expectedPlacement(placed));
      expect(placed.get('card')?.colocation).not.toBe(placed.get('till_cursor')?.colocation);
      // Shards on both workers.
      const nodes = await client.query(
        `SELECT count(DISTINCT nodeport)::int AS nodes FROM pg_dist_shard s JOIN pg_dist_placement p USING (shardid)
         JOIN pg_dist_node d ON d.groupid = p.groupid WHERE s.logicalrelid = $1::regclass`,
        [`${schema}.journal`],
      );
      expect(nodes.rows[0]?.nodes).toBeGreaterThanOrEqual(2);
      const again = await run(['distribute', '--db', hub.url(), '--schema', schema]);
      expect(again.out).toContain(`0 table(s) placed in schema ${schema}`);

      // A later version's upgrade adds tables: the next open places them by the same rule.
      await client.query(
        `CREATE TABLE ${schema}.card_badge (card_id text COLLATE "C" PRIMARY KEY, badge text NOT NULL)`,
      );
      await client.query(
        `CREATE TABLE ${schema}.store_day (store_id text, day bigint, PRIMARY KEY (store_id, day))`,
      );
      await (await PostgresHubStore.open({ connectionString: hub.url(), schema, partitions: 4 })).close();
      const later = await citusPlacement(client, schema);
      expect(seen(later).card_badge).toEqual({
        method: 'h',
        column: 'card_id',
        colocation: later.get('card')?.colocation,
      });
      expect(seen(later).store_day).toEqual({
        method: 'n',
        column: null,
        colocation: later.get('meta')?.colocation,
      });
    } finally {
      await client.query(`DROP SCHEMA ${schema} CASCADE`).catch(() => undefined);
      await client.end();
    }
  });

  it('upgrades a distributed schema of version 3 (issue 20.1), its new tables placed, and the hub runs on it', {
    timeout: 300_000,
  }, async () => {
    const schema = `dist_v3_${process.pid}`;
    const client = new pg.Client({ connectionString: hub.url() });
    await client.connect();
    try {
      await createSchema3(client, schema);
      await makeOlderThan3(client);
      await client.query('RESET search_path');
      // The old schema's tables distributed as they are, then the hub upgrades it in place.
      const old = await distributeSchema(client, schema, schema);
      expect(old.steps.length).toBeGreaterThan(5);
      await (await PostgresHubStore.open({ connectionString: hub.url(), schema, partitions: 4 })).close();
      const placed = await citusPlacement(client, schema);
      // The tables the upgrade added are placed too: every table where the rule says.
      expect(placed.size).toBeGreaterThan(old.steps.length);
      expect(seen(placed)).toEqual(expectedPlacement(placed));
      const again = await run(['distribute', '--db', hub.url(), '--schema', schema, '--dry-run']);
      expect(again.out).toContain(`0 table(s) to place in schema ${schema}`);
      await (await PostgresHubStore.open({ connectionString: hub.url(), schema, partitions: 4 })).close();
    } finally {
      await client.query(`DROP SCHEMA ${schema} CASCADE`).catch(() => undefined);
      await client.end();
    }
  });
});
