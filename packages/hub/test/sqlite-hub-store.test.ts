import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syncCardCapsMax } from '@tillpoint/protocol';
import { SyntheticTill } from '@tillpoint/test-kit/synthetic-till';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { phoneHash } from '../src/chain/card-profile-rules';
import type { HubStore } from '../src/hub-store';
import { SqliteHubStore, type SqliteHubStoreOptions } from '../src/sqlite-hub-store';
import { hubMigrations } from '../src/sqlite-schema';
import type { CatalogCell } from './contract/contract-context';
import { pullAll } from './contract/feed-paging-contract';
import { hubStoreContract } from './store-contract';

const contractDir = mkdtempSync(join(tmpdir(), 'tillpoint-hub-contract-'));
afterAll(() => rmSync(contractDir, { recursive: true, force: true }));
const paths = new WeakMap<HubStore, string>();
let files = 0;
const fileStore = (options: SqliteHubStoreOptions = {}) => {
  const path = join(contractDir, `hub-${++files}.sqlite`);
  const store = new SqliteHubStore(path, options);
  paths.set(store, path);
  return store;
};

/** Every cell of every table of the file, read through the catalog (sqlite_schema). */
async function sqliteCatalog(store: HubStore): Promise<CatalogCell[]> {
  const db = new Database(paths.get(store) as string, { readonly: true });
  try {
    const tables = db
      .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
      .pluck()
      .all() as string[];
    const cells: CatalogCell[] = [];
    for (const table of tables)
      for (const row of db.prepare(`SELECT * FROM "${table}"`).all() as Record<string, unknown>[])
        for (const [column, value] of Object.entries(row))
          if (value !== null) cells.push({ table, column, value: String(value) });
    return cells;
  } finally {
    db.close();
  }
}

hubStoreContract('SQLite', async () => fileStore(), {
  propertyRuns: 60,
  catalog: sqliteCatalog,
  openWithPolicy: async (tierPolicy) => fileStore({ tierPolicy }),
  reopenWithPolicy: async (store, tierPolicy) => {
    const path = paths.get(store) as string;
    await store.close();
    const again = new SqliteHubStore(path, { tierPolicy });
    paths.set(again, path);
    return again;
  },
});

describe('SqliteHubStore on a file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tillpoint-hub-sqlite-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  const file = () => join(dir, `hub-${++n}.sqlite`);

  it('answers database_locked, writing nothing, while another process holds the write lock', async () => {
    const path = file();
    const store = new SqliteHubStore(path, { busyTimeoutMs: 50 });
    await store.addTill({ storeId: 's1', tillId: 't1', codeHash: 'x', codeExpiresAt: 0 });
    const other = new Database(path);
    other.exec('BEGIN IMMEDIATE');
    const till = new SyntheticTill('t1');
    till.earn('card-a', 10);
    try {
      await expect(
        store.applyBatch({ tillId: 't1', storeId: 's1', entries: till.slice(1, 1), now: 1 }),
      ).rejects.toMatchObject({ name: 'HubStoreError', code: 'database_locked' });
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expect(
      await store.applyBatch({ tillId: 't1', storeId: 's1', entries: till.slice(1, 1), now: 1 }),
    ).toMatchObject({
      kind: 'applied',
    });
    await store.close();
  });

  it('refuses a file written by a newer hub, and a file that is not a database, with their codes', () => {
    const newer = file();
    const db = new Database(newer);
    db.pragma(`user_version = ${hubMigrations.length + 1}`);
    db.close();
    expect(() => new SqliteHubStore(newer)).toThrow(expect.objectContaining({ code: 'schema_mismatch' }));
    const garbage = file();
    writeFileSync(garbage, 'not a database at all, just text that is long enough to be read'.repeat(100));
    expect(() => new SqliteHubStore(garbage)).toThrow(expect.objectContaining({ code: 'database_corrupt' }));
  });

  it('gives each card of an older file a feed number of its own, so pages can split what one write changed', async () => {
    const path = file();
    const old = new Database(path);
    old.exec(hubMigrations[0] as string);
    // An older hub numbered a write's cards alike: five cards all changed at number 3.
    for (let i = 0; i < 5; i++) {
      old.prepare('INSERT INTO card (card_id, points, changed_seq) VALUES (?, ?, 3)').run(`old-${i}`, 10 + i);
      old.prepare("INSERT INTO card_store VALUES (?, 's1')").run(`old-${i}`);
      old.prepare('INSERT INTO lot VALUES (?, ?, ?, ?, 0, NULL)').run(`old-${i}`, `lot-${i}`, 10 + i, 10 + i);
    }
    old.prepare("UPDATE card SET blocked = 1, block_changed_seq = 2 WHERE card_id = 'old-4'").run();
    old.prepare("UPDATE meta SET value = 3 WHERE key = 'change_seq'").run();
    old.close();
    const store = new SqliteHubStore(path);
    await store.addTill({ storeId: 's1', tillId: 't1', codeHash: 'x', codeExpiresAt: 0 });
    for (const cursor of [0, 3]) {
      const { pages } = await pullAll(store, { tillId: 't1', storeId: 's1', cursor, limit: 2, now: 1 });
      for (const page of pages) expect(page.balances.length).toBeLessThanOrEqual(2);
      const seen = pages.flatMap((p) => p.balances.map((b) => [b.cardId, b.available]));
      expect(seen).toEqual(Array.from({ length: 5 }, (_, i) => [`old-${i}`, 10 + i]));
      expect(pages.flatMap((p) => p.blocklist.map((b) => b.cardId))).toEqual(['old-4']);
    }
    await store.close();
    // Opened again: nothing more to do.
    const again = new SqliteHubStore(path);
    expect(
      (await again.changesSince({ tillId: 't1', storeId: 's1', cursor: 8, limit: 2, now: 1 })).balances,
    ).toEqual([]);
    await again.close();
  });

  it('moves the phone of enrolments written before this design out of the journal when it upgrades a file', async () => {
    const path = file();
    const old = new Database(path);
    for (const migration of hubMigrations.slice(0, 2)) old.exec(migration);
    old.pragma('user_version = 2');
    const t1 = new SyntheticTill('t1');
    const t3 = new SyntheticTill('t3');
    const entries = [
      t3.enrolLegacy('card-a', '+79160000003', 700), // later: a conflict
      t1.enrolLegacy('card-a', '+79160000001', 500), // first: the card's
      t1.enrolLegacy('card-b', '+79160000002', 600),
    ];
    const insert = old.prepare('INSERT INTO journal VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
    for (const e of entries)
      insert.run(
        e.cardId,
        e.tillId,
        e.epoch,
        e.seq,
        e.txnId,
        e.kind,
        e.occurredAt,
        e.hash,
        JSON.stringify(e),
      );
    old.close();
    const store = new SqliteHubStore(path);
    const key = await store.phoneLookupKey();
    expect(await store.getCardState('card-a', 1)).toBeNull(); // no balance row yet: not sent to tills
    expect((await store.enrolConflicts(10)).map((c) => [c.cardId, c.tillId, c.hasPhone])).toEqual([
      ['card-a', 't3', true],
    ]);
    await store.close();
    const db = new Database(path, { readonly: true });
    const bodies = db.prepare('SELECT body FROM journal').pluck().all() as string[];
    expect(bodies.some((b) => b.includes('+7916'))).toBe(false);
    expect(db.prepare('SELECT count(*) FROM journal_redaction').pluck().get()).toBe(3);
    expect(db.prepare('SELECT card_id, phone_hash FROM card_profile ORDER BY card_id').all()).toEqual([
      { card_id: 'card-a', phone_hash: phoneHash(key, '+79160000001') },
      { card_id: 'card-b', phone_hash: phoneHash(key, '+79160000002') },
    ]);
    expect(
      db.prepare('SELECT card_id, till_id, enrolled_at FROM card_enrolment ORDER BY card_id').all(),
    ).toEqual([
      { card_id: 'card-a', till_id: 't1', enrolled_at: 500 },
      { card_id: 'card-b', till_id: 't1', enrolled_at: 600 },
    ]);
    db.close();
  });

  it(`keeps at most ${syncCardCapsMax} per-card caps (all of a store's go with every page), refusing one more`, async () => {
    const store = new SqliteHubStore(':memory:');
    for (let i = 0; i < syncCardCapsMax; i++) await store.setCardCap(`capped-${i}`, i % 50);
    await expect(store.setCardCap('one-more', 5)).rejects.toMatchObject({
      name: 'HubStoreError',
      code: 'limit_reached',
    });
    await store.setCardCap('capped-7', 99); // changing a kept cap is fine
    await store.setCardCap('capped-8', null);
    await store.setCardCap('one-more', 5);
    await store.close();
  }, 60_000);
});
