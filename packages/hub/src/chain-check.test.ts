import { canonicalJson } from '@tillpoint/core';
import { type OutboxEntry, verifyChain } from '@tillpoint/ledger';
import { SyntheticTill } from '@tillpoint/test-kit/synthetic-till';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalBody, verifyChainFast } from './chain-check';

function canonicalOf(entry: OutboxEntry): string {
  const { prevHash: _p, hash: _h, ...body } = entry;
  return canonicalJson(body);
}

const text = fc.string({ unit: 'binary', maxLength: 12 });
const scalar = fc.oneof(
  text,
  fc.integer(),
  fc.constant(null),
  fc.boolean(),
  fc.double(),
  fc.constant(undefined),
);

/** Entries of the outbox shape, with optional damage: extra keys, undefined or odd values. */
const entryArb = fc
  .record({
    tillId: text,
    epoch: text,
    seq: fc.integer({ min: 1 }),
    txnId: text,
    idempotencyKey: text,
    kind: fc.constantFrom('sale', 'return', 'card_blocked'),
    cardId: text,
    occurredAt: fc.nat(),
    rulesVersion: fc.option(text),
    reverses: fc.option(text),
    postings: fc.array(
      fc.record({
        leg: fc.nat(),
        account: fc.constantFrom('member_available', 'issued_liability'),
        amount: fc.integer(),
        lotId: fc.option(text),
      }),
      { maxLength: 3 },
    ),
    newLots: fc.array(
      fc.record({
        lotId: text,
        initial: fc.integer({ min: 1 }),
        vestsAt: fc.nat(),
        expiresAt: fc.option(fc.nat()),
        account: fc.constantFrom('member_available', 'member_pending'),
      }),
      { maxLength: 2 },
    ),
    detail: fc.dictionary(text, fc.oneof(text, fc.integer(), fc.boolean(), fc.constant(null)), {
      maxKeys: 3,
    }),
    prevHash: fc.constant('0'.repeat(64)),
    hash: fc.constant('1'.repeat(64)),
  })
  .chain((entry) =>
    fc.oneof(
      fc.constant(entry),
      // damage: a key replaced by another value of any type, or an extra key
      fc
        .tuple(fc.constantFrom(...Object.keys(entry)), scalar)
        .map(([key, value]) => ({ ...entry, [key]: value })),
      fc.tuple(text, scalar).map(([key, value]) => ({ ...entry, [`x${key}`]: value })),
      fc.tuple(scalar).map(([value]) => ({
        ...entry,
        postings: entry.postings.map((p) => ({ ...p, amount: value })),
      })),
    ),
  ) as fc.Arbitrary<OutboxEntry>;

const saleLineArb = fc.record(
  {
    lineId: text,
    sku: text,
    category: fc.option(text),
    quantity: fc.oneof(fc.integer({ min: 1, max: 99 }), fc.double({ min: 0.001, max: 99, noNaN: true })),
    unitPriceMinor: fc.nat(),
    amountMinor: fc.nat(),
    discountMinor: fc.nat(),
    promotions: fc.array(text, { maxLength: 2 }),
    earnedPoints: fc.nat(),
    ruleIds: fc.array(text, { maxLength: 2 }),
    spentPoints: fc.nat(),
    spentDiscountMinor: fc.nat(),
    rewardDiscountMinor: fc.nat(),
  },
  {
    requiredKeys: [
      'lineId',
      'sku',
      'category',
      'quantity',
      'unitPriceMinor',
      'amountMinor',
      'discountMinor',
      'promotions',
      'earnedPoints',
      'ruleIds',
      'spentPoints',
      'spentDiscountMinor',
    ],
  },
);

/** Line keys a damaged sale changes on every line. */
const saleLineArbKeys = {
  lineId: 1,
  sku: 1,
  category: 1,
  quantity: 1,
  rewardDiscountMinor: 1,
  promotions: 1,
  ruleIds: 1,
  spentPoints: 1,
};

/** A sale fact (`saleFactSchema`'s keys, in schema order), with optional damage at any level. */
const saleArb = fc
  .record(
    {
      receiptId: text,
      storeId: text,
      cashierId: fc.option(text),
      currency: fc.constantFrom('EUR', 'RUB'),
      basketTotalMinor: fc.nat(),
      spendMinor: fc.nat(),
      lines: fc.array(saleLineArb, { minLength: 1, maxLength: 3 }),
      bonuses: fc.array(
        fc.record({ ruleId: text, kind: text, points: fc.nat(), grantOnceKey: fc.option(text) }),
        { maxLength: 2 },
      ),
      rewards: fc.array(
        fc.record({
          rewardId: text,
          times: fc.nat(),
          costPoints: fc.nat(),
          returnPolicy: text,
          lines: fc.constant([]),
        }),
        { minLength: 1, maxLength: 1 },
      ),
    },
    {
      requiredKeys: [
        'receiptId',
        'storeId',
        'cashierId',
        'currency',
        'basketTotalMinor',
        'spendMinor',
        'lines',
        'bonuses',
      ],
    },
  )
  .chain((sale) =>
    fc.oneof(
      fc.constant<unknown>(sale),
      fc
        .tuple(fc.constantFrom(...Object.keys(sale)), scalar)
        .map(([key, value]) => ({ ...sale, [key]: value })),
      fc.tuple(text, scalar).map(([key, value]) => ({ ...sale, [`x${key}`]: value })),
      fc
        .tuple(fc.constantFrom(...Object.keys(saleLineArbKeys)), scalar)
        .map(([key, value]) => ({ ...sale, lines: sale.lines.map((l) => ({ ...l, [key]: value })) })),
      fc.tuple(text, scalar).map(([key, value]) => ({
        ...sale,
        lines: sale.lines.map((l) => ({ ...l, [`x${key}`]: value })),
      })),
      fc.tuple(scalar).map(([value]) => ({
        ...sale,
        bonuses: sale.bonuses.map((b) => ({ ...b, points: value })),
      })),
      scalar,
    ),
  );

/** `canonicalBody` is `canonicalJson` of the entry without its hashes (and throws where it throws). */
function expectCanonical(entry: OutboxEntry): void {
  let expected: string;
  try {
    expected = canonicalOf(entry);
  } catch {
    expect(() => canonicalBody(entry)).toThrow();
    return;
  }
  expect(canonicalBody(entry)).toBe(expected);
}

describe('canonicalBody', () => {
  it('property: equals canonicalJson for entries carrying a sale fact, damaged at any level', () => {
    fc.assert(
      fc.property(entryArb, saleArb, fc.boolean(), (entry, sale, last) => {
        // The sale key where a till's entry has it (before the hashes) or after them.
        const { prevHash, hash, ...body } = entry as OutboxEntry & Record<string, unknown>;
        const withSale = (last
          ? { ...body, prevHash, hash, sale }
          : { ...body, sale, prevHash, hash }) as unknown as OutboxEntry;
        expectCanonical(withSale);
      }),
      { numRuns: 2_000 },
    );
  });

  it('agrees with verifyChain on sales with their facts, and sees a line changed after hashing', () => {
    const till = new SyntheticTill('t1');
    for (let i = 0; i < 4; i++)
      till.sell(`card-${i}`, {
        receiptId: `r${i}`,
        lines: [
          { lineId: 'l1', sku: 'milk', category: 'dairy', quantity: 2, unitPriceMinor: 150, earnedPoints: 3 },
          { lineId: 'l2', quantity: 0.75, unitPriceMinor: 999, earnedPoints: 7 },
        ],
        bonuses: [{ ruleId: 'welcome', points: 50, grantOnceKey: 'welcome' }],
      });
    const start = till.entries[0]?.prevHash as string;
    expect(till.entries.every((e) => e.sale !== undefined)).toBe(true);
    expect(verifyChainFast(till.entries, start)).toEqual({ ok: true });
    const entries = till.entries.map((e) => ({ ...e }));
    const sale = entries[2]?.sale as NonNullable<OutboxEntry['sale']>;
    (entries[2] as OutboxEntry).sale = {
      ...sale,
      lines: sale.lines.map((l, i) => (i === 1 ? { ...l, earnedPoints: l.earnedPoints + 1 } : l)),
    };
    expect(verifyChainFast(entries, start)).toEqual(verifyChain(entries, start));
    expect(verifyChainFast(entries, start)).toMatchObject({ ok: false, seq: entries[2]?.seq });
  });

  it('property: equals canonicalJson of the entry without its hashes, for any shape', () => {
    fc.assert(
      fc.property(entryArb, (entry) => expectCanonical(entry)),
      { numRuns: 2_000 },
    );
  });
});

describe('verifyChainFast', () => {
  it('property: agrees with verifyChain on chains with any entry tampered or any hash forged', () => {
    const till = new SyntheticTill('t1');
    for (let i = 0; i < 12; i++) {
      if (i % 3 === 2) till.spend(`card-${i % 4}`, 1);
      else till.earn(`card-${i % 4}`, 5 + i);
    }
    const start = till.entries[0]?.prevHash as string;
    fc.assert(
      fc.property(
        fc.nat(11),
        fc.constantFrom('cardId', 'seq', 'hash', 'prevHash', 'detail', 'none'),
        (at, field) => {
          const entries = till.entries.map((e) => ({ ...e }));
          const target = entries[at] as Record<string, unknown>;
          if (field === 'seq') target.seq = 999;
          else if (field === 'detail') target.detail = { receiptId: 'forged' };
          else if (field !== 'none') target[field] = 'f'.repeat(64);
          expect(verifyChainFast(entries, start)).toEqual(verifyChain(entries, start));
          expect(verifyChainFast(entries, start).ok).toBe(field === 'none');
        },
      ),
    );
  });
});
