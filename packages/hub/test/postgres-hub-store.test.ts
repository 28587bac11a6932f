import { citusTestMode } from '@tillpoint/test-kit/citus-mode';
import { SyntheticTill } from '@tillpoint/test-kit/synthetic-till';
import { freePort } from '@tillpoint/test-kit/test-postgres';
import { Pool } from 'pg';
import { describe, expect, it } from 'vitest';
import { phoneHash } from '../src/chain/card-profile-rules';
import type { TierPolicy } from '../src/chain/tier-window';
import type { HubStore } from '../src/hub-store';
import { PostgresHubStore } from '../src/postgres-hub-store';
import type { CatalogCell } from './contract/contract-context';
import { postgresHubStores } from './postgres-hub-stores';
import { createSchema3 } from './postgres-schema-3';
import { hubStoreContract } from './store-contract';

const pg = postgresHubStores('t');
const open = () => () => pg.open();

const schemas = new WeakMap<HubStore, string>();
const remember = (store: PostgresHubStore) => {
  schemas.set(store, pg.lastSchema());
  return store;
};

/** Every cell of every table of the store's schema, read through information_schema (partitions included). */
async function postgresCatalog(store: HubStore): Promise<CatalogCell[]> {
  const pool = (store as PostgresHubStore).pool;
  const tables = (
    await pool.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()
       AND table_type = 'BASE TABLE' ORDER BY table_name`,
    )
  ).rows as { table_name: string }[];
  const cells: CatalogCell[] = [];
  for (const { table_name: table } of tables)
    for (const row of (await pool.query(`SELECT * FROM ONLY "${table}"`)).rows as Record<string, unknown>[])
      for (const [column, value] of Object.entries(row))
        if (value !== null)
          cells.push({
            table: table.replace(/_(p\d+|default|y\d{4}m\d{2})$/, ''),
            column,
            value: String(value),
          });
  return cells;
}

const chainOptions = {
  catalog: postgresCatalog,
  openWithPolicy: async (tierPolicy: TierPolicy) => remember(await pg.open({ tierPolicy })),
  reopenWithPolicy: async (store: HubStore, tierPolicy: TierPolicy) => {
    const schema = schemas.get(store) as string;
    await store.close();
    const again = await PostgresHubStore.open({
      connectionString: pg.url(),
      schema,
      partitions: 4,
      poolMax: 2,
      tierPolicy,
    });
    schemas.set(again, schema);
    return again;
  },
};

hubStoreContract('PostgreSQL', async () => remember(await open()()), {
  propertyRuns: 15,
  // On Citus each fresh store's schema is distributed first (seconds a store).
  timeoutMs: citusTestMode ? 900_000 : 60_000,
  ...chainOptions,
});

describe('PostgresHubStore: failures are HubStoreErrors with their codes', () => {
  it('answers database_unreachable for a server that is not there', async () => {
    const port = await freePort();
    await expect(
      PostgresHubStore.open({ connectionString: `postgres://hub:secret@127.0.0.1:${port}/loyalty` }),
    ).rejects.toMatchObject({ name: 'HubStoreError', code: 'database_unreachable' });
    await expect(
      PostgresHubStore.open({ connectionString: `postgres://hub:secret@127.0.0.1:${port}/loyalty` }),
    ).rejects.toThrow(/hub:\*\*\*@/); // the password is not in the message
  });

  it('refuses a schema written by a newer hub (schema_mismatch)', async () => {
    const store = await open()();
    const schema = pg.lastSchema();
    await store.pool.query("UPDATE meta SET value = 99 WHERE key = 'schema_version'");
    await store.close();
    await expect(PostgresHubStore.open({ connectionString: pg.url(), schema })).rejects.toMatchObject({
      name: 'HubStoreError',
      code: 'schema_mismatch',
    });
  });
});

describe('PostgresHubStore: an older schema is brought up to date when it opens', () => {
  it('moves the phone of enrolments written before this design out of the journal, once', async () => {
    const store = await open()();
    const schema = pg.lastSchema();
    await store.addTill({ storeId: 's1', tillId: 't1', codeHash: 'x', codeExpiresAt: 0 });
    await store.addTill({ storeId: 's2', tillId: 't3', codeHash: 'x', codeExpiresAt: 0 });
    const t1 = new SyntheticTill('t1');
    const t3 = new SyntheticTill('t3');
    t3.enrolLegacy('card-a', '+79160000003', 700);
    t1.enrolLegacy('card-a', '+79160000001', 500);
    await store.applyBatch({ tillId: 't1', storeId: 's1', entries: t1.entries, now: 1 });
    await store.applyBatch({ tillId: 't3', storeId: 's2', entries: t3.entries, now: 1 });
    // As a hub of schema 2 left it: the phones in the bodies, no enrolment, profile or note.
    for (const e of [...t1.entries, ...t3.entries])
      await store.pool.query('UPDATE journal SET body = $1 WHERE card_id = $2 AND txn_id = $3', [
        JSON.stringify(e),
        e.cardId,
        e.txnId,
      ]);
    for (const sql of [
      'DELETE FROM card_enrolment',
      'DELETE FROM enrol_conflict',
      'DELETE FROM card_profile',
      'DELETE FROM journal_redaction',
      "DELETE FROM meta WHERE key = 'chain_upgrade'",
      "UPDATE meta SET value = 2 WHERE key = 'schema_version'",
    ])
      await store.pool.query(sql);
    await store.close();
    const upgraded = await PostgresHubStore.open({
      connectionString: pg.url(),
      schema,
      partitions: 4,
      poolMax: 2,
    });
    try {
      const key = await upgraded.phoneLookupKey();
      const state = await upgraded.getCardState('card-a', 1);
      expect(state).toMatchObject({
        status: 'enrolled',
        enrolledAt: 500,
        phoneHash: phoneHash(key, '+79160000001'),
      });
      expect((await upgraded.enrolConflicts(10)).map((c) => [c.tillId, c.hasPhone])).toEqual([['t3', true]]);
      const bodies = (await upgraded.pool.query('SELECT body FROM journal')).rows as { body: string }[];
      expect(bodies.some((b) => b.body.includes('+7916'))).toBe(false);
      expect((await upgraded.pool.query('SELECT count(*)::int AS n FROM journal_redaction')).rows[0]).toEqual(
        { n: 2 },
      );
      // The chain still holds: a replay of the batch is recognised by its hashes.
      expect(await upgraded.applyBatch({ tillId: 't1', storeId: 's1', entries: t1.entries, now: 1 })).toEqual(
        {
          kind: 'replayed',
          ackedThrough: 1,
        },
      );
    } finally {
      await upgraded.close();
    }
  });

  it('moves the feed of a schema-3 database (one counter, change sets) to numbering after commit, keeping every cursor', async () => {
    // A schema as a hub of schema 3 made it (the fixture), with what such a hub wrote: five cards
    // numbered 1..5 (old-4 blocked at 5), a rule set at 6, the counter and the published head at 6.
    const pool = new Pool({ connectionString: pg.url() });
    const schema = `${pg.lastSchema() || 'up'}_v3`;
    try {
      const client = await pool.connect();
      try {
        await createSchema3(client, schema);
        await client.query(`INSERT INTO till VALUES ('t1', 's1', NULL, NULL, NULL)`);
        for (let i = 0; i < 5; i++) {
          const [card, points] = [`old-${i}`, 10 + i];
          await client.query(
            'INSERT INTO card (card_id, points, blocked, changed_seq, block_changed_seq, block_changed_at) VALUES ($1, $2, $3, $4, $5, $6)',
            [card, points, i === 4, i + 1, i === 4 ? 5 : 0, i === 4 ? 3_000 : 0],
          );
          await client.query("INSERT INTO card_store VALUES ($1, 's1')", [card]);
          await client.query('INSERT INTO lot VALUES ($1, $2, $3, $3, 0, NULL, NULL)', [
            card,
            `t1-lot-${i}`,
            points,
          ]);
          await client.query(
            `INSERT INTO posting VALUES ($1, $2, 0, 'member_available', $3, $4), ($1, $2, 1, 'issued_liability', $5, NULL)`,
            [card, `txn-${i}`, points, `t1-lot-${i}`, -points],
          );
        }
        await client.query("INSERT INTO rule_set VALUES (6, 'v6', 1000, '{}', 'sig')");
        await client.query("INSERT INTO change_set VALUES (5, '{old-0,old-1,old-2,old-3,old-4}')");
        await client.query(
          "UPDATE meta SET value = 6 WHERE key IN ('change_seq', 'published_change_seq'); UPDATE meta SET value = 7 WHERE key = 'hub_entry_seq'",
        );
      } finally {
        client.release();
      }
      const upgraded = await PostgresHubStore.open({
        connectionString: pg.url(),
        schema,
        partitions: 4,
        poolMax: 2,
      });
      try {
        const tables = (
          await upgraded.pool.query(
            `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()
           AND table_name IN ('change_set', 'change_published', 'card_feed', 'feed_change') ORDER BY table_name`,
          )
        ).rows.map((r) => r.table_name);
        expect(tables).toEqual(['card_feed', 'feed_change']);
        const pull = (cursor: number) =>
          upgraded.changesSince({ tillId: 't1', storeId: 's1', cursor, limit: 100, now: 1 });
        const all = await pull(0);
        expect(all.balances.map((b) => [b.cardId, b.available, b.blocked])).toEqual(
          Array.from({ length: 5 }, (_, i) => [`old-${i}`, 10 + i, i === 4]),
        );
        expect(all.blocklist).toEqual([{ cardId: 'old-4', blocked: true, changedAt: 3_000 }]);
        expect([all.cursor, all.ruleSets.map((r) => r.version)]).toEqual([6, ['v6']]);
        // A till whose cursor the old hub handed out gets exactly what came after it.
        expect((await pull(3)).balances.map((b) => b.cardId)).toEqual(['old-3', 'old-4']);
        expect((await pull(6)).balances).toEqual([]);
        // New changes are numbered after the old head; head office's entries after its old counter.
        const till = new SyntheticTill('t1');
        till.earn('old-0', 1);
        await upgraded.applyBatch({ tillId: 't1', storeId: 's1', entries: till.slice(1, 1), now: 1 });
        const next = await pull(6);
        expect([next.cursor, next.balances.map((b) => [b.cardId, b.available])]).toEqual([
          7,
          [['old-0', 11]],
        ]);
        expect((await upgraded.pool.query("SELECT nextval('hub_entry_seq') AS n")).rows[0]).toEqual({ n: 8 });
        expect(await upgraded.unbalancedCards(10)).toEqual([]);
      } finally {
        await upgraded.close();
      }
    } finally {
      await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await pool.end();
    }
  });
});
