import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CardStateInput,
  type LedgerStore,
  MemoryLedgerStore,
  type OutboxEntry,
  openLedgerStore,
} from '../src/store/index';
import { counterIds } from './ledger-ops';
import { line, saleOfLines } from './sale-facts';

/**
 * The merge rule against a head office written here from the design alone (docs/chain-sync.md):
 * head office keeps, per card, sums of the sale facts it received (spend less returns, purchases),
 * the union of grant keys, first-wins enrolment and the last block/unblock; it receives this
 * till's outbox in order (push), and sends the card with the watermark of what it applied (pull).
 * Other tills' facts reach it directly. Whenever head office's card is the one the till last
 * pulled plus nothing from other tills since, the till's merged view must equal head office's card
 * with all of this till's entries applied, pushed or not; and once every entry is pushed,
 * acknowledged and pulled, it must equal head office's card exactly.
 */
const t0 = Date.parse('2026-03-01T00:00:00Z');
const cards = ['C0', 'C1'] as const;

interface HeadCard {
  status: 'anonymous' | 'enrolled' | 'blocked';
  enrolledAt: number | null;
  spendMinor: number;
  purchases: number;
  grants: Set<string>;
}

const fresh = (): HeadCard => ({
  status: 'anonymous',
  enrolledAt: null,
  spendMinor: 0,
  purchases: 0,
  grants: new Set(),
});

/** Head office's handling of one fact, as the design states it. */
function applyFact(card: HeadCard, e: OutboxEntry): void {
  switch (e.kind) {
    case 'sale':
      card.spendMinor += e.sale?.spendMinor ?? 0;
      card.purchases += 1;
      for (const b of e.sale?.bonuses ?? []) if (b.grantOnceKey !== null) card.grants.add(b.grantOnceKey);
      break;
    case 'return':
      card.spendMinor -= e.returned?.spendReversedMinor ?? 0;
      break;
    case 'card_enrolled':
      if (card.status !== 'blocked') card.status = 'enrolled';
      card.enrolledAt ??= e.occurredAt;
      break;
    case 'card_blocked':
      card.status = 'blocked';
      break;
    case 'card_unblocked':
      card.status = e.detail.status as HeadCard['status'];
      break;
    case 'adjustment':
      break;
  }
}

function stateOf(card: HeadCard): CardStateInput {
  return {
    status: card.status,
    enrolledAt: card.enrolledAt,
    counters: {
      tierSpendMinor: card.spendMinor,
      tierFloorMinor: 0,
      lifetimeSpendMinor: card.spendMinor,
      purchaseCount: card.purchases,
      asOf: t0,
    },
    grants: [...card.grants].sort(),
    profile: null,
    phoneHash: null,
  };
}

type Op =
  | { op: 'sale'; card: number; amount: number; grant: string | null }
  | { op: 'return'; sale: number; quantity: number }
  | { op: 'state'; card: number; change: 'enrol' | 'block' | 'unblock' }
  | { op: 'other'; card: number; fact: 'sale' | 'enrol' | 'block'; amount: number; grant: string | null }
  | { op: 'push'; entries: number }
  | { op: 'ack' }
  | { op: 'pull'; card: number };

const card = fc.nat(cards.length - 1);
const grant = fc.constantFrom(null, null, 'welcome', 'birthday-2026');
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('sale' as const),
      card,
      amount: fc.integer({ min: 1, max: 50_000 }),
      grant,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('return' as const),
      sale: fc.nat(10),
      quantity: fc.constantFrom(1, 2),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('state' as const),
      card,
      change: fc.constantFrom('enrol' as const, 'block' as const, 'unblock' as const),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('other' as const),
      card,
      fact: fc.constantFrom('sale' as const, 'enrol' as const, 'block' as const),
      amount: fc.integer({ min: 1, max: 50_000 }),
      grant,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ op: fc.constant('push' as const), entries: fc.integer({ min: 1, max: 4 }) }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('ack' as const) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('pull' as const), card }) },
);

function run(store: LedgerStore, ops: readonly Op[]): void {
  const head = new Map<string, HeadCard>(cards.map((c) => [c, fresh()]));
  let pushed = 0;
  /** Cards pulled with nothing from other tills since: their merged view is checkable. */
  const checkable = new Set<string>();
  const sales: string[] = [];
  let n = 0;
  const entries = () => store.outboxAfter(0, 1000);
  const push = (upTo: number) => {
    const all = entries();
    for (const e of all.slice(pushed, upTo)) applyFact(head.get(e.cardId) ?? fresh(), e);
    pushed = Math.max(pushed, Math.min(upTo, all.length));
  };
  const check = (cardId: string) => {
    // Head office's card with every entry of this till applied, pushed or not.
    const all = structuredClone(head.get(cardId) ?? fresh());
    for (const e of entries().slice(pushed)) if (e.cardId === cardId) applyFact(all, e);
    const view = store.getCard(cardId, t0);
    expect(view, cardId).toMatchObject({
      cardSource: 'head-office',
      status: all.status,
      enrolledAt: all.enrolledAt,
      tierSpendMinor: all.spendMinor,
      lifetimeSpendMinor: all.spendMinor,
      purchaseCount: all.purchases,
      grantedOnce: [...all.grants].sort(),
    });
  };
  for (const op of ops) {
    n += 1;
    const at = t0 + n;
    switch (op.op) {
      case 'sale': {
        const cardId = cards[op.card] as string;
        const bonuses =
          op.grant === null
            ? []
            : [{ ruleId: op.grant, kind: 'welcome', points: 10, grantOnceKey: op.grant }];
        const fact = saleOfLines(
          [line('1', { quantity: 2, amountMinor: op.amount, earnedPoints: 1 })],
          bonuses,
        );
        const done = store.commitSale({
          idempotencyKey: `s${n}`,
          cardId,
          receiptId: `R${n}`,
          at,
          basketTotalMinor: op.amount,
          accruals: [{ points: 1 + (op.grant === null ? 0 : 10), vestsAt: at, expiresAt: null, ruleIds: [] }],
          redeemPoints: 0,
          rulesVersion: 'v1',
          sale: fact,
        });
        if (done.ok) sales.push(`R${n}`);
        break;
      }
      case 'return': {
        const receiptId = sales[op.sale % Math.max(1, sales.length)];
        if (receiptId !== undefined)
          store.returnSale({
            idempotencyKey: `r${n}`,
            receiptId,
            at,
            storeId: 'store-1',
            lines: [{ lineId: '1', quantity: op.quantity }],
          });
        break;
      }
      case 'state': {
        const request = { idempotencyKey: `c${n}`, cardId: cards[op.card] as string, at };
        if (op.change === 'enrol') store.enrolCard(request);
        else if (op.change === 'block') store.blockCard(request);
        else store.unblockCard(request);
        break;
      }
      case 'other': {
        const cardId = cards[op.card] as string;
        const c = head.get(cardId) as HeadCard;
        if (op.fact === 'sale') {
          c.spendMinor += op.amount;
          c.purchases += 1;
          if (op.grant !== null) c.grants.add(op.grant);
        } else if (op.fact === 'enrol') {
          if (c.status !== 'blocked') c.status = 'enrolled';
          c.enrolledAt ??= at;
        } else c.status = 'blocked';
        checkable.delete(cardId);
        break;
      }
      case 'push':
        push(pushed + op.entries);
        break;
      case 'ack':
        store.markAcked(pushed);
        break;
      case 'pull': {
        const cardId = cards[op.card] as string;
        store.setCardSnapshots({
          watermark: { epoch: store.epoch, seq: pushed },
          balances: [{ cardId, available: 0, pending: 0, card: stateOf(head.get(cardId) as HeadCard) }],
          at,
        });
        checkable.add(cardId);
        break;
      }
    }
    for (const cardId of checkable) check(cardId);
  }
  // Every entry pushed and acknowledged, every card pulled: the till's card is head office's.
  push(entries().length);
  store.markAcked(pushed);
  for (const cardId of cards) {
    store.setCardSnapshots({
      watermark: { epoch: store.epoch, seq: pushed },
      balances: [{ cardId, available: 0, pending: 0, card: stateOf(head.get(cardId) as HeadCard) }],
      at: t0,
    });
    const c = head.get(cardId) as HeadCard;
    expect(store.getCard(cardId, t0)).toMatchObject({
      status: c.status,
      enrolledAt: c.enrolledAt,
      tierSpendMinor: c.spendMinor,
      lifetimeSpendMinor: c.spendMinor,
      purchaseCount: c.purchases,
      grantedOnce: [...c.grants].sort(),
      headOffice: { own: { spendMinor: 0, purchases: 0, grants: [], status: null, enrolledAt: null } },
    });
  }
  expect(store.findInvariantViolations()).toEqual([]);
}

describe('the merged card against a head office written from the design', () => {
  it('MemoryLedgerStore: equals head office`s card with all own entries applied, and exactly once acknowledged', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 5, maxLength: 60 }), (ops) => {
        run(new MemoryLedgerStore({ tillId: 'till-1', newId: counterIds() }), ops);
      }),
      { numRuns: 300 },
    );
  }, 60_000);

  it('SqliteLedgerStore: the same', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 5, maxLength: 60 }), (ops) => {
        const store = openLedgerStore({ path: ':memory:', tillId: 'till-1', newId: counterIds() });
        try {
          run(store, ops);
        } finally {
          store.close();
        }
      }),
      { numRuns: 60 },
    );
  }, 60_000);
});
