import { type BasketInput, basketSchema, cardSchema } from '@tillpoint/core';
import type { BenchHarness } from '../../../scripts/bench/harness';
import { type EarnRule, type ProgramInput, parseProgram, quote } from '../src/index';

/**
 * Quote latency for baskets of 10, 50 and 200 lines against programs of 10 and 100 rules,
 * beside the cost of only validating the same basket with zod (the baseline), so the
 * engine's own cost reads as a ratio. Target: p99 under 1 ms for 50 lines and 100 rules.
 */
const categories = Array.from({ length: 40 }, (_, i) => `cat-${i}`);

function programWith(ruleCount: number): ProgramInput {
  const earn: ProgramInput['earn'] = [];
  const kinds = [
    'cashback',
    'multiplier',
    'no-accrual',
    'threshold',
    'nth-purchase',
    'points-per-amount',
  ] as const;
  for (let i = 0; earn.length < ruleCount; i++) {
    const kind = kinds[i % kinds.length] ?? 'cashback';
    const id = `rule-${i}`;
    const lines = {
      categories: [
        categories[i % categories.length] ?? 'cat-0',
        categories[(i * 7) % categories.length] ?? 'cat-1',
      ],
    };
    const when =
      i % 3 === 0
        ? { dates: [{ from: '2027-01-01', to: '2027-12-31' }] }
        : i % 3 === 1
          ? { segments: ['vip'] }
          : undefined;
    const common = { id, priority: i % 5, ...(when === undefined ? {} : { when }) };
    let rule: EarnRule | Record<string, unknown>;
    if (i === 0) rule = { type: 'cashback', id: 'base', percent: 2 };
    else if (kind === 'cashback')
      rule = { type: kind, ...common, percent: (i % 10) + 1, lines, exclusiveGroup: 'rate' };
    else if (kind === 'multiplier') rule = { type: kind, ...common, factor: 1 + (i % 4) / 2, lines };
    else if (kind === 'no-accrual') rule = { type: kind, ...common, lines: { skus: [`sku-${i}`] } };
    else if (kind === 'threshold')
      rule = { type: kind, ...common, minAmountMinor: 100_000 * ((i % 7) + 1), reward: { points: 100 } };
    else if (kind === 'nth-purchase')
      rule = { type: kind, ...common, every: (i % 9) + 2, reward: { points: 50 } };
    else rule = { type: kind, ...common, points: 1, perAmountMinor: 10_000, lines };
    earn.push(rule as EarnRule);
  }
  return {
    id: `bench-${ruleCount}`,
    name: `${ruleCount} rules`,
    currency: 'RUB',
    pointValueMinor: 100,
    timeZone: 'Europe/Moscow',
    segments: [{ id: 'vip', name: 'VIP' }],
    stacking: { exclusiveGroups: [{ id: 'rate', pick: 'best' }] },
    accrual: { excludePaidWithPoints: true },
    redemption: {
      maxPercentOfBasket: 30,
      minPayMinor: 100,
      lineCaps: [{ lines: { categories: ['cat-3'] }, maxPercent: 10 }],
    },
    earn,
  };
}

function basketOf(lineCount: number): BasketInput {
  return {
    currency: 'RUB',
    lines: Array.from({ length: lineCount }, (_, i) => ({
      id: `line-${i}`,
      sku: `sku-${i}`,
      category: categories[(i * 13) % categories.length] ?? 'cat-0',
      tags: i % 4 === 0 ? ['own-label'] : [],
      quantity: 1 + (i % 3),
      unitPriceMinor: 10_000 + i * 137,
      amountMinor: (10_000 + i * 137) * (1 + (i % 3)) - (i % 5 === 0 ? 500 : 0),
      discountMinor: i % 5 === 0 ? 500 : 0,
      promotions: i % 11 === 0 ? ['pos-promo'] : [],
    })),
  };
}

export default async function bench(h: BenchHarness): Promise<void> {
  const card = cardSchema.parse({
    id: 'card-1',
    status: 'enrolled',
    groups: ['vip'],
    lifetimeSpendMinor: 1_000_000,
    purchaseCount: 4,
    balance: { spendable: 50_000, pending: 0 },
  });
  const now = new Date('2027-03-08T10:00:00Z');
  const versions = [10, 100].map((n) => {
    const parsed = parseProgram(programWith(n), `bench-${n}`);
    if (!parsed.ok) throw new Error(parsed.message);
    return { rules: n, version: parsed.value };
  });
  for (const lines of [10, 50, 200]) {
    const group = `rules: quote, ${lines} lines`;
    const input = basketOf(lines);
    const basket = basketSchema.parse(input);
    const iterations = lines === 200 ? 1000 : 3000;
    await h.time(group, 'zod basketSchema.parse only', () => basketSchema.parse(input), { iterations });
    for (const { rules, version } of versions) {
      const note = lines === 50 && rules === 100 ? 'target p99 < 1 ms' : '';
      await h.time(group, `quote, ${rules} rules`, () => quote(basket, card, version, now), {
        iterations,
        baseline: 'zod basketSchema.parse only',
        note,
      });
      await h.time(
        group,
        `quote + spend 100, ${rules} rules`,
        () => quote(basket, card, version, now, { spendPoints: 100 }),
        {
          iterations,
          baseline: 'zod basketSchema.parse only',
        },
      );
    }
  }
  const big = programWith(100);
  await h.time(
    'rules: program',
    'parseProgram, 100 rules (validate + version id)',
    () => parseProgram(big, 'bench'),
    {
      iterations: 300,
    },
  );
  const sample = quote(
    basketSchema.parse(basketOf(50)),
    card,
    versions[1]?.version ?? versions[0]!.version,
    now,
  );
  h.figure(
    'rules: program',
    '50 lines x 100 rules earns',
    `${sample.earned.totalPoints} points, max spend ${sample.redemption.maxPoints}`,
  );
}
