import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadProgramFile, type ProgramVersion } from '@tillpoint/rules';
import type { TestPostgres } from '@tillpoint/test-kit/test-postgres';
import Database from 'better-sqlite3';
import pg from 'pg';
import { tierPolicyOf } from '../src/chain/tier-window';
import { type GeneratedChain, generateChain } from '../src/history/generate-chain';
import { PostgresHubStore } from '../src/postgres-hub-store';

/** Shared by the history tests: the programs, a generated chain, a child process killed and resumed, table dumps. */
export const period = { from: Date.UTC(2025, 0, 1), to: Date.UTC(2026, 0, 1) };

export async function program(name: 'program-booked' | 'program-draft'): Promise<ProgramVersion> {
  const loaded = await loadProgramFile(
    fileURLToPath(new URL(`../../../fixtures/import/${name}.json`, import.meta.url)),
  );
  if (!loaded.ok) throw new Error(loaded.message);
  return loaded.value;
}

export async function chain(dir: string, cards: number, receipts: number): Promise<GeneratedChain> {
  const booked = await program('program-booked');
  const generated = await generateChain({
    seed: 7,
    cards,
    stores: 4,
    tillsPerStore: 2,
    receipts,
    linesPerReceipt: 6,
    returnShare: 0.08,
    ...period,
    program: booked,
    policy: tierPolicyOf(JSON.stringify(booked.program)),
    dir,
  });
  // Rows the import must refuse, each with its line: a bad amount, a return of an unknown receipt.
  appendFileSync(
    generated.files.sales,
    'bad-1,s0,s0-t0,7700000000000,2025-06-01T10:00:00Z,c1,RUB,,line,1,sku-1,cat-1,1,1000,900,0,,0,,0,0,,\n',
  );
  appendFileSync(generated.files.returns, 'ret-x,7700000000000,2025-06-02T10:00:00Z,no-such,s0,,1,1,\n');
  return generated;
}

/** The four import files of a generated chain in `dir`. */
export const importFiles = (dir: string) => ({
  cards: join(dir, 'cards.csv'),
  balances: join(dir, 'balances.csv'),
  sales: join(dir, 'sales.csv'),
  returns: join(dir, 'returns.csv'),
});

/** A new database `name` on the test server with head office's schema: its URL. */
export async function postgresHub(server: TestPostgres, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = server.url.replace(/\/[^/]*$/, `/${name}`);
  await (await PostgresHubStore.open({ connectionString: url })).close();
  return url;
}

const child = fileURLToPath(new URL('./history-child.ts', import.meta.url));

/** Runs the child command, SIGKILLing it after random delays until it finishes; answers the kills. */
export async function killedUntilDone(
  args: string[],
  random: () => number,
  killsMax: number,
  /** Called after each kill (a test notes how far the work had gone). */
  afterKill: () => Promise<void> = async () => undefined,
  /** Kills already made on this work by an earlier call (the window starts as wide as theirs left it). */
  killsBefore = 0,
): Promise<number> {
  let kills = 0;
  for (;;) {
    const proc = spawn(process.execPath, ['--import', 'tsx', child, ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let errors = '';
    proc.stderr?.on('data', (b: Buffer) => {
      errors += b.toString();
    });
    const exited = once(proc, 'exit');
    // The window grows by half at each kill (0.2-1.7 s, then 0.3-2.55 s, ...): on a quick machine
    // a short piece of work (a re-accrual of a few hundred cards) is still reached before it ends;
    // on a slow one the later kills still reach past the start-up into the work.
    const scale = 1.5 ** (kills + killsBefore);
    const timer =
      kills < killsMax
        ? setTimeout(() => proc.kill('SIGKILL'), Math.floor(scale * (200 + random() * 1500)))
        : undefined;
    const [code, signal] = (await exited) as [number | null, string | null];
    clearTimeout(timer);
    if (signal === 'SIGKILL') {
      kills += 1;
      await afterKill();
      continue;
    }
    if (code !== 0) throw new Error(`the child failed (${code}):\n${errors}`);
    return kills;
  }
}

/** Tables the import and re-accrual write, each as sorted text rows (clock-free columns only). */
export const dumpedTables: Record<string, string> = {
  card: 'card_id, points, overdraft, blocked, flagged, changed_seq, block_changed_seq, lifetime_spend_minor, purchase_count',
  journal: 'card_id, till_id, epoch, seq, txn_id, kind, occurred_at, hash, body',
  posting: 'card_id, txn_id, leg, account, amount, lot_id',
  lot: 'card_id, lot_id, initial, remaining, vests_at, expires_at',
  sale_fact: `card_id, occurred_at, txn_id, till_id, epoch, seq, store_id, receipt_id, spend_minor, earned_points, refunded_minor,
    spend_reversed_minor, earned_reversed, spent_restored`,
  sale_line:
    'card_id, occurred_at, txn_id, line_no, line_id, quantity_micro, amount_minor, earned_points, returned_micro',
  card_day: 'card_id, day, spend_minor',
  card_store: 'card_id, store_id',
  card_grant: 'card_id, grant_key, txn_id',
  card_enrolment: 'card_id, profile_ref, enrolled_at',
  card_profile: 'card_id, phone, name, birth_date, birth_month_day',
  card_traits: 'card_id, groups, referred_by',
  history_return:
    'card_id, txn_id, sale_txn_id, refund_minor, spend_reversed_minor, earned_reversed, spent_restored',
  history_reject: 'line, reason',
};

/**
 * PostgreSQL numbers the change feed after commit, in `card_feed` (whoever pulls first numbers
 * it): a card's feed numbers are not the import's to compare, only that it told the feed.
 */
const postgresColumns = (columns: string) => columns.replace(', changed_seq, block_changed_seq', '');

export async function dump(
  db: string,
  /** Two stores' dumps compared: without SQLite's feed numbers, booleans as SQLite's 0 and 1. */
  across = false,
): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  if (db.startsWith('postgres')) {
    const client = new pg.Client({ connectionString: db, options: '-c search_path=tillpoint_hub' });
    await client.connect();
    try {
      for (const [table, columns] of Object.entries(dumpedTables))
        out[table] = (await client.query(`SELECT ${postgresColumns(columns)} FROM ${table}`)).rows
          .map((r) =>
            JSON.stringify(
              Object.values(r).map((v) => (across && typeof v === 'boolean' ? String(Number(v)) : String(v))),
            ),
          )
          .sort();
    } finally {
      await client.end();
    }
    return out;
  }
  const sqlite = new Database(db, { readonly: true });
  try {
    for (const [table, columns] of Object.entries(dumpedTables))
      out[table] = sqlite
        .prepare(`SELECT ${across ? postgresColumns(columns) : columns} FROM ${table}`)
        .raw()
        .all()
        .map((r) => JSON.stringify((r as unknown[]).map(String)))
        .sort();
  } finally {
    sqlite.close();
  }
  return out;
}
