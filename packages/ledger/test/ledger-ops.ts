import fc from 'fast-check';

/**
 * Random ledger histories for property tests: the pure model and the SQLite store run
 * the same sequences. Times are offsets in hours from the start; indexes pick among
 * earlier receipts and holds so the generator needs no state.
 */
export type LedgerOp =
  | {
      op: 'sale';
      card: number;
      total: number;
      earn: number;
      vestDays: number;
      lifeDays: number;
      redeem: number;
      useHold: number | null;
    }
  | { op: 'hold'; card: number; points: number; ttlHours: number }
  | { op: 'void'; hold: number }
  | { op: 'return'; sale: number; amount: number }
  | { op: 'adjust'; card: number; points: number }
  | { op: 'wait'; hours: number };

export const cardCount = 3;

export const ledgerOp: fc.Arbitrary<LedgerOp> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant('sale' as const),
      card: fc.integer({ min: 0, max: cardCount - 1 }),
      total: fc.integer({ min: 1, max: 500_000 }),
      earn: fc.integer({ min: 0, max: 500 }),
      vestDays: fc.integer({ min: 0, max: 14 }),
      lifeDays: fc.integer({ min: 1, max: 60 }),
      redeem: fc.integer({ min: 0, max: 400 }),
      useHold: fc.option(fc.nat(20), { nil: null }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('hold' as const),
      card: fc.integer({ min: 0, max: cardCount - 1 }),
      points: fc.integer({ min: 1, max: 300 }),
      ttlHours: fc.integer({ min: 1, max: 48 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('void' as const), hold: fc.nat(20) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('return' as const),
      sale: fc.nat(40),
      amount: fc.integer({ min: 1, max: 500_000 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('adjust' as const),
      card: fc.integer({ min: 0, max: cardCount - 1 }),
      points: fc.integer({ min: -200, max: 300 }).filter((p) => p !== 0),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('wait' as const), hours: fc.integer({ min: 1, max: 24 * 20 }) }),
  },
);

export const hourMs = 3_600_000;
export const dayMs = 24 * hourMs;
