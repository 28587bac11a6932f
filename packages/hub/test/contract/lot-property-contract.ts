import type { OutboxEntry } from '@tillpoint/ledger';
import { SyntheticTill } from '@tillpoint/test-kit/synthetic-till';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import type { HubStore } from '../../src/hub-store';
import type { ContractContext } from './contract-context';

/**
 * Head office's points for cards earned, spent and returned at several tills, pushed in any
 * order, with expiry runs between, against a model written here (not the store's code):
 *
 * - a lot is a bag of points with a vesting and an expiry time; a till's entry names the lots
 *   it moves points in or out of (its own lots, or `snapshot:<card>` for points it spent from
 *   head office's figure, which head office holds in no lot of that name);
 * - after each push, for each card, points a till took out of a lot that (at head office) no
 *   longer holds them are taken from the card's other lots that are spendable at that moment,
 *   the soonest expiry first; what they cannot cover is an offline overdraft (booked, flagged);
 * - an expiry run turns what is left in lots past their expiry into breakage.
 *
 * Checked after every step: available never below zero, an overdraft always flagged, every
 * figure (available, pending, overdraft) equal to the model's, breakage equal to the model's
 * expired points, the projection equal to the postings.
 */
interface ModelLot {
  points: number;
  vestsAt: number;
  expiresAt: number | null;
}

class CardModel {
  readonly lots = new Map<string, ModelLot>();
  overdraft = 0;

  /** Points in a lot; a lot head office never saw is created always vested, never expiring. */
  move(lotId: string, points: number): void {
    const lot = this.lots.get(lotId) ?? { points: 0, vestsAt: 0, expiresAt: null };
    lot.points += points;
    this.lots.set(lotId, lot);
  }

  /** Lots below zero are refilled from spendable lots, soonest expiry first; the rest is overdraft. */
  settle(at: number): void {
    let owed = 0;
    for (const lot of this.lots.values())
      if (lot.points < 0) {
        owed -= lot.points;
        lot.points = 0;
      }
    if (owed === 0) return;
    // A list of every spendable point with its lot's expiry, consumed from the front.
    const points: { lot: ModelLot; key: [number, number, string] }[] = [];
    for (const [id, lot] of this.lots)
      if (lot.points > 0 && lot.vestsAt <= at && (lot.expiresAt === null || lot.expiresAt > at))
        points.push({ lot, key: [lot.expiresAt ?? Number.MAX_SAFE_INTEGER, lot.vestsAt, id] });
    points.sort((a, b) => a.key[0] - b.key[0] || a.key[1] - b.key[1] || (a.key[2] < b.key[2] ? -1 : 1));
    for (const { lot } of points) {
      while (owed > 0 && lot.points > 0) {
        lot.points -= 1;
        owed -= 1;
      }
    }
    this.overdraft += owed;
  }

  expire(at: number): number {
    let expired = 0;
    for (const lot of this.lots.values())
      if (lot.expiresAt !== null && lot.expiresAt <= at && lot.points > 0) {
        expired += lot.points;
        lot.points = 0;
      }
    return expired;
  }

  figures(at: number): { available: number; pending: number; overdraft: number } {
    let available = 0;
    let pending = 0;
    for (const lot of this.lots.values()) {
      if (lot.expiresAt !== null && lot.expiresAt <= at) continue;
      if (lot.vestsAt > at) pending += lot.points;
      else available += lot.points;
    }
    return { available, pending, overdraft: this.overdraft };
  }
}

type Step =
  | { kind: 'earn'; till: number; card: number; points: number; life: number | null; vestIn: number }
  | { kind: 'spend'; till: number; card: number; points: number }
  | { kind: 'return'; till: number; pick: number }
  | { kind: 'push'; till: number }
  | { kind: 'expire' };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('earn' as const),
      till: fc.nat(2),
      card: fc.nat(1),
      points: fc.integer({ min: 1, max: 60 }),
      life: fc.option(fc.integer({ min: 1, max: 6 }), { nil: null, freq: 4 }),
      vestIn: fc.constantFrom(0, 0, 3, 6),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('spend' as const),
      till: fc.nat(2),
      card: fc.nat(1),
      points: fc.integer({ min: 1, max: 70 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('return' as const), till: fc.nat(2), pick: fc.nat(50) }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('push' as const), till: fc.nat(2) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('expire' as const) }) },
);

/** Hub clock: each step is one tick of 1 000 ms; lifetimes and vesting are in ticks. */
const tick = 1_000;

export function lotPropertyContract({ fresh, propertyRuns }: ContractContext): void {
  it('spends from any till, returns and expiry: available never below zero unless booked, breakage as the model says', async () => {
    const s = await fresh();
    let run = 0;
    // One store for every run: each run has its own cards, till epochs and a later stretch of time.
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 50 }), async (steps) => {
        run += 1;
        await checkRun(s, run, steps);
      }),
      { numRuns: propertyRuns },
    );
  });
}

async function checkRun(s: HubStore, run: number, steps: Step[]): Promise<void> {
  const base = run * 1_000_000;
  const tills = [
    { till: new SyntheticTill('t1', `r${run}-t1`), storeId: 's1', sent: 0 },
    { till: new SyntheticTill('t2', `r${run}-t2`), storeId: 's1', sent: 0 },
    { till: new SyntheticTill('t3', `r${run}-t3`), storeId: 's2', sent: 0 },
  ];
  const cardId = (n: number) => `r${run}-card-${n}`;
  // Lots an earlier run left (a failed one stops early) expire now, out of this run's figures.
  await s.runExpiry(base, 100_000);
  const models = new Map<string, CardModel>();
  const model = (card: string) => models.get(card) ?? models.set(card, new CardModel()).get(card)!;
  const sales: { till: number; entry: OutboxEntry; returned: boolean }[] = [];
  let at = base;

  const push = async (i: number) => {
    const t = tills[i]!;
    if (t.sent === t.till.entries.length) return;
    const entries = t.till.slice(t.sent + 1, t.till.entries.length);
    const outcome = await s.applyBatch({ tillId: t.till.tillId, storeId: t.storeId, entries, now: at });
    expect(outcome.kind).toBe('applied');
    t.sent = t.till.entries.length;
    const touched = new Set<string>();
    for (const entry of entries) {
      const m = model(entry.cardId);
      touched.add(entry.cardId);
      for (const lot of entry.newLots)
        if (!m.lots.has(lot.lotId))
          m.lots.set(lot.lotId, {
            points: 0,
            vestsAt: lot.vestsAt <= entry.occurredAt ? Math.min(lot.vestsAt, at) : lot.vestsAt,
            expiresAt: lot.expiresAt,
          });
      for (const p of entry.postings)
        if (p.account === 'member_available' || p.account === 'member_pending')
          m.move(p.lotId as string, p.amount);
    }
    for (const card of touched) model(card).settle(at);
  };

  for (const step of steps) {
    at += tick;
    switch (step.kind) {
      case 'earn': {
        const entry = tills[step.till]!.till.earn(cardId(step.card), step.points, at, {
          vestsAt: at + step.vestIn * tick,
          expiresAt: step.life === null ? null : at + step.life * tick,
        });
        sales.push({ till: step.till, entry, returned: false });
        break;
      }
      case 'spend': {
        const entry = tills[step.till]!.till.spend(cardId(step.card), step.points, at);
        sales.push({ till: step.till, entry, returned: false });
        break;
      }
      case 'return': {
        const open = sales.filter((sale) => !sale.returned);
        const sale = open[step.pick % Math.max(1, open.length)];
        if (sale === undefined) break;
        sale.returned = true;
        tills[sale.till]!.till.returnSale(sale.entry, at);
        break;
      }
      case 'push':
        await push(step.till);
        break;
      case 'expire': {
        let expected = 0;
        for (const m of models.values()) expected += m.expire(at);
        expect(await s.runExpiry(at, 100_000)).toBe(expected);
        break;
      }
    }
    await checkCards(s, models, at);
  }
  // Everything reaches head office; then every lot of this run expires (the next run starts clean).
  at += tick;
  for (let i = 0; i < tills.length; i++) await push(i);
  await checkCards(s, models, at);
  const end = base + 900_000;
  let expected = 0;
  for (const m of models.values()) expected += m.expire(end);
  expect(await s.runExpiry(end, 100_000)).toBe(expected);
  await checkCards(s, models, end);
  expect(await s.unbalancedCards(10)).toEqual([]);
}

async function checkCards(s: HubStore, models: Map<string, CardModel>, at: number): Promise<void> {
  for (const [card, m] of models) {
    const state = await s.getCard(card, at);
    const want = m.figures(at);
    expect(state?.available ?? 0).toBeGreaterThanOrEqual(0);
    expect({
      card,
      available: state?.available ?? 0,
      pending: state?.pending ?? 0,
      overdraft: state?.overdraft ?? 0,
    }).toEqual({
      card,
      ...want,
    });
    if (want.overdraft > 0) expect(state?.flagged).toBe(true);
  }
}
