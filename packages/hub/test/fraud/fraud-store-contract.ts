import { SyntheticTill } from '@tillpoint/test-kit/synthetic-till';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FraudAlert } from '../../src/fraud/fraud-alert';
import { alertOfDraft } from '../../src/fraud/fraud-job';
import type { FraudStore } from '../../src/fraud/fraud-store';
import type { HubStore } from '../../src/hub-store';
import { publishProgram } from './fraud-test-kit';
import { loadFraudProgram } from './fraud-traffic';

export interface FraudHarness {
  hub: HubStore;
  fraud: FraudStore;
  close(): Promise<void>;
}

const alert = (key: string, raisedAt: number, over: Partial<FraudAlert> = {}): FraudAlert => ({
  ...alertOfDraft(
    {
      dedupeKey: key,
      kind: 'cardRedemptionBurst',
      level: 'hard',
      subject: { kind: 'card', id: `card-${key}` },
      cardId: `card-${key}`,
      storeId: 's1',
      tillId: 't1',
      measured: 9,
      threshold: 8,
      windowMs: 3_600_000,
      at: 1_000,
      summary: `alert ${key}`,
      evidence: { entries: [], recheck: null },
      action: 'block',
    },
    raisedAt,
  ),
  ...over,
});

/** One suite for `HubStore.ingestedAfter` and the fraud store, run on SQLite and PostgreSQL. */
export function fraudStoreContract(name: string, open: () => Promise<FraudHarness>): void {
  describe(`fraud control's reads and store: ${name}`, () => {
    let h: FraudHarness;
    const a = new SyntheticTill('t-a');
    const b = new SyntheticTill('t-b');
    beforeAll(async () => {
      h = await open();
      await h.hub.addTill({ storeId: 's1', tillId: 't-a', codeHash: 'x', codeExpiresAt: 0 });
      await h.hub.addTill({ storeId: 's2', tillId: 't-b', codeHash: 'x', codeExpiresAt: 0 });
      a.earn('c1', 100, 1_000);
      a.earn('c2', 50, 1_100);
      a.spend('c3', 70, 1_200); // head office books an overdraft entry of its own: not read
      b.earn('c1', 10, 1_300);
      b.earn('c4', 20, 1_400);
      await h.hub.applyBatch({ tillId: 't-a', storeId: 's1', entries: a.entries, now: 5_000 });
      await h.hub.applyBatch({ tillId: 't-b', storeId: 's2', entries: b.entries, now: 5_000 });
    }, 120_000);
    afterAll(async () => h?.close());

    it('reads every till stream from its position, in till and seq order, as the tills sent it', async () => {
      const first = await h.hub.ingestedAfter([], 2);
      expect(first.map((x) => [x.entry.tillId, x.entry.seq, x.storeId])).toEqual([
        ['t-a', 1, 's1'],
        ['t-a', 2, 's1'],
      ]);
      expect(first[0]?.entry).toEqual(a.entries[0]);
      const rest = await h.hub.ingestedAfter([{ tillId: 't-a', epoch: a.epoch, seq: 2 }], 100);
      expect(rest.map((x) => [x.entry.tillId, x.entry.seq, x.storeId])).toEqual([
        ['t-a', 3, 's1'],
        ['t-b', 1, 's2'],
        ['t-b', 2, 's2'],
      ]);
      expect(rest[1]?.entry).toEqual(b.entries[0]);
      const done = await h.hub.ingestedAfter(
        [
          { tillId: 't-a', epoch: a.epoch, seq: 3 },
          { tillId: 't-b', epoch: b.epoch, seq: 2 },
        ],
        100,
      );
      expect(done).toEqual([]);
    });

    it('stores a run: alerts once by their key, the cursor only forward', async () => {
      const one = alert('k1', 10);
      expect(
        await h.fraud.commitRun({ alerts: [one], positions: [{ tillId: 't-a', epoch: 'e', seq: 5 }] }),
      ).toEqual([one]);
      const again = await h.fraud.commitRun({
        alerts: [one, alert('k2', 20)],
        positions: [{ tillId: 't-a', epoch: 'e', seq: 3 }],
      });
      expect(again.map((x) => x.dedupeKey)).toEqual(['k2']);
      expect(await h.fraud.positions()).toEqual([{ tillId: 't-a', epoch: 'e', seq: 5 }]);
      expect(await h.fraud.getAlert(one.alertId)).toEqual(one);
      expect(await h.fraud.getAlert('nope')).toBeNull();
    });

    it('lists newest first with filters and paging; pending actions oldest first', async () => {
      await h.fraud.commitRun({
        alerts: [
          alert('k3', 30, { status: 'resolved', action: 'none', kind: 'tillManyCards', storeId: 's2' }),
        ],
        positions: [],
      });
      const all = await h.fraud.listAlerts({ limit: 10 });
      expect(all.map((x) => x.dedupeKey)).toEqual(['k3', 'k2', 'k1']);
      expect((await h.fraud.listAlerts({ limit: 10, status: 'unresolved' })).map((x) => x.dedupeKey)).toEqual(
        ['k2', 'k1'],
      );
      expect((await h.fraud.listAlerts({ limit: 10, cardId: 'card-k2' })).map((x) => x.dedupeKey)).toEqual([
        'k2',
      ]);
      const keys = (q: Partial<Parameters<FraudStore['listAlerts']>[0]>) =>
        h.fraud.listAlerts({ limit: 10, ...q }).then((l) => l.map((x) => x.dedupeKey));
      expect(await keys({ kind: 'tillManyCards' })).toEqual(['k3']);
      expect(await keys({ kind: 'cardRedemptionBurst' })).toEqual(['k2', 'k1']);
      expect(await keys({ storeId: 's1' })).toEqual(['k2', 'k1']);
      expect(await keys({ storeId: 's2', status: 'unresolved' })).toEqual([]);
      expect(await keys({ storeId: 's2', kind: 'tillManyCards', status: 'resolved' })).toEqual(['k3']);
      const page = await h.fraud.listAlerts({
        limit: 1,
        before: { raisedAt: 30, alertId: all[0]?.alertId as string },
      });
      expect(page.map((x) => x.dedupeKey)).toEqual(['k2']);
      expect((await h.fraud.pendingActions(10)).map((x) => x.dedupeKey)).toEqual(['k1', 'k2']);
    });

    it('changes an alert only from the state it was read in', async () => {
      const one = (await h.fraud.listAlerts({ limit: 10, cardId: 'card-k1' }))[0] as FraudAlert;
      const changed = await h.fraud.updateAlert(
        one.alertId,
        { status: 'assigned', assignee: 'sec1' },
        100,
        one.updatedAt,
      );
      expect(changed).toMatchObject({ status: 'assigned', assignee: 'sec1', updatedAt: 100 });
      expect(await h.fraud.updateAlert(one.alertId, { status: 'open' }, 200, one.updatedAt)).toBeNull();
      expect(await h.fraud.getAlert(one.alertId)).toEqual(changed);
      expect((await h.fraud.listAlerts({ limit: 10, assignee: 'sec1' })).length).toBe(1);
    });

    it("reads head office's published rule sets", async () => {
      await publishProgram(h.hub, loadFraudProgram(), 0, 'rs-1');
      expect((await h.fraud.publishedRuleSets()).map((r) => [r.version, r.effectiveFrom])).toEqual([
        ['rs-1', 0],
      ]);
    });
  });
}
