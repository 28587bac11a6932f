import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planRedemption } from '../plan/plan-redemption';
import { freePoints, type Lot, spendableLots } from './lots';
import { isSnapshotLot, snapshotLotId, snapshotSpendView } from './snapshot';

const at = 1_000_000;

const lotArb = (i: number) =>
  fc
    .record({
      remaining: fc.integer({ min: 1, max: 200 }),
      vestsIn: fc.integer({ min: -50, max: 50 }),
      expiresIn: fc.option(fc.integer({ min: -50, max: 500 }), { nil: null }),
      after: fc.boolean(),
      held: fc.nat(60),
    })
    .map((l) => ({
      lot: {
        lotId: `t${i}:a0`,
        cardId: 'C',
        sourceTxnId: `t${i}`,
        initial: l.remaining,
        remaining: l.remaining,
        vestsAt: at + l.vestsIn,
        expiresAt: l.expiresIn === null ? null : at + l.expiresIn,
        account: 'member_available' as const,
      } satisfies Lot,
      after: l.after,
      held: Math.min(l.held, l.remaining),
    }));

const caseArb = fc.record({
  lots: fc
    .integer({ min: 0, max: 5 })
    .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => lotArb(i)))),
  available: fc.integer({ min: -100, max: 500 }),
  delta: fc.integer({ min: -200, max: 300 }),
  heldSnapshot: fc.nat(80),
  receivedAt: fc.integer({ min: at - 100, max: at }),
});

describe('snapshotSpendView', () => {
  it('spendable = max(0, combined − holds); the lots always cover it; the snapshot lot is spent last', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const held = new Map<string, number>(c.lots.map((l) => [l.lot.lotId, l.held]));
        held.set(snapshotLotId('C'), c.heldSnapshot);
        const after = new Set(c.lots.filter((l) => l.after).map((l) => l.lot.lotId));
        const view = snapshotSpendView({
          snapshot: { cardId: 'C', available: c.available, delta: c.delta, receivedAt: c.receivedAt },
          lots: c.lots.map((l) => l.lot),
          isAfterWatermark: (lot) => after.has(lot.lotId),
          at,
          held,
        });
        const heldTotal = c.lots.reduce((s, l) => s + l.held, 0) + c.heldSnapshot;
        expect(view.held).toBe(heldTotal);
        expect(view.spendable).toBe(Math.max(0, view.combined - heldTotal));
        expect(Number.isSafeInteger(view.spendable)).toBe(true);
        const order = spendableLots(view.lots, at, held);
        const free = order.reduce((s, lot) => s + freePoints(lot, held), 0);
        expect(free).toBeGreaterThanOrEqual(view.spendable);
        const snapshotAt = order.findIndex((l) => isSnapshotLot(l.lotId));
        if (snapshotAt >= 0) expect(snapshotAt).toBe(order.length - 1);
        // Spending all of it succeeds and never takes more from the snapshot than it offers.
        const spent = planRedemption({ lots: view.lots, at, points: view.spendable, held });
        expect(spent.ok).toBe(true);
        if (spent.ok) {
          const fromSnapshot = spent.value.takes
            .filter((t) => isSnapshotLot(t.lotId))
            .reduce((s, t) => s + t.points, 0);
          const offered = view.lots.find((l) => isSnapshotLot(l.lotId));
          expect(fromSnapshot).toBeLessThanOrEqual(Math.max(0, (offered?.remaining ?? 0) - c.heldSnapshot));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('leaves out lots made after the watermark that are not vested, and lots that expired since the snapshot', () => {
    const lot = (id: string, remaining: number, vestsAt: number, expiresAt: number | null): Lot => ({
      lotId: id,
      cardId: 'C',
      sourceTxnId: id,
      initial: remaining,
      remaining,
      vestsAt,
      expiresAt,
      account: 'member_available',
    });
    const view = snapshotSpendView({
      snapshot: { cardId: 'C', available: 100, delta: 30 + 7, receivedAt: at - 10 },
      lots: [
        lot('new-pending', 30, at + 5, null), // after the watermark, not vested: out
        lot('new-vested', 7, at - 1, null), // after the watermark, vested: in
        lot('old-expired-since', 4, at - 100, at - 5), // head office counted it: out now
        lot('old-expired-before', 9, at - 100, at - 20), // head office had left it out already
      ],
      isAfterWatermark: (l) => l.lotId.startsWith('new'),
      at,
      held: new Map(),
    });
    expect(view.combined).toBe(100 + 37 - 30 - 4);
    expect(view.spendable).toBe(103);
    expect(view.lots.find((l) => isSnapshotLot(l.lotId))?.remaining).toBe(103 - 7);
  });
});
