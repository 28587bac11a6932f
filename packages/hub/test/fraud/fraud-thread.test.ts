import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { HubProcess } from '@tillpoint/test-kit/hub-process';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultFraudConfig } from '../../src/fraud/fraud-config';
import { FraudJob } from '../../src/fraud/fraud-job';
import { SqliteFraudStore } from '../../src/fraud/sqlite-fraud-store';
import { SqliteHubStore } from '../../src/sqlite-hub-store';
import { publishProgram } from './fraud-test-kit';
import { FraudTraffic, fraudScenarios } from './fraud-traffic';

const dir = mkdtempSync(join(tmpdir(), 'fraud-thread-'));
let hub: HubProcess | undefined;
afterAll(async () => {
  await hub?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** Checks that depend on one entry alone: a run that starts its windows afresh raises them all the same. */
const perEntryKinds = ['recheckMismatch', 'unexplainedCredit', 'cardPointsPerPurchase'];

interface AlertRow {
  dedupe_key: string;
  kind: string;
  raised_at: number;
  action: string;
  action_taken: string | null;
}

/** What the job has committed, read over a connection of the test's own. */
function committed(path: string): { examined: number; alerts: AlertRow[] } {
  const db = new Database(path, { readonly: true });
  try {
    const examined = db.prepare('SELECT COALESCE(SUM(seq), 0) AS n FROM fraud_cursor').get() as { n: number };
    const alerts = db
      .prepare(
        'SELECT dedupe_key, kind, raised_at, action, action_taken FROM fraud_alert ORDER BY dedupe_key',
      )
      .all() as AlertRow[];
    return { examined: examined.n, alerts };
  } catch {
    return { examined: 0, alerts: [] };
  } finally {
    db.close();
  }
}

/** Polls the committed cursor until `done` holds (or 60 s pass); answers the last reading. */
async function cursorWhen(path: string, done: (examined: number) => boolean) {
  const until = Date.now() + 60_000;
  let now = committed(path);
  while (!done(now.examined) && Date.now() < until) {
    await sleep(20);
    now = committed(path);
  }
  return now;
}

/**
 * The job as `tillpoint-hub serve` runs it (a worker thread of the hub process, its own
 * connections), stopped the two ways a real hub stops: killed (SIGKILL) in the middle of a run,
 * then stopped (SIGTERM) in the middle of the next. Oracle: the same traffic examined by one
 * uninterrupted job over a copy of the file.
 */
describe('fraud job in the hub process: crash-safe cursor, clean stop', () => {
  it('a killed job goes on from its committed cursor, a stopped one ends after its batch; alerts stay exactly once', async () => {
    const traffic = new FraudTraffic({
      seed: 5,
      stores: 4,
      tillsPerStore: 2,
      cards: 1_500,
      sales: 8_000,
      startMs: Date.parse('2026-11-02T06:00:00Z'),
      daysSpan: 10,
      scenarios: fraudScenarios,
    });
    traffic.generate();
    const total = traffic.tills.reduce((n, t) => n + t.till.entries.length, 0);
    hub = await HubProcess.create(dir, { extraArgs: ['--fraud-every-sec', '1'] });
    const store = new SqliteHubStore(hub.db);
    await publishProgram(store, traffic.program, 0);
    for (const t of traffic.tills) {
      await store.addTill({ storeId: t.storeId, tillId: t.till.tillId, codeHash: 'x', codeExpiresAt: 0 });
      for (let i = 0; i < t.till.entries.length; i += 500) {
        const outcome = await store.applyBatch({
          tillId: t.till.tillId,
          storeId: t.storeId,
          entries: t.till.entries.slice(i, i + 500),
          now: traffic.o.startMs,
        });
        expect(outcome.kind).toBe('applied');
      }
    }
    await store.close();

    // The oracle: one job, never interrupted, over a copy.
    const copy = join(dir, 'oracle.sqlite');
    copyFileSync(hub.db, copy);
    const oracleHub = new SqliteHubStore(copy);
    const oracleFraud = new SqliteFraudStore(copy);
    const run = await new FraudJob(oracleHub, oracleFraud, defaultFraudConfig, {
      batchMax: 2_000,
      entriesMax: 1_000_000,
      now: Date.now,
    }).run();
    expect({ entries: run.entries, caughtUp: run.caughtUp }).toEqual({ entries: total, caughtUp: true });
    await oracleFraud.close();
    await oracleHub.close();
    const oracle = committed(copy).alerts;
    const perEntry = (alerts: AlertRow[]) =>
      alerts.filter((a) => perEntryKinds.includes(a.kind)).map((a) => a.dedupe_key);
    expect(perEntry(oracle).length).toBeGreaterThan(0);

    // Killed in the middle of a run: what it committed stays, nothing half-written.
    await hub.start(60_000);
    const beforeKill = await cursorWhen(hub.db, (n) => n > 0);
    await hub.kill('SIGKILL');
    const atKill = committed(hub.db);
    expect(atKill.examined).toBeGreaterThanOrEqual(beforeKill.examined);
    expect(atKill.examined).toBeLessThan(total);

    // Restarted, then stopped (SIGTERM) in the middle of its run: it ends after the batch in
    // progress, its cursor moved on and committed.
    await hub.start(60_000);
    await cursorWhen(hub.db, (n) => n > atKill.examined);
    const stopAsked = Date.now();
    await hub.kill('SIGTERM');
    expect({ exit: hub.child?.exitCode, signal: hub.child?.signalCode }).toEqual({ exit: 0, signal: null });
    expect(Date.now() - stopAsked).toBeLessThan(30_000);
    const atStop = committed(hub.db);
    expect(atStop.examined).toBeGreaterThan(atKill.examined);
    expect(hub.output).not.toMatch(/fraud job failed/);

    // Once more until caught up, then a clean stop.
    await hub.start(60_000);
    await cursorWhen(hub.db, (n) => n === total);
    const settle = Date.now() + 20_000;
    while (
      committed(hub.db).alerts.some((a) => a.action !== 'none' && a.action_taken === null) &&
      Date.now() < settle
    )
      await sleep(100);
    await hub.kill('SIGTERM');
    expect(hub.child?.exitCode).toBe(0);

    const final = committed(hub.db);
    expect(final.examined).toBe(total);
    // Exactly once: every alert committed before the kill and before the stop is still there,
    // raised once (same time); the per-entry checks are the oracle's, no more, no fewer.
    const byKey = new Map(final.alerts.map((a) => [a.dedupe_key, a]));
    expect(byKey.size).toBe(final.alerts.length);
    for (const a of [...atKill.alerts, ...atStop.alerts])
      expect(byKey.get(a.dedupe_key)?.raised_at).toBe(a.raised_at);
    expect(perEntry(final.alerts)).toEqual(perEntry(oracle));
    // Every hard alert's action was taken, those a kill interrupted included.
    expect(final.alerts.filter((a) => a.action !== 'none' && a.action_taken === null)).toEqual([]);
  }, 240_000);

  it('a stop asked during a run ends it after the batch in progress, and the next run goes on from there', async () => {
    const traffic = new FraudTraffic({
      seed: 3,
      stores: 2,
      tillsPerStore: 2,
      cards: 200,
      sales: 600,
      startMs: Date.parse('2026-11-02T06:00:00Z'),
      daysSpan: 3,
    });
    traffic.generate();
    const total = traffic.tills.reduce((n, t) => n + t.till.entries.length, 0);
    const path = join(dir, 'stop.sqlite');
    const store = new SqliteHubStore(path);
    await publishProgram(store, traffic.program, 0);
    for (const t of traffic.tills) {
      await store.addTill({ storeId: t.storeId, tillId: t.till.tillId, codeHash: 'x', codeExpiresAt: 0 });
      await store.applyBatch({ tillId: t.till.tillId, storeId: t.storeId, entries: t.till.entries, now: 0 });
    }
    const fraud = new SqliteFraudStore(path);
    const stopping = new AbortController();
    const batches: number[] = [];
    const options = { batchMax: 100, entriesMax: 1_000_000, now: () => 1 };
    const stopped = await new FraudJob(store, fraud, defaultFraudConfig, {
      ...options,
      signal: stopping.signal,
      committed: (entries) => {
        batches.push(entries);
        if (batches.length === 2) stopping.abort();
      },
    }).run();
    // Two batches of 100, committed: the cursor says so.
    expect({ entries: stopped.entries, caughtUp: stopped.caughtUp, batches }).toEqual({
      entries: 200,
      caughtUp: false,
      batches: [100, 100],
    });
    expect(committed(path).examined).toBe(200);
    const rest = await new FraudJob(store, fraud, defaultFraudConfig, options).run();
    expect({ entries: rest.entries, caughtUp: rest.caughtUp }).toEqual({
      entries: total - 200,
      caughtUp: true,
    });
    expect(committed(path).examined).toBe(total);
    await fraud.close();
    await store.close();
  });
});
