import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { FraudAlert } from '../../src/fraud/fraud-alert';
import { defaultFraudConfig } from '../../src/fraud/fraud-config';
import { FraudJob } from '../../src/fraud/fraud-job';
import { SqliteFraudStore } from '../../src/fraud/sqlite-fraud-store';
import { SqliteHubStore } from '../../src/sqlite-hub-store';
import { publishProgram } from './fraud-test-kit';
import { type FraudScenario, FraudTraffic, fraudScenarios } from './fraud-traffic';

const dir = mkdtempSync(join(tmpdir(), 'fraud-scenarios-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Each scenario → the alert kinds that must name its card, till or cashier (the generator's list). */
const expected: Record<FraudScenario, string[]> = {
  'tampered-points': ['recheckMismatch'],
  'unauthorised-accrual': ['unexplainedCredit'],
  'manual-accruals': ['tillManualAdjustments', 'cashierManualAdjustments', 'storeAdjustmentPoints'],
  'staff-own-card': ['cashierOwnCard', 'cardAtOneTill'],
  'redemption-burst': ['cardRedemptionBurst'],
  'many-stores': ['cardManyStores'],
  'earn-then-refund': ['cardEarnThenRefund'],
  'spend-after-enrolment': ['cardSpendAfterEnrolment'],
  'points-in-a-day': ['cardPointsPerDay', 'cardPointsPerPurchase'],
  'many-cards-at-till': ['tillManyCards'],
};

async function ingestAndRun(traffic: FraudTraffic, name: string) {
  const path = join(dir, `${name}.sqlite`);
  const hub = new SqliteHubStore(path);
  await publishProgram(hub, traffic.program, 0);
  for (const t of traffic.tills) {
    await hub.addTill({ storeId: t.storeId, tillId: t.till.tillId, codeHash: 'x', codeExpiresAt: 0 });
    const entries = t.till.entries;
    for (let i = 0; i < entries.length; i += 500) {
      const outcome = await hub.applyBatch({
        tillId: t.till.tillId,
        storeId: t.storeId,
        entries: entries.slice(i, i + 500),
        now: traffic.o.startMs,
      });
      expect(outcome.kind).toBe('applied');
    }
  }
  const fraud = new SqliteFraudStore(path);
  const job = new FraudJob(hub, fraud, defaultFraudConfig, {
    batchMax: 2_000,
    entriesMax: 1_000_000,
    now: () => 1,
  });
  const summary = await job.run();
  const alerts: FraudAlert[] = [];
  let before: { raisedAt: number; alertId: string } | undefined;
  for (;;) {
    const page = await fraud.listAlerts({ limit: 500, ...(before ? { before } : {}) });
    alerts.push(...page);
    const last = page.at(-1);
    if (page.length < 500 || !last) break;
    before = { raisedAt: last.raisedAt, alertId: last.alertId };
  }
  return { hub, fraud, job, summary, alerts };
}

describe('fraud control on synthetic traffic (real SQLite hub, the job through ingestedAfter)', () => {
  it('detects every scenario with its evidence, and acts on the hard ones', async () => {
    const traffic = new FraudTraffic({
      seed: 7,
      stores: 8,
      tillsPerStore: 2,
      cards: 500,
      sales: 2_000,
      startMs: Date.parse('2026-11-02T06:00:00Z'),
      daysSpan: 7,
      scenarios: fraudScenarios,
    });
    traffic.generate();
    const { hub, fraud, summary, alerts } = await ingestAndRun(traffic, 'scenarios');
    expect(summary.caughtUp).toBe(true);
    expect(summary.sales).toBe(traffic.saleCount);
    // Every ordinary sale re-checks: the engine at head office gives the till's points.
    expect(summary.mismatched).toBe(1);
    expect(summary.matched).toBe(traffic.saleCount - 1);
    for (const scenario of fraudScenarios) {
      const used = traffic.injected.get(scenario);
      expect(used, scenario).toBeDefined();
      for (const kind of expected[scenario]) {
        const hits = alerts.filter(
          (a) =>
            a.kind === kind &&
            (used?.cards.some((c) => a.cardId?.startsWith(c.slice(0, 12))) ||
              used?.tills.includes(a.subject.id) ||
              used?.cashiers.includes(a.subject.id) ||
              (a.subject.kind === 'store' && used?.tills.some((t) => t.startsWith(a.subject.id)))),
        );
        expect(hits.length, `${scenario} → ${kind}`).toBeGreaterThan(0);
        for (const hit of hits) {
          expect(hit.evidence.entries.length, `${scenario} evidence`).toBeGreaterThan(0);
          expect(hit.evidence.entries.length).toBeLessThanOrEqual(defaultFraudConfig.evidenceMax);
        }
      }
    }
    // The tampered sale: both computations side by side; the card blocked at head office.
    const tampered = alerts.find((a) => a.kind === 'recheckMismatch');
    const card = traffic.injected.get('tampered-points')?.cards[0] as string;
    expect(tampered?.cardId).toBe(card);
    const line = tampered?.evidence.recheck?.lines[0];
    expect(line?.tillPoints).toBe((line?.officePoints ?? 0) * 10 + 1);
    expect(tampered?.actionTaken).toBe('blocked');
    expect((await hub.getCard(card, Date.now()))?.blocked).toBe(true);
    // Redemption burst: blocked; staff own card: capped at 0 (the till learns it on its next pull).
    expect(
      (await hub.getCard(traffic.injected.get('redemption-burst')?.cards[0] as string, Date.now()))?.blocked,
    ).toBe(true);
    // Ordinary cards are untouched: no alert names a card of ordinary traffic.
    expect(alerts.filter((a) => a.cardId?.startsWith('7')).map((a) => a.summary)).toEqual([]);
    await fraud.close();
    await hub.close();
  }, 120_000);
});
