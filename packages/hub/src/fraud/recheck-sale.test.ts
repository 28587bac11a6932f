import type { SaleFact } from '@tillpoint/ledger';
import { parseProgram } from '@tillpoint/rules';
import { describe, expect, it } from 'vitest';
import { recheckSale } from './recheck-sale';

const program = (() => {
  const parsed = parseProgram(
    {
      id: 'p',
      name: 'P',
      currency: 'RUB',
      pointValueMinor: 100,
      timeZone: 'UTC',
      tiers: [
        { id: 'bronze', name: 'Bronze', fromSpendMinor: 0, toSpendMinor: 1_000_000 },
        { id: 'gold', name: 'Gold', fromSpendMinor: 1_000_000 },
      ],
      earn: [
        { type: 'cashback', id: 'bronze-3', percent: 3, when: { tiers: ['bronze'] } },
        { type: 'cashback', id: 'gold-7', percent: 7, when: { tiers: ['gold'] } },
        { type: 'no-accrual', id: 'no-tobacco', lines: { categories: ['tobacco'] } },
        { type: 'welcome', id: 'welcome-200', reward: { points: 200 } },
      ],
    },
    'test',
  );
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.value;
})();

/** A sale of 1,000 RUB of bread and 500 RUB of cigarettes with the points given. */
function sale(breadPoints: number, tobaccoPoints = 0, bonuses: SaleFact['bonuses'] = []): SaleFact {
  const line = (
    lineId: string,
    sku: string,
    category: string,
    amountMinor: number,
    earnedPoints: number,
  ) => ({
    lineId,
    sku,
    category,
    quantity: 1,
    unitPriceMinor: amountMinor,
    amountMinor,
    discountMinor: 0,
    promotions: [],
    earnedPoints,
    ruleIds: [],
    spentPoints: 0,
    spentDiscountMinor: 0,
  });
  return {
    receiptId: 'r1',
    storeId: 's1',
    cashierId: null,
    currency: 'RUB',
    basketTotalMinor: 150_000,
    spendMinor: 150_000,
    lines: [
      line('l1', 'bread', 'bakery', 100_000, breadPoints),
      line('l2', 'cig', 'tobacco', 50_000, tobaccoPoints),
    ],
    bonuses,
  };
}

const input = (s: SaleFact, rulesVersion: string | null = program.versionId) => ({
  cardId: 'c1',
  occurredAt: Date.parse('2026-12-01T10:00:00Z'),
  rulesVersion,
  sale: s,
  program: rulesVersion === program.versionId ? program : undefined,
});

describe('recheckSale', () => {
  // 3 % of 1,000 RUB = 30 RUB = 30 points at 1 point = 1 RUB; 7 % = 70; tobacco earns nothing.
  it('matches a bronze sale and a gold sale (whatever tier the card was in)', () => {
    expect(recheckSale(input(sale(30))).kind).toBe('match');
    expect(recheckSale(input(sale(70))).kind).toBe('match');
  });

  it('a line credited beyond any tier is an over-credit, both computations side by side', () => {
    const v = recheckSale(input(sale(300)));
    expect(v.kind).toBe('mismatch');
    if (v.kind !== 'mismatch') return;
    expect(v.overCredit).toBe(true);
    expect(v.lines[0]).toMatchObject({ lineId: 'l1', tillPoints: 300 });
    expect([30, 70]).toContain(v.lines[0]?.officePoints);
    expect(v.tillPoints).toBe(300);
  });

  it('points on a line that earns nothing are an over-credit', () => {
    const v = recheckSale(input(sale(30, 1)));
    expect(v).toMatchObject({ kind: 'mismatch', overCredit: true });
  });

  it('fewer points than the rules give differ without being an over-credit', () => {
    const v = recheckSale(input(sale(29)));
    expect(v).toMatchObject({ kind: 'mismatch', overCredit: false, tillPoints: 29, officePoints: 30 });
  });

  it('a bonus must be its rule, with its points', () => {
    const bonus = (points: number, ruleId = 'welcome-200') => [
      { ruleId, kind: 'welcome', points, grantOnceKey: ruleId },
    ];
    expect(recheckSale(input(sale(30, 0, bonus(200)))).kind).toBe('match');
    expect(recheckSale(input(sale(30, 0, bonus(2_000))))).toMatchObject({
      kind: 'mismatch',
      overCredit: true,
    });
    expect(recheckSale(input(sale(30, 0, bonus(200, 'no-such-bonus'))))).toMatchObject({ overCredit: true });
  });

  it('a version head office does not hold, or none, is not re-checkable (never flagged)', () => {
    expect(recheckSale(input(sale(9_999), 'unknown-version'))).toEqual({
      kind: 'not_recheckable',
      reason: 'rules_version_unknown',
      rulesVersion: 'unknown-version',
    });
    expect(recheckSale(input(sale(9_999), null))).toMatchObject({ reason: 'no_rules_version' });
  });
});
