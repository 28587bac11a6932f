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
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrolWithHub } from '../../agent/src/sync/hub-credential';
import { AgentProcess, freePort, writeConfig } from '../../agent/test/agent-process';
import { importHistory } from '../src/history/import-history';
import { reaccrualRunId, reaccrue } from '../src/history/reaccrual';
import { openHubStore } from '../src/index';
import { chain, importFiles, killedUntilDone, period, program } from './history-kit';
import { recompute } from './history-oracle';
import { HubProcess } from './hub-process';

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
let hub: HubProcess;
let agent: AgentProcess | undefined;

beforeAll(async () => {
  await chain(dir, 150, 1_500);
  hub = await HubProcess.create(dir);
  await importHistory({ db: hub.db, files: importFiles(dir), progress: false, now: () => now });
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
}, 300_000);

afterAll(async () => {
  await agent?.stop();
  await hub?.stop('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

const read = <T>(sql: string, ...args: unknown[]): T[] => {
  const db = new Database(hub.db, { readonly: true });
  try {
    return db.prepare(sql).all(...args) as T[];
  } finally {
    db.close();
  }
};

/** What head office sends the tills for each card now: its spendable points (lots expired by now left out). */
async function hubFigures(cards: readonly string[]): Promise<Map<string, number>> {
  const store = await openHubStore(hub.db);
  try {
    const out = new Map<string, number>();
    for (const card of cards) out.set(card, (await store.getCard(card, Date.now()))?.available ?? Number.NaN);
    return out;
  } finally {
    await store.close();
  }
}

const pointsByCard = () =>
  new Map(
    read<{ id: string; p: number }>('SELECT card_id AS id, points AS p FROM card').map((r) => [r.id, r.p]),
  );

/** A till of store s0 as its own process, enrolled at the hub process, pulling every second. */
async function startTill(): Promise<AgentProcess> {
  const home = join(dir, 'till');
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

describe('retroactive re-accrual of a chain history', () => {
  it('killed and resumed adjusts every card exactly once; the till shows the new balances', async () => {
    const storeCards = read<{ id: string }>("SELECT card_id AS id FROM card_store WHERE store_id = 's0'").map(
      (r) => r.id,
    );
    expect(storeCards.length).toBeGreaterThan(10);
    const before = pointsByCard();
    agent = await startTill();
    const shownBefore = await hubFigures(storeCards);
    await tillShows(agent, shownBefore);

    // The difference each card should get: the draft's points net of returns, recomputed the slow
    // way, less what was booked net of returns.
    const replayed = recompute(hub.db, await program('program-draft'), period);
    const booked = new Map(
      read<{ id: string; net: number }>(
        'SELECT card_id AS id, SUM(earned_points - earned_reversed) AS net FROM sale_fact WHERE occurred_at >= ? AND occurred_at < ? GROUP BY card_id',
        period.from,
        period.to,
      ).map((r) => [r.id, r.net]),
    );
    const delta = new Map<string, number>();
    for (const [card, sales] of replayed) {
      const d = sales.reduce((sum, s) => sum + s.net, 0) - (booked.get(card) ?? 0);
      if (d !== 0) delta.set(card, d);
    }
    expect(delta.size).toBeGreaterThan(20);

    // A dry run plans and posts nothing.
    const dry = await reaccrue({
      db: hub.db,
      version,
      period,
      dryRun: true,
      actor: 'test',
      runId: 'dry',
      now: () => now,
    });
    expect(dry).toMatchObject({ posted: false, applied: 0, cards: delta.size });
    expect(pointsByCard()).toEqual(before);

    // The real run, as its own process, SIGKILLed at random moments until it finishes.
    const runId = reaccrualRunId(version, period);
    const random = fc.sample(fc.integer(), { numRuns: 1, seed: 170 })[0] ?? 1;
    let state = random >>> 0;
    const next = () => {
      state = (state * 1664525 + 1013904223) >>> 0;
      return state / 2 ** 32;
    };
    const reached: number[] = [];
    const kills = await killedUntilDone(
      ['reaccrue', hub.db, String(now), version, String(period.from), String(period.to)],
      next,
      5,
      async () => {
        reached.push(read(`SELECT 1 FROM journal WHERE till_id = 'hub' AND epoch = ?`, runId).length);
      },
    );
    expect(kills).toBeGreaterThan(0);

    const entries = read<{ card: string; n: number; amount: number }>(
      `SELECT j.card_id AS card, count(DISTINCT j.txn_id) AS n, SUM(p.amount) AS amount FROM journal j
        JOIN posting p ON p.card_id = j.card_id AND p.txn_id = j.txn_id AND p.account = 'member_available'
        WHERE j.till_id = 'hub' AND j.epoch = ? GROUP BY j.card_id`,
      runId,
    );
    expect(new Map(entries.map((e) => [e.card, e.n]))).toEqual(new Map([...delta.keys()].map((c) => [c, 1])));
    expect(new Map(entries.map((e) => [e.card, e.amount]))).toEqual(delta);
    const after = pointsByCard();
    for (const [card, points] of before)
      expect([card, after.get(card)]).toEqual([card, points + (delta.get(card) ?? 0)]);

    const again = await reaccrue({
      db: hub.db,
      version,
      period,
      dryRun: false,
      actor: 'test',
      now: () => now,
    });
    expect(again).toMatchObject({ posted: true, applied: 0, cards: delta.size });
    expect(pointsByCard()).toEqual(after);
    const audit = read<{ action: string; target: string }>(
      "SELECT action, target FROM admin_audit WHERE action LIKE 'history.%' ORDER BY seq",
    );
    expect(audit).toEqual([
      { action: 'history.reaccrue.dry_run', target: 'run:dry' },
      { action: 'history.reaccrue', target: `run:${runId}` },
      { action: 'history.reaccrue', target: `run:${runId}` },
    ]);

    const shownAfter = await hubFigures(storeCards);
    // The points added are a new lot (vested at the run, a year's life): the tills' figure grows by them.
    for (const [card, d] of delta)
      if (d > 0 && shownBefore.has(card))
        expect(shownAfter.get(card)).toBe((shownBefore.get(card) as number) + d);
    await tillShows(agent, shownAfter);
    console.info(
      `re-accrual: ${kills} kills, journal entries of the run at each kill: ${reached.join(', ')}`,
    );
  }, 600_000);
});
