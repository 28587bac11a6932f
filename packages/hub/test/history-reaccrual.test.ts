import {
  appendFileSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { enrolWithHub } from '@tillpoint/agent/sync/hub-credential';
import { AgentProcess, freePort, writeConfig } from '@tillpoint/test-kit/agent-process';
import { HubProcess } from '@tillpoint/test-kit/hub-process';
import { startTestPostgres, type TestPostgres } from '@tillpoint/test-kit/test-postgres';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgText } from '../src/history/history-sql';
import { importHistory } from '../src/history/import-history';
import { reaccrualRunId, reaccrue } from '../src/history/reaccrual';
import { openHubStore } from '../src/index';
import { SqliteHubStore } from '../src/sqlite-hub-store';
import { chain, importFiles, killedUntilDone, period, program } from './history-kit';
import { recompute } from './history-oracle';

/**
 * Acceptance of the re-accrual (issue 17): a chain's whole history re-accrued under a corrected
 * rule set head office published, the posting process SIGKILLed at random moments and started
 * again until it finishes: every card whose points differ is adjusted exactly once, by the
 * difference a slow recomputation gives (test/history-oracle.ts), a second run adjusts nothing, a
 * dry run before posts nothing, the audit trail holds the run; and a real till (the agent as its
 * own process, synced with the hub process) shows each card's new balance after its next pull.
 */
const fixtures = fileURLToPath(new URL('../../../fixtures/import/', import.meta.url));
const version = '2026-01-corrected';
const token = 'history-till-token-0123456789abcdef';
const now = Date.UTC(2026, 0, 10);
const dir = mkdtempSync('/tmp/tillpoint-reaccrual-');
let pgServer: TestPostgres;
/** The oracle's database: the same files imported into a SQLite file of its own. */
const oracleDb = join(dir, 'oracle.sqlite');

beforeAll(async () => {
  await chain(dir, 150, 1_500);
  await new SqliteHubStore(oracleDb).close();
  await importHistory({ db: oracleDb, files: importFiles(dir), progress: false, now: () => now });
  pgServer = await startTestPostgres();
}, 300_000);

afterAll(async () => {
  await pgServer?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Rows of a query on a SQLite file or a PostgreSQL URL (`?` parameters), every value a number where it reads as one. */
async function read<T>(db: string, sql: string, ...args: unknown[]): Promise<T[]> {
  const numbers = (row: Record<string, unknown>) =>
    Object.fromEntries(
      Object.entries(row).map(([k, v]) => [
        k,
        typeof v === 'string' && /^-?\d+$/.test(v) && k !== 'id' && k !== 'card' ? Number(v) : v,
      ]),
    ) as T;
  if (db.startsWith('postgres')) {
    const client = new pg.Client({ connectionString: db, options: '-c search_path=tillpoint_hub' });
    await client.connect();
    try {
      return (await client.query(pgText(sql), args)).rows.map(numbers);
    } finally {
      await client.end();
    }
  }
  const sqlite = new Database(db, { readonly: true });
  try {
    return (sqlite.prepare(sql).all(...args) as Record<string, unknown>[]).map(numbers);
  } finally {
    sqlite.close();
  }
}

/** What head office sends the tills for each card now: its spendable points (lots expired by now left out). */
async function hubFigures(hub: HubProcess, cards: readonly string[]): Promise<Map<string, number>> {
  const store = await openHubStore(hub.db);
  try {
    const out = new Map<string, number>();
    for (const card of cards) out.set(card, (await store.getCard(card, Date.now()))?.available ?? Number.NaN);
    return out;
  } finally {
    await store.close();
  }
}

const pointsByCard = async (db: string) =>
  new Map(
    (await read<{ id: string; p: number }>(db, 'SELECT card_id AS id, points AS p FROM card')).map((r) => [
      r.id,
      r.p,
    ]),
  );

/** A till of store s0 as its own process, enrolled at the hub process, pulling every second. */
async function startTill(hub: HubProcess, home: string): Promise<AgentProcess> {
  mkdirSync(home);
  copyFileSync(join(fixtures, 'program-booked.json'), join(home, 'program.json'));
  const port = await freePort();
  const config = writeConfig(home, { port, token, storeId: 's0', tillId: 's0-t9' });
  // The generated chain's cards: 13 digits from 77, no check digit.
  const text = readFileSync(config, 'utf8')
    .replace('prefix: "2000"', 'prefix: "77"')
    .replace('    check: ean13', '    check: none');
  writeFileSync(config, text, { mode: 0o600 });
  appendFileSync(
    config,
    `\nheadOffice:\n  url: ${hub.url}\n  intervalSeconds: 1\n  requestTimeoutSeconds: 3\n`,
  );
  await enrolWithHub({
    url: hub.url,
    code: await hub.tillCode('s0', 's0-t9'),
    tillId: 's0-t9',
    credentialFile: join(home, 'data', 'hub-credential.json'),
  });
  const till = new AgentProcess(config, `http://127.0.0.1:${port}`, token);
  await till.start();
  return till;
}

async function tillBalance(till: AgentProcess, card: string): Promise<number | string> {
  const answer = await fetch(`${till.url}/v1/cards/${card}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const body = (await answer.json()) as { spendablePoints?: number; code?: string };
  return body.spendablePoints ?? JSON.stringify(body).slice(0, 200);
}

/** Waits until the till shows every card's expected balance (it pulls every second). */
async function tillShows(till: AgentProcess, expected: Map<string, number>): Promise<void> {
  const deadline = Date.now() + 30_000;
  let wrong: string[] = [];
  while (Date.now() < deadline) {
    wrong = [];
    for (const [card, points] of expected) {
      const shown = await tillBalance(till, card);
      if (shown !== points) wrong.push(`${card}: till ${shown}, head office ${points}`);
    }
    if (wrong.length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(
    `the till did not catch up:\n${wrong.slice(0, 10).join('\n')}\n${till.output.slice(-2000)}`,
  );
}

/** A hub process on `db` (its signing key beside), the history imported, the corrected rule set published. */
async function startHub(db: string, home: string): Promise<HubProcess> {
  mkdirSync(home);
  const hub = new HubProcess(db, join(home, 'hub-signing.pem'), await freePort());
  await hub.command(['init', '--key', hub.key]);
  await importHistory({ db, files: importFiles(dir), progress: false, now: () => now });
  await hub.command([
    'publish-rules',
    '--key',
    hub.key,
    '--version',
    version,
    '--effective-from',
    '2027-06-01T00:00:00Z',
    '--file',
    join(fixtures, 'program-draft.json'),
  ]);
  await hub.start();
  return hub;
}

describe.each([
  ['SQLite', () => join(dir, 'sqlite', 'hub.sqlite')],
  ['PostgreSQL', () => pgServer.url],
])('retroactive re-accrual of a chain history, %s hub', (name, hubDb) => {
  let hub: HubProcess | undefined;
  let agent: AgentProcess | undefined;
  afterAll(async () => {
    await agent?.stop();
    await hub?.stop('SIGTERM');
  });

  it('killed and resumed adjusts every card exactly once; the till shows the new balances', async () => {
    const home = join(dir, name.toLowerCase());
    hub = await startHub(hubDb(), home);
    const db = hub.db;
    const storeCards = (
      await read<{ id: string }>(db, "SELECT card_id AS id FROM card_store WHERE store_id = 's0'")
    ).map((r) => r.id);
    expect(storeCards.length).toBeGreaterThan(10);
    const before = await pointsByCard(db);
    agent = await startTill(hub, join(home, 'till'));
    const shownBefore = await hubFigures(hub, storeCards);
    await tillShows(agent, shownBefore);

    // The difference each card should get: the draft's points net of returns, recomputed the slow
    // way, less what was booked net of returns.
    const replayed = recompute(oracleDb, await program('program-draft'), period);
    const booked = new Map(
      (
        await read<{ id: string; net: number }>(
          oracleDb,
          'SELECT card_id AS id, SUM(earned_points - earned_reversed) AS net FROM sale_fact WHERE occurred_at >= ? AND occurred_at < ? GROUP BY card_id',
          period.from,
          period.to,
        )
      ).map((r) => [r.id, r.net]),
    );
    const delta = new Map<string, number>();
    for (const [card, sales] of replayed) {
      const d = sales.reduce((sum, s) => sum + s.net, 0) - (booked.get(card) ?? 0);
      if (d !== 0) delta.set(card, d);
    }
    expect(delta.size).toBeGreaterThan(20);

    // The dry run plans and posts nothing; then the run posts. Each as its own process, SIGKILLed
    // at random moments until it finishes (the dry run's kills land in the planning, the run's in
    // the posting).
    const runId = reaccrualRunId(version, period);
    const random = fc.sample(fc.integer(), { numRuns: 1, seed: 170 })[0] ?? 1;
    let state = random >>> 0;
    const next = () => {
      state = (state * 1664525 + 1013904223) >>> 0;
      return state / 2 ** 32;
    };
    const reached: string[] = [];
    const progress = async () => {
      const planned = await read(db, 'SELECT 1 FROM history_run_card WHERE run_id = ?', runId);
      const posted = await read(db, `SELECT 1 FROM journal WHERE till_id = 'hub' AND epoch = ?`, runId);
      reached.push(`${planned.length} planned, ${posted.length} posted`);
    };
    const args = ['reaccrue', db, String(now), version, String(period.from), String(period.to), runId];
    const dryKills = await killedUntilDone([...args, 'dry'], next, 4, progress);
    const plan = await read<{ card: string; delta: number }>(
      db,
      'SELECT card_id AS card, delta FROM history_run_card WHERE run_id = ?',
      runId,
    );
    expect(new Map(plan.map((r) => [r.card, r.delta]))).toEqual(delta);
    expect(await pointsByCard(db)).toEqual(before);
    const kills = dryKills + (await killedUntilDone(args, next, 4, progress, dryKills));
    expect(kills).toBeGreaterThan(0);

    const entries = await read<{ card: string; n: number; amount: number }>(
      db,
      `SELECT j.card_id AS card, count(DISTINCT j.txn_id) AS n, SUM(p.amount) AS amount FROM journal j
        JOIN posting p ON p.card_id = j.card_id AND p.txn_id = j.txn_id AND p.account = 'member_available'
        WHERE j.till_id = 'hub' AND j.epoch = ? GROUP BY j.card_id`,
      runId,
    );
    expect(new Map(entries.map((e) => [e.card, e.n]))).toEqual(new Map([...delta.keys()].map((c) => [c, 1])));
    expect(new Map(entries.map((e) => [e.card, e.amount]))).toEqual(delta);
    const after = await pointsByCard(db);
    for (const [card, points] of before)
      expect([card, after.get(card)]).toEqual([card, points + (delta.get(card) ?? 0)]);

    const again = await reaccrue({
      db,
      version,
      period,
      dryRun: false,
      actor: 'test',
      now: () => now,
    });
    expect(again).toMatchObject({ posted: true, applied: 0, cards: delta.size });
    expect(await pointsByCard(db)).toEqual(after);
    const audit = await read<{ action: string; target: string }>(
      db,
      "SELECT action, target FROM admin_audit WHERE action LIKE 'history.%' ORDER BY seq",
    );
    // Every run that finishes writes its entry: the dry run, the run resumed after its kills and
    // the run again. A kill that lands after a run's entry but before its process ended leaves one
    // more entry of that run (it had finished): at least one each, in that order, nothing else.
    const actions = audit.map((a) => a.action);
    const dry = actions.filter((a) => a === 'history.reaccrue.dry_run').length;
    expect(dry).toBeGreaterThanOrEqual(1);
    expect(actions).toEqual([
      ...Array<string>(dry).fill('history.reaccrue.dry_run'),
      ...Array<string>(actions.length - dry).fill('history.reaccrue'),
    ]);
    expect(actions.length - dry).toBeGreaterThanOrEqual(2);
    expect(new Set(audit.map((a) => a.target))).toEqual(new Set([`run:${runId}`]));

    const shownAfter = await hubFigures(hub, storeCards);
    // The points added are a new lot (vested at the run, a year's life): the tills' figure grows by them.
    for (const [card, d] of delta)
      if (d > 0 && shownBefore.has(card))
        expect(shownAfter.get(card)).toBe((shownBefore.get(card) as number) + d);
    await tillShows(agent, shownAfter);
    console.info(`re-accrual (${name}): ${kills} kills, at each kill: ${reached.join(', ')}`);
  }, 600_000);
});
