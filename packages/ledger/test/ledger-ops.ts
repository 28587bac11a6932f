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
  /** Head office's figure arrives: `available`, as of the till's last entry minus `back`. */
  | { op: 'snapshot'; card: number; available: number; back: number }
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
      vestDays: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 14 })),
      lifeDays: fc.integer({ min: 1, max: 60 }),
      redeem: fc.oneof(
        { weight: 3, arbitrary: fc.constant(0) },
        { weight: 2, arbitrary: fc.integer({ min: 1, max: 60 }) },
        { weight: 1, arbitrary: fc.integer({ min: 1, max: 400 }) },
      ),
      useHold: fc.option(fc.nat(2), { nil: null }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('hold' as const),
      card: fc.integer({ min: 0, max: cardCount - 1 }),
      points: fc.integer({ min: 1, max: 80 }),
      ttlHours: fc.integer({ min: 1, max: 24 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('void' as const), hold: fc.nat(5) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('return' as const),
      sale: fc.nat(8),
      amount: fc.integer({ min: 1, max: 300_000 }),
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
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('snapshot' as const),
      card: fc.integer({ min: 0, max: cardCount - 1 }),
      available: fc.integer({ min: 0, max: 400 }),
      back: fc.nat(4),
    }),
  },
);

export const hourMs = 3_600_000;
export const dayMs = 24 * hourMs;

/** What a history runs against: the pure model or the SQLite store. */
export interface LedgerTarget {
  sale(input: {
    receiptId: string;
    cardId: string;
    at: number;
    basketTotalMinor: number;
    accrual: { points: number; vestsAt: number; expiresAt: number };
    redeemPoints: number;
    holdId?: string;
  }): { ok: boolean; code?: string };
  hold(input: { cardId: string; points: number; at: number; ttlMs: number }): {
    ok: boolean;
    code?: string;
    holdId?: string;
  };
  voidHold(holdId: string, at: number): void;
  returnSale(input: { receiptId: string; at: number; returnedAmountMinor: number }): {
    ok: boolean;
    code?: string;
  };
  adjust(input: { cardId: string; points: number; at: number }): { ok: boolean; code?: string };
  balance(cardId: string, at: number): { spendable: number; pending: number };
  /** Keeps head office's figure for the card as of the till's last entry minus `back`. */
  snapshot(input: { cardId: string; available: number; back: number; at: number }): void;
}

export const startAt = 1_800_000_000_000;

/** Runs `ops` on `target`, calling `step` after each with the op's outcome and the time. */
export function runOps(
  ops: readonly LedgerOp[],
  target: LedgerTarget,
  step: (outcome: { ok: boolean; code?: string } | null, at: number, index: number) => void,
): number {
  const receipts: string[] = [];
  const holds: { id: string; card: number }[] = [];
  let at = startAt;
  ops.forEach((op, index) => {
    let outcome: { ok: boolean; code?: string } | null = null;
    switch (op.op) {
      case 'wait':
        at += op.hours * hourMs;
        break;
      case 'sale': {
        const hold = op.useHold === null ? undefined : holds.filter((h) => h.card === op.card)[op.useHold];
        const receiptId = `R${index}`;
        outcome = target.sale({
          receiptId,
          cardId: `card${op.card}`,
          at,
          basketTotalMinor: op.total,
          accrual: {
            points: op.earn,
            vestsAt: at + op.vestDays * dayMs,
            expiresAt: at + (op.vestDays + op.lifeDays) * dayMs,
          },
          redeemPoints: op.redeem,
          ...(hold === undefined ? {} : { holdId: hold.id }),
        });
        if (outcome.ok) receipts.push(receiptId);
        break;
      }
      case 'hold': {
        const result = target.hold({
          cardId: `card${op.card}`,
          points: op.points,
          at,
          ttlMs: op.ttlHours * hourMs,
        });
        if (result.holdId !== undefined) holds.push({ id: result.holdId, card: op.card });
        outcome = result;
        break;
      }
      case 'void': {
        const hold = holds[op.hold];
        if (hold !== undefined) target.voidHold(hold.id, at);
        break;
      }
      case 'return': {
        const receiptId = receipts[op.sale];
        if (receiptId !== undefined)
          outcome = target.returnSale({ receiptId, at, returnedAmountMinor: op.amount });
        break;
      }
      case 'adjust':
        outcome = target.adjust({ cardId: `card${op.card}`, points: op.points, at });
        break;
      case 'snapshot':
        target.snapshot({ cardId: `card${op.card}`, available: op.available, back: op.back, at });
        break;
    }
    step(outcome, at, index);
  });
  return at;
}
