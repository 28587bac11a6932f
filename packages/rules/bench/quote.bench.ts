import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Basket, type BasketInput, basketSchema, type Card, cardSchema } from '@tillpoint/core';
import type { BenchHarness } from '../../../scripts/bench/harness';
import {
  type CatalogueReward,
  type EarnRule,
  type ProgramInput,
  type ProgramVersion,
  parseProgram,
  quote,
} from '../src/index';

/**
 * Quote latency for baskets of 10, 50 and 200 lines against programs of 10 and 100 rules,
 * beside the cost of only validating the same basket with zod (the baseline), so the
 * engine's own cost reads as a ratio. Target: p99 under 1 ms for 50 lines and 100 rules.
 * Then the same 50 lines x 100 rules with a reward catalogue of 50 rewards.
 *
 * Before/after: `RULES_BASELINE_REF=main npx tsx scripts/bench.ts quote.bench` extracts that
 * commit's rules engine (`git archive`) into bench/.baseline-<ref>/ and times it against this
 * one on the 50 x 100 case, call by call in turn, so both see the same machine load (wall time,
 * and CPU time: the in-process target is a CPU p99).
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

const kinds = ['percent-off', 'amount-off', 'free-units', 'gift', 'coupon'] as const;

/** 50 rewards of every kind, on categories the bench baskets hold, some with conditions and limits. */
function catalogueOf(count: number): CatalogueReward[] {
  return Array.from({ length: count }, (_, i): CatalogueReward => {
    const kind = kinds[i % kinds.length] ?? 'amount-off';
    const lines = { categories: [categories[(i * 3) % categories.length] ?? 'cat-0'] };
    const benefit: CatalogueReward['benefit'] =
      kind === 'percent-off'
        ? { type: kind, percent: 5 + (i % 20), ...(i % 2 === 0 ? { lines } : {}) }
        : kind === 'amount-off'
          ? { type: kind, amountMinor: 10_000 * (1 + (i % 5)) }
          : kind === 'free-units'
            ? { type: kind, lines, buyUnits: i % 3, freeUnits: 1, percent: 100 }
            : kind === 'gift'
              ? { type: kind, sku: `sku-${i}`, text: 'a gift', units: 1 }
              : { type: kind, coupon: { symbology: 'qr', text: 'a partner voucher' }, valueMinor: 50_000 };
    return {
      id: `reward-${i}`,
      name: `Reward ${i}`,
      costPoints: 100 * (1 + (i % 10)),
      benefit,
      limits: {
        perPurchase: kind === 'percent-off' ? 1 : 2,
        ...(i % 4 === 0 ? { perCard: 5 } : {}),
        ...(i % 4 === 1 ? { perPeriod: { count: 2, period: 'month' as const } } : {}),
      },
      limitedStock: i % 7 === 0,
      returnPolicy: 'when-all-returned',
      ...(i % 6 === 0 ? { when: { minBasketMinor: 100_000 } } : {}),
    };
  });
}

type QuoteFn = (basket: Basket, card: Card, version: ProgramVersion, now: Date) => unknown;
interface Engine {
  parseProgram: (input: unknown, source: string) => { ok: boolean; value?: ProgramVersion; message?: string };
  quote: QuoteFn & ((b: Basket, c: Card, v: ProgramVersion, n: Date, o: { spendPoints: number }) => unknown);
}

/** The rules engine of another commit, extracted with `git archive` beside this bench. */
async function baselineEngine(ref: string): Promise<Engine> {
  const root = join(import.meta.dirname, '../../..');
  const dir = join(import.meta.dirname, `.baseline-${ref.replace(/[^A-Za-z0-9._-]/g, '_')}`);
  if (!existsSync(join(dir, 'src/index.ts'))) {
    mkdirSync(dir, { recursive: true });
    const archive = spawnSync('git', ['archive', ref, 'packages/rules/src'], {
      cwd: root,
      maxBuffer: 64 << 20,
    });
    if (archive.status !== 0) throw new Error(`git archive ${ref} failed: ${String(archive.stderr)}`);
    const untar = spawnSync('tar', ['-x', '--strip-components=2', '-C', dir], { input: archive.stdout });
    if (untar.status !== 0) throw new Error(`tar failed: ${String(untar.stderr)}`);
  }
  return (await import(pathToFileURL(join(dir, 'src/index.ts')).href)) as Engine;
}

/** Wall time of a call, or its CPU time (this process's threads, the garbage collector's included). */
const clocks = {
  wall: () => {
    const start = process.hrtime.bigint();
    return () => Number(process.hrtime.bigint() - start) / 1e6;
  },
  cpu: () => {
    const start = process.cpuUsage();
    return () => {
      const used = process.cpuUsage(start);
      return (used.user + used.system) / 1000;
    };
  },
};

/** Times two functions call by call in turn (a, b, b, a ...), so drift in machine load hits both alike. */
function interleaved(
  a: () => unknown,
  b: () => unknown,
  iterations: number,
  clock: keyof typeof clocks = 'wall',
): [number[], number[]] {
  for (let i = 0; i < iterations / 10; i++) {
    a();
    b();
  }
  const sa: number[] = [];
  const sb: number[] = [];
  for (let i = 0; i < iterations; i++) {
    for (const [fn, samples] of i % 2 === 0
      ? ([
          [a, sa],
          [b, sb],
        ] as const)
      : ([
          [b, sb],
          [a, sa],
        ] as const)) {
      const elapsed = clocks[clock]();
      fn();
      samples.push(elapsed());
    }
  }
  return [sa, sb];
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
  await cpuTimeBench(h, card, now, versions[1]?.version ?? versions[0]!.version);
  await catalogueBench(h, card, now, versions[1]?.version ?? versions[0]!.version);
  const ref = process.env.RULES_BASELINE_REF;
  if (ref !== undefined && ref !== '') await beforeAfter(h, ref, card, now);

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

/**
 * The 50 lines x 100 rules case again, each call's CPU time (`process.cpuUsage`: this process's
 * threads, the garbage collector's included) instead of its wall time: on a machine shared with
 * other work, a wall-clock p99 mostly measures the time the process waited for a core.
 */
async function cpuTimeBench(h: BenchHarness, card: Card, now: Date, version: ProgramVersion): Promise<void> {
  const group = 'rules: quote, 50 lines x 100 rules, CPU time per call';
  const input = basketOf(50);
  const basket = basketSchema.parse(input);
  const cpuMs = (fn: () => unknown, iterations: number): number[] => {
    for (let i = 0; i < iterations / 10; i++) fn();
    return Array.from({ length: iterations }, () => {
      const start = process.cpuUsage();
      fn();
      const used = process.cpuUsage(start);
      return (used.user + used.system) / 1000;
    });
  };
  const baseline = 'zod basketSchema.parse only (CPU)';
  h.record(
    group,
    baseline,
    cpuMs(() => basketSchema.parse(input), 3000),
  );
  h.record(
    group,
    'quote, 100 rules (CPU)',
    cpuMs(() => quote(basket, card, version, now), 3000),
    {
      baseline,
      note: 'target p99 < 1 ms',
    },
  );
}

async function catalogueBench(h: BenchHarness, card: Card, now: Date, plain: ProgramVersion): Promise<void> {
  const group = 'rules: reward catalogue, 50 lines x 100 rules';
  const parsed = parseProgram(
    { ...programWith(100), id: 'bench-catalogue', rewards: { catalogue: catalogueOf(50) } },
    'bench-catalogue',
  );
  if (!parsed.ok) throw new Error(parsed.message);
  const withCatalogue = parsed.value;
  const basket = basketSchema.parse(basketOf(50));
  const rich = cardSchema.parse({
    ...card,
    rewardUses: [{ rewardId: 'reward-1', total: 1, recentAt: ['2027-03-01T10:00:00Z'] }],
  });
  const stock = Object.fromEntries(catalogueOf(50).map((r) => [r.id, 3]));
  const iterations = 3000;
  await h.time(group, 'quote, 100 rules, no catalogue', () => quote(basket, rich, plain, now), {
    iterations,
  });
  await h.time(
    group,
    'quote, 100 rules + 50 rewards',
    () => quote(basket, rich, withCatalogue, now, { rewardStock: stock }),
    {
      iterations,
      baseline: 'quote, 100 rules, no catalogue',
    },
  );
  await h.time(
    group,
    'quote + 2 chosen rewards + spend 100',
    () =>
      quote(basket, rich, withCatalogue, now, {
        rewardStock: stock,
        rewards: [{ id: 'reward-2', times: 1 }, { id: 'reward-0' }],
        spendPoints: 100,
      }),
    { iterations, baseline: 'quote, 100 rules, no catalogue', note: 'free units + percent off' },
  );
  const sample = quote(basket, rich, withCatalogue, now, { rewardStock: stock });
  const affordable = sample.rewards?.available.filter((r) => r.affordable).length ?? 0;
  h.figure(group, 'catalogue of 50 rewards', `${affordable} affordable for a card with 50000 points`);
}

async function beforeAfter(h: BenchHarness, ref: string, card: Card, now: Date): Promise<void> {
  const group = `rules: before/after (${ref}), 50 lines x 100 rules`;
  const before = await baselineEngine(ref);
  const parsedBefore = before.parseProgram(programWith(100), 'bench-100');
  const parsedAfter = parseProgram(programWith(100), 'bench-100');
  if (!parsedBefore.ok || parsedBefore.value === undefined) throw new Error(String(parsedBefore.message));
  if (!parsedAfter.ok) throw new Error(parsedAfter.message);
  const old = parsedBefore.value;
  const current = parsedAfter.value;
  const basket = basketSchema.parse(basketOf(50));
  const iterations = 5000;
  const cases = [
    ['quote', undefined, 'wall'],
    ['quote + spend 100', 100, 'wall'],
    ['quote (CPU)', undefined, 'cpu'],
  ] as const;
  for (const [name, spend, clock] of cases) {
    const [a, b] = interleaved(
      () =>
        spend === undefined
          ? before.quote(basket, card, old, now)
          : before.quote(basket, card, old, now, { spendPoints: spend }),
      () =>
        spend === undefined
          ? quote(basket, card, current, now)
          : quote(basket, card, current, now, { spendPoints: spend }),
      iterations,
      clock,
    );
    const oldRow = h.record(group, `${name}, before (${ref})`, a);
    const newRow = h.record(group, `${name}, after`, b, {
      baseline: `${name}, before (${ref})`,
      // in turn in one heap, each side's collections land on the other's calls too
      ...(clock === 'cpu' ? { note: "one heap: p99 shares the other's GC; own p99 in the CPU group" } : {}),
    });
    h.figure(
      group,
      `${name}: median ${fmt(oldRow.medianMs)} -> ${fmt(newRow.medianMs)} (${(newRow.medianMs / oldRow.medianMs).toFixed(2)}x)`,
      `p99 ${fmt(oldRow.p99Ms)} -> ${fmt(newRow.p99Ms)} (${(newRow.p99Ms / oldRow.p99Ms).toFixed(2)}x)`,
    );
  }
}

function fmt(ms: number): string {
  return `${(ms * 1000).toFixed(0)} µs`;
}
