import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { basketSchema, cardSchema } from '@tillpoint/core';
import { describe, expect, it } from 'vitest';
import { parseProgram, type QuoteOptions, quote, quoteSchema, type RewardRequest } from '../src/index';

/**
 * Every worked example of MECHANICS.md: `fixtures/baskets/<name>.json` holds the card, the
 * basket, the moment and the figures checked by hand (`expect`); `fixtures/programs/<name>.json`
 * the program; `fixtures/quotes/<name>.json` the whole expected quote (regenerate with
 * `npx vitest run --project rules -u` and review the diff).
 */
const root = resolve(import.meta.dirname, '../../..');
const basketsDir = join(root, 'fixtures/baskets');
const names = readdirSync(basketsDir)
  .filter((f) => f.endsWith('.json') && !f.startsWith('sample-'))
  .map((f) => f.slice(0, -'.json'.length))
  .sort();

interface FixtureBasket {
  description: string;
  /** Where the numbers come from: a real program's public terms, quoted. */
  source?: { url: string; quote: string }[];
  program: string;
  now: string;
  card: unknown;
  basket: unknown;
  spendPoints?: number;
  spendAmountMinor?: number;
  rewards?: RewardRequest[];
  rewardStock?: Record<string, number>;
  expect: Record<string, unknown>;
  /**
   * Returns against a chosen reward (`rewards.chosen[reward]`): checked by the ledger, which
   * decides what a return gives back (packages/ledger/test/reward-return-fixtures.test.ts).
   */
  returns?: unknown[];
}

function optionsOf(fixture: FixtureBasket): QuoteOptions {
  return {
    ...(fixture.spendPoints === undefined ? {} : { spendPoints: fixture.spendPoints }),
    ...(fixture.spendAmountMinor === undefined ? {} : { spendAmountMinor: fixture.spendAmountMinor }),
    ...(fixture.rewards === undefined ? {} : { rewards: fixture.rewards }),
    ...(fixture.rewardStock === undefined ? {} : { rewardStock: fixture.rewardStock }),
  };
}

function at(value: unknown, path: string): unknown {
  let current = value;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

describe('MECHANICS.md worked examples', () => {
  it('has every example', () => {
    expect(names.length).toBeGreaterThanOrEqual(30);
  });

  it.each(names)('%s', async (name) => {
    const fixture = JSON.parse(readFileSync(join(basketsDir, `${name}.json`), 'utf8')) as FixtureBasket;
    const programPath = `fixtures/programs/${fixture.program}.json`;
    const parsed = parseProgram(JSON.parse(readFileSync(join(root, programPath), 'utf8')), programPath);
    if (!parsed.ok) throw new Error(parsed.message);
    for (const source of fixture.source ?? []) {
      expect(source.url, `${name}: source url`).toMatch(/^https?:\/\//);
      expect(source.quote.length, `${name}: source quote`).toBeGreaterThan(10);
    }
    const q = quote(
      basketSchema.parse(fixture.basket),
      cardSchema.parse(fixture.card),
      parsed.value,
      new Date(fixture.now),
      optionsOf(fixture),
    );
    expect(quoteSchema.safeParse(q).success).toBe(true);
    for (const [path, value] of Object.entries(fixture.expect)) {
      expect(at(q, path), `${name}: ${path}`).toEqual(value);
    }
    await expect(`${JSON.stringify(q, null, 2)}\n`).toMatchFileSnapshot(
      join(root, 'fixtures/quotes', `${name}.json`),
    );
  });
});

describe('sample programs and baskets (used by scripts/demo.ts)', () => {
  const samples = readdirSync(basketsDir).filter((f) => f.startsWith('sample-') && f.endsWith('.json'));

  it.each(samples)('%s quotes against its program', (file) => {
    const sample = JSON.parse(readFileSync(join(basketsDir, file), 'utf8')) as FixtureBasket;
    const programPath = `fixtures/programs/${sample.program}.json`;
    const parsed = parseProgram(JSON.parse(readFileSync(join(root, programPath), 'utf8')), programPath);
    if (!parsed.ok) throw new Error(parsed.message);
    const q = quote(
      basketSchema.parse(sample.basket),
      cardSchema.parse(sample.card),
      parsed.value,
      new Date(sample.now),
      optionsOf(sample),
    );
    expect(quoteSchema.parse(q)).toEqual(q);
    expect(q.earned.totalPoints).toBeGreaterThan(0);
    expect(q.redemption.chosen?.refusal ?? null).toBeNull();
  });
});
