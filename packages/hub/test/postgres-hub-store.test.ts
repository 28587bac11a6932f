import { describe, expect, it } from 'vitest';
import { phoneHash } from '../src/chain/card-profile-rules';
import type { TierPolicy } from '../src/chain/tier-window';
import type { HubStore } from '../src/hub-store';
import { PostgresHubStore } from '../src/postgres-hub-store';
import type { CatalogCell } from './contract/contract-context';
import { pullAll } from './contract/feed-paging-contract';
import { postgresHubStores } from './postgres-hub-stores';
import { hubStoreContract } from './store-contract';
import { SyntheticTill } from './synthetic-till';
import { freePort } from './test-postgres';

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
  timeoutMs: 60_000,
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

  it('gives each card a feed number of its own and publishes the head, so pages can split an old write', async () => {
    const store = await open()();
    const schema = pg.lastSchema();
    await store.addTill({ storeId: 's1', tillId: 't1', codeHash: 'x', codeExpiresAt: 0 });
    const till = new SyntheticTill('t1');
    for (let i = 0; i < 5; i++) till.earn(`old-${i}`, 10 + i);
    await store.applyBatch({ tillId: 't1', storeId: 's1', entries: till.slice(1, 5), now: 1 });
    // As an older hub left it: one number for the whole write, no published head, no version.
    for (const sql of [
      'UPDATE card SET changed_seq = 3',
      "UPDATE meta SET value = 3 WHERE key = 'change_seq'",
      "DELETE FROM meta WHERE key IN ('published_change_seq', 'schema_version')",
      'DROP TABLE change_published',
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
      for (const cursor of [0, 3]) {
        const { pages } = await pullAll(upgraded, { tillId: 't1', storeId: 's1', cursor, limit: 2, now: 1 });
        for (const page of pages) expect(page.balances.length).toBeLessThanOrEqual(2);
        expect(pages.flatMap((p) => p.balances.map((b) => [b.cardId, b.available]))).toEqual(
          Array.from({ length: 5 }, (_, i) => [`old-${i}`, 10 + i]),
        );
      }
      // Writes go on from the new head.
      till.earn('old-0', 1);
      await upgraded.applyBatch({ tillId: 't1', storeId: 's1', entries: till.slice(6, 6), now: 1 });
      const next = await upgraded.changesSince({ tillId: 't1', storeId: 's1', cursor: 8, limit: 10, now: 1 });
      expect(next.balances.map((b) => [b.cardId, b.available])).toEqual([['old-0', 11]]);
    } finally {
      await upgraded.close();
    }
  });
});
