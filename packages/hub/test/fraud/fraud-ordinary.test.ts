import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultFraudConfig } from '../../src/fraud/fraud-config';
import { FraudJob } from '../../src/fraud/fraud-job';
import { SqliteFraudStore } from '../../src/fraud/sqlite-fraud-store';
import { SqliteHubStore } from '../../src/sqlite-hub-store';
import { publishProgram } from './fraud-test-kit';
import { FraudTraffic } from './fraud-traffic';

const dir = mkdtempSync(join(tmpdir(), 'fraud-ordinary-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fraud control on ordinary traffic', () => {
  it('100,000 ordinary sales through a real hub raise fewer than 1 alert per 10,000 sales, and every sale re-checks', async () => {
    const traffic = new FraudTraffic({
      seed: 20261206,
      stores: 40,
      tillsPerStore: 3,
      cards: 30_000,
      sales: 100_000,
      startMs: Date.parse('2026-10-01T05:00:00Z'),
      daysSpan: 30,
    });
    const t0 = performance.now();
    traffic.generate();
    const t1 = performance.now();
    expect(traffic.saleCount).toBe(100_000);
    const path = join(dir, 'ordinary.sqlite');
    const hub = new SqliteHubStore(path);
    await publishProgram(hub, traffic.program, 0);
    for (const t of traffic.tills) {
      await hub.addTill({ storeId: t.storeId, tillId: t.till.tillId, codeHash: 'x', codeExpiresAt: 0 });
      for (let i = 0; i < t.till.entries.length; i += 500)
        await hub.applyBatch({
          tillId: t.till.tillId,
          storeId: t.storeId,
          entries: t.till.entries.slice(i, i + 500),
          now: traffic.o.startMs,
        });
    }
    const t2 = performance.now();
    const fraud = new SqliteFraudStore(path);
    const job = new FraudJob(hub, fraud, defaultFraudConfig, {
      batchMax: 5_000,
      entriesMax: 1_000_000,
      now: Date.now,
    });
    const summary = await job.run();
    // What it cost on this machine (the benchmark measures it properly).
    console.log(
      `generate ${Math.round(t1 - t0)} ms, ingest ${Math.round(t2 - t1)} ms, fraud job ${Math.round(performance.now() - t2)} ms`,
    );
    expect(summary.sales).toBe(100_000);
    expect(summary.matched).toBe(100_000);
    const alerts = await fraud.listAlerts({ limit: 1_000 });
    expect(alerts.length, alerts.map((a) => a.summary).join('\n')).toBeLessThan(10);
    // A second run finds nothing new: the cursor moved with the alerts.
    const again = await job.run();
    expect(again.entries).toBe(0);
    await fraud.close();
    await hub.close();
  }, 600_000);
});
