import { readFileSync } from 'node:fs';
import type { Card } from '@tillpoint/core';
import type { OutboxEntry } from '@tillpoint/ledger';
import { type ProgramVersion, parseProgram, quote } from '@tillpoint/rules';
import { SyntheticTill } from '@tillpoint/test-kit/synthetic-till';
import type { IngestedEntry } from '../../src/ingested-entries';

/**
 * Synthetic traffic for fraud control: many tills in many stores, many cards (each with a home
 * store where it buys nine times in ten), realistic baskets
 * priced by the real rules engine (`fraud-program.json`, its points per line computed by `quote`
 * with each card's running spend, so head office's re-check agrees), spending of points now and
 * then, returns a few days later; plus the fraud scenarios below, injected on their own cards,
 * tills and cashiers. Deterministic for a seed.
 *
 * Scenarios (`FraudScenario`), each what it does → what must catch it:
 * - `tampered-points`: a till credits ten times a line's points on one sale → `recheckMismatch` (card blocked)
 * - `unauthorised-accrual`: a cashier books a manual accrual in their own name → `unexplainedCredit` (card blocked)
 * - `manual-accruals`: one cashier books 12 manual accruals of 3,000 points in a shift → `tillManualAdjustments`,
 *   `cashierManualAdjustments`, `storeAdjustmentPoints`
 * - `staff-own-card`: a cashier puts 16 customers' purchases on their own card in a day → `cashierOwnCard` (capped),
 *   `cardAtOneTill`
 * - `redemption-burst`: a stolen card pays with points 9 times in an hour → `cardRedemptionBurst` (blocked)
 * - `many-stores`: one card buys at 6 stores within 2 hours → `cardManyStores` (capped)
 * - `earn-then-refund`: 7 purchases, each returned the next day → `cardEarnThenRefund` (capped)
 * - `spend-after-enrolment`: a card enrolled and 12,000 points spent within the hour → `cardSpendAfterEnrolment`
 * - `points-in-a-day`: one card earns 35,000 points in a day (big baskets) → `cardPointsPerDay`, `cardPointsPerPurchase`
 * - `many-cards-at-till`: 70 different cards at one till within 10 minutes → `tillManyCards`
 */
export const fraudScenarios = [
  'tampered-points',
  'unauthorised-accrual',
  'manual-accruals',
  'staff-own-card',
  'redemption-burst',
  'many-stores',
  'earn-then-refund',
  'spend-after-enrolment',
  'points-in-a-day',
  'many-cards-at-till',
] as const;
export type FraudScenario = (typeof fraudScenarios)[number];

export function loadFraudProgram(): ProgramVersion {
  const text = readFileSync(new URL('./fraud-program.json', import.meta.url), 'utf8');
  const parsed = parseProgram(JSON.parse(text), 'fraud-program.json');
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.value;
}

/** Deterministic random numbers (mulberry32). */
export function randomOf(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const catalogue = [
  { sku: 'bread', category: 'bakery', priceMinor: 6_500 },
  { sku: 'milk-1l', category: 'milk', priceMinor: 9_900 },
  { sku: 'cheese', category: 'dairy', priceMinor: 54_000 },
  { sku: 'apples-kg', category: 'fruit', priceMinor: 14_900 },
  { sku: 'coffee', category: 'grocery', priceMinor: 69_900 },
  { sku: 'chicken', category: 'meat', priceMinor: 38_000 },
  { sku: 'wine', category: 'alcohol', priceMinor: 89_000 },
  { sku: 'cigarettes', category: 'tobacco', priceMinor: 21_000 },
  { sku: 'detergent', category: 'household', priceMinor: 45_000 },
  { sku: 'tv', category: 'electronics', priceMinor: 4_990_000 },
];

export interface TrafficOptions {
  seed: number;
  stores: number;
  tillsPerStore: number;
  cards: number;
  /** Ordinary sales. */
  sales: number;
  /** When the traffic starts, and how long it lasts. */
  startMs: number;
  daysSpan: number;
  scenarios?: readonly FraudScenario[];
}

interface CardRun {
  spendMinor: number;
  purchases: number;
  balance: number;
  granted: string[];
  groups: string[];
}

/** The generated traffic: every till's chained outbox, and what the scenarios used. */
export class FraudTraffic {
  readonly program = loadFraudProgram();
  readonly tills: { till: SyntheticTill; storeId: string }[] = [];
  /** The cards, tills and cashiers each scenario used (what the tests expect alerts on). */
  readonly injected = new Map<FraudScenario, { cards: string[]; tills: string[]; cashiers: string[] }>();
  readonly #cards = new Map<string, CardRun>();
  readonly #random: () => number;
  #receipt = 0;

  constructor(readonly o: TrafficOptions) {
    this.#random = randomOf(o.seed);
    for (let s = 0; s < o.stores; s++)
      for (let t = 0; t < o.tillsPerStore; t++) {
        const storeId = `s${String(s + 1).padStart(3, '0')}`;
        this.tills.push({ till: new SyntheticTill(`${storeId}-t${t + 1}`), storeId });
      }
  }

  #pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.#random() * items.length)] as T;
  }

  #card(cardId: string): CardRun {
    let run = this.#cards.get(cardId);
    if (!run) {
      run = {
        spendMinor: 0,
        purchases: 0,
        balance: 0,
        granted: [],
        groups: this.#random() < 0.1 ? ['pension-card'] : [],
      };
      this.#cards.set(cardId, run);
    }
    return run;
  }

  /** One sale priced by the engine; `tamper` multiplies the first line's points. */
  sell(
    t: { till: SyntheticTill; storeId: string },
    cardId: string,
    at: number,
    o: {
      lines?: { sku: string; category: string; priceMinor: number; quantity: number }[];
      spend?: number;
      cashierId?: string;
      tamper?: number;
    } = {},
  ): OutboxEntry {
    const run = this.#card(cardId);
    const lines =
      o.lines ??
      Array.from({ length: 1 + Math.floor(this.#random() * 6) }, () => {
        const item = this.#pick(catalogue.slice(0, 9));
        return { ...item, quantity: 1 + Math.floor(this.#random() * 3) };
      });
    const basket = {
      currency: 'RUB',
      storeId: t.storeId,
      lines: lines.map((l, i) => ({
        id: `l${i + 1}`,
        sku: l.sku,
        category: l.category,
        tags: [],
        quantity: l.quantity,
        unitPriceMinor: l.priceMinor,
        amountMinor: l.priceMinor * l.quantity,
        discountMinor: 0,
        promotions: [],
      })),
    };
    const card: Card = {
      id: cardId,
      status: 'enrolled',
      groups: run.groups,
      lifetimeSpendMinor: run.spendMinor,
      tierSpendMinor: run.spendMinor,
      purchaseCount: run.purchases,
      balance: { spendable: Math.max(run.balance, o.spend ?? 0), pending: 0 },
      grantedOnce: run.granted,
    };
    const wanted = o.spend ?? 0;
    const probe = wanted > 0 ? quote(basket, card, this.program, new Date(at)) : null;
    const spend = probe === null ? 0 : Math.min(wanted, probe.redemption.maxPoints);
    const q = quote(basket, card, this.program, new Date(at), spend > 0 ? { spendPoints: spend } : {});
    const spent = new Map((q.redemption.chosen?.lines ?? []).map((l) => [l.lineId, l]));
    const entry = t.till.sell(cardId, {
      receiptId: `r${++this.#receipt}`,
      storeId: t.storeId,
      at,
      rulesVersion: this.program.versionId,
      cashierId: o.cashierId ?? `cashier-${t.till.tillId.slice(-2)}`,
      lines: q.lines.map((l, i) => ({
        lineId: l.lineId,
        sku: basket.lines[i]?.sku ?? 'x',
        category: basket.lines[i]?.category ?? null,
        quantity: basket.lines[i]?.quantity ?? 1,
        unitPriceMinor: basket.lines[i]?.unitPriceMinor ?? 0,
        earnedPoints: i === 0 && o.tamper ? l.earnedPoints * o.tamper + 1 : l.earnedPoints,
        spentPoints: spent.get(l.lineId)?.points ?? 0,
      })),
      bonuses: q.bonuses.map((b) => ({
        ruleId: b.ruleId,
        kind: b.kind,
        points: b.points,
        grantOnceKey: b.grantOnceKey ?? null,
      })),
    });
    const earned = q.earned.totalPoints;
    run.spendMinor += q.basketTotalMinor - (q.redemption.chosen?.discountMinor ?? 0);
    run.purchases += 1;
    run.balance += earned - spend;
    for (const b of q.bonuses) if (b.grantOnceKey) run.granted.push(b.grantOnceKey);
    return entry;
  }

  /** Ordinary traffic then the scenarios, each till's entries in its own order. */
  generate(): void {
    const o = this.o;
    const span = o.daysSpan * 86_400_000;
    const returns: { sale: OutboxEntry; till: SyntheticTill; at: number }[] = [];
    for (let i = 0; i < o.sales; i++) {
      const at = o.startMs + Math.floor((i / o.sales) * span);
      const n = Math.floor(this.#random() * o.cards);
      const cardId = `7${String(n).padStart(12, '0')}`;
      // A card buys at its home store nine times in ten (the store's tills), elsewhere now and then.
      const home = (n % o.stores) * o.tillsPerStore;
      const t =
        this.#random() < 0.9
          ? (this.tills[home + Math.floor(this.#random() * o.tillsPerStore)] as (typeof this.tills)[number])
          : this.#pick(this.tills);
      const run = this.#card(cardId);
      const spend = run.balance > 200 && this.#random() < 0.1 ? Math.floor(run.balance * this.#random()) : 0;
      const sale = this.sell(t, cardId, at, { spend });
      if (this.#random() < 0.01) returns.push({ sale, till: t.till, at: at + 2 * 86_400_000 });
    }
    for (const r of returns) r.till.returnSale(r.sale, r.at);
    for (const s of o.scenarios ?? []) this.#inject(s, o.startMs + span / 2);
  }

  #inject(s: FraudScenario, at: number): void {
    const used = { cards: [] as string[], tills: [] as string[], cashiers: [] as string[] };
    this.injected.set(s, used);
    const card = `9${String(fraudScenarios.indexOf(s) + 1).padStart(12, '0')}`;
    const t = this.tills[fraudScenarios.indexOf(s) % this.tills.length] as {
      till: SyntheticTill;
      storeId: string;
    };
    used.cards.push(card);
    used.tills.push(t.till.tillId);
    const minute = 60_000;
    const big = [{ sku: 'tv', category: 'electronics', priceMinor: 4_990_000, quantity: 3 }];
    switch (s) {
      case 'tampered-points':
        this.sell(t, card, at, { tamper: 10 });
        break;
      case 'unauthorised-accrual':
        t.till.adjust(card, 500, { actor: 'cashier-x', role: 'cashier', reason: 'goodwill' }, at);
        used.cashiers.push('cashier-x');
        break;
      case 'manual-accruals':
        for (let i = 0; i < 12; i++)
          t.till.adjust(
            `${card}${i}`.slice(0, 13),
            3_000,
            { actor: 'mgr-9', role: 'store_manager', reason: 'complaint' },
            at + i * 20 * minute,
          );
        used.cashiers.push(`${t.storeId}/mgr-9`);
        break;
      case 'staff-own-card':
        for (let i = 0; i < 16; i++) this.sell(t, card, at + i * 25 * minute, { cashierId: 'cashier-own' });
        used.cashiers.push('cashier-own');
        break;
      case 'redemption-burst':
        this.sell(t, card, at - 86_400_000, { lines: big });
        for (let i = 0; i < 9; i++)
          this.sell(this.tills[i % this.tills.length] ?? t, card, at + i * 5 * minute, { spend: 300 });
        break;
      case 'many-stores': {
        const stores = [...new Map(this.tills.map((x) => [x.storeId, x])).values()].slice(0, 6);
        stores.forEach((x, i) => {
          this.sell(x, card, at + i * 15 * minute);
        });
        break;
      }
      case 'earn-then-refund':
        for (let i = 0; i < 7; i++) {
          const sale = this.sell(t, card, at + i * 3 * 3_600_000);
          t.till.returnSale(sale, at + i * 3 * 3_600_000 + 86_400_000);
        }
        break;
      case 'spend-after-enrolment':
        t.till.enrol(card, `ref-${card}`, at);
        for (let i = 0; i < 3; i++)
          this.sell(t, card, at + (i + 1) * 10 * minute, { lines: big, spend: 4_000 });
        break;
      case 'points-in-a-day':
        for (let i = 0; i < 3; i++)
          this.sell(t, card, at + i * 3_600_000, { lines: [{ ...big[0], quantity: 12 } as (typeof big)[0]] });
        break;
      case 'many-cards-at-till':
        for (let i = 0; i < 70; i++) this.sell(t, `8${String(i).padStart(12, '0')}`, at + i * 8_000);
        break;
    }
  }

  /** Every entry as head office's read answers it (each till's stream in order, tills one after another). */
  ingested(): IngestedEntry[] {
    return this.tills.flatMap((t) => t.till.entries.map((entry) => ({ storeId: t.storeId, entry })));
  }

  get saleCount(): number {
    return this.tills.reduce((n, t) => n + t.till.entries.filter((e) => e.kind === 'sale').length, 0);
  }
}
