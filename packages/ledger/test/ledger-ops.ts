import fc from 'fast-check';
import type { LedgerStore } from '../src/store/index';
import { splitSale } from './sale-facts';

/**
 * Random ledger histories for property tests, run through `LedgerStore` on either store. Times
 * are offsets in hours from the start; indexes pick among earlier receipts, holds and writes so
 * the generator needs no state. Every write gets its own idempotency key (`k<index>`).
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
      /** Sent with a fingerprint (what the POS sent), so a retry after the clock moved replays. */
      fingerprint: boolean;
      /** Lines the basket is split into, and a once-only bonus (of `earn`) with this key, if any. */
      lines: number;
      grant: 'welcome' | 'birthday' | null;
    }
  | { op: 'hold'; card: number; points: number; ttlHours: number }
  | { op: 'void'; hold: number }
  /** Money back (`amount`), or `quantity` of line `line` when `byLine` (clamped to the sale's lines). */
  | { op: 'return'; sale: number; amount: number; byLine: boolean; line: number; quantity: number }
  | { op: 'adjust'; card: number; points: number }
  | { op: 'card'; card: number; change: 'enrol' | 'block' | 'unblock' }
  /** Head office's figure arrives: `available`, as of the till's last entry minus `back`. */
  | {
      op: 'snapshot';
      card: number;
      available: number;
      back: number;
      /** Head office's card state with it (a `version=2` pull), or none. */
      state: 'anonymous' | 'enrolled' | 'blocked' | null;
    }
  /** Head office acknowledges through the till's last entry minus `back`. */
  | { op: 'ack'; back: number }
  /**
   * An earlier write sent again under its key: unchanged; with a changed request; or, for a sale,
   * an hour later with its dates moved (the agent lost its pinned time).
   */
  | { op: 'retry'; of: number; how: 'same' | 'changed' | 'moved' }
  | { op: 'wait'; hours: number };

export const cardCount = 3;
const card = fc.integer({ min: 0, max: cardCount - 1 });

export const ledgerOp: fc.Arbitrary<LedgerOp> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant('sale' as const),
      card,
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
      fingerprint: fc.boolean(),
      lines: fc.integer({ min: 1, max: 3 }),
      grant: fc.constantFrom(null, null, 'welcome' as const, 'birthday' as const),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('hold' as const),
      card,
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
      byLine: fc.boolean(),
      line: fc.nat(2),
      quantity: fc.constantFrom(0.5, 1, 1.5, 2, 3),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('adjust' as const),
      card,
      points: fc.integer({ min: -200, max: 300 }).filter((p) => p !== 0),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('card' as const),
      card,
      change: fc.constantFrom('enrol' as const, 'block' as const, 'unblock' as const),
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
      card,
      available: fc.integer({ min: 0, max: 400 }),
      back: fc.nat(4),
      state: fc.constantFrom(
        null,
        null,
        'anonymous' as const,
        'enrolled' as const,
        'enrolled' as const,
        'blocked' as const,
      ),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('ack' as const), back: fc.nat(6) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('retry' as const),
      of: fc.nat(30),
      how: fc.constantFrom('same' as const, 'changed' as const, 'moved' as const),
    }),
  },
);

export const hourMs = 3_600_000;
export const dayMs = 24 * hourMs;
export const startAt = 1_800_000_000_000;

/** What one step did: the op's outcome (null when it wrote nothing) and, for a retry, what it re-sent. */
export interface Step {
  index: number;
  at: number;
  outcome: { ok: true; value: unknown } | { ok: false; code: string } | null;
  retry?: {
    of: number;
    how: 'same' | 'changed' | 'moved';
    first: Step['outcome'];
    /** The write carried a fingerprint: any retry under its key is the same request. */
    fingerprinted: boolean;
  };
}

interface Sent {
  index: number;
  send: (shift: { hours: number; changed: boolean }) => Step['outcome'];
  outcome: Step['outcome'];
  /** A sale with a fingerprint: a moved retry is the same request. */
  fingerprinted: boolean;
}

/** Counter ids: two stores given the same sequence make identical entries, lots and holds. */
export function counterIds(): () => string {
  let n = 0;
  return () => `id-${String(++n).padStart(8, '0')}`;
}

/** Runs `ops` on `store`, calling `step` after each. Returns the history's last moment. */
export function runOps(store: LedgerStore, ops: readonly LedgerOp[], step: (s: Step) => void): number {
  const receipts: { receiptId: string; lines: number }[] = [];
  const holds: { id: string; card: number }[] = [];
  const sent: Sent[] = [];
  let at = startAt;
  const write = (index: number, send: Sent['send'], fingerprinted = false): Step['outcome'] => {
    const outcome = send({ hours: 0, changed: false });
    sent.push({ index, send, outcome, fingerprinted });
    return outcome;
  };
  ops.forEach((op, index) => {
    const key = `k${index}`;
    let outcome: Step['outcome'] = null;
    let retry: Step['retry'];
    switch (op.op) {
      case 'wait':
        at += op.hours * hourMs;
        break;
      case 'sale': {
        const hold = op.useHold === null ? undefined : holds.filter((h) => h.card === op.card)[op.useHold];
        const receiptId = `R${index}`;
        const saleAt = at;
        outcome = write(
          index,
          ({ hours, changed }) => {
            const t = saleAt + hours * hourMs;
            const total = op.total + (changed ? 1 : 0);
            return store.commitSale({
              idempotencyKey: key,
              ...(op.fingerprint ? { fingerprint: `pos-body-${index}` } : {}),
              cardId: `card${op.card}`,
              receiptId,
              at: t,
              basketTotalMinor: total,
              accruals: [
                {
                  points: op.earn,
                  vestsAt: t + op.vestDays * dayMs,
                  expiresAt: t + (op.vestDays + op.lifeDays) * dayMs,
                  ruleIds: ['base'],
                },
              ],
              redeemPoints: op.redeem,
              rulesVersion: 'v1',
              ...(hold === undefined ? {} : { holdId: hold.id }),
              sale: splitSale({ total, earned: op.earn, spent: op.redeem, lines: op.lines, grant: op.grant }),
            });
          },
          op.fingerprint,
        );
        if (outcome?.ok) receipts.push({ receiptId, lines: op.lines });
        break;
      }
      case 'hold': {
        const holdAt = at;
        outcome = write(index, ({ hours, changed }) =>
          store.hold({
            idempotencyKey: key,
            cardId: `card${op.card}`,
            points: op.points + (changed ? 1 : 0),
            at: holdAt + hours * hourMs,
            ttlMs: op.ttlHours * hourMs,
          }),
        );
        if (outcome?.ok) holds.push({ id: (outcome.value as { holdId: string }).holdId, card: op.card });
        break;
      }
      case 'void': {
        const hold = holds[op.hold];
        const voidAt = at;
        if (hold !== undefined)
          outcome = write(index, ({ hours, changed }) =>
            store.voidHold({
              idempotencyKey: key,
              holdId: changed ? `${hold.id}-other` : hold.id,
              at: voidAt + hours * hourMs,
            }),
          );
        break;
      }
      case 'return': {
        const sold = receipts[op.sale];
        const returnAt = at;
        if (sold !== undefined)
          outcome = write(index, ({ hours, changed }) =>
            store.returnSale({
              idempotencyKey: key,
              receiptId: sold.receiptId,
              at: returnAt + hours * hourMs,
              storeId: 'store-1',
              ...(op.byLine
                ? {
                    lines: [
                      { lineId: `L${(op.line % sold.lines) + 1}`, quantity: op.quantity + (changed ? 1 : 0) },
                    ],
                  }
                : { refundMinor: op.amount + (changed ? 1 : 0) }),
            }),
          );
        break;
      }
      case 'adjust': {
        const adjustAt = at;
        outcome = write(index, ({ hours, changed }) =>
          store.adjust({
            idempotencyKey: key,
            cardId: `card${op.card}`,
            points: op.points,
            actor: 'prop',
            role: 'store_manager',
            reason: changed ? 'another reason' : 'property test',
            at: adjustAt + hours * hourMs,
          }),
        );
        break;
      }
      case 'card': {
        const cardAt = at;
        outcome = write(index, ({ hours, changed }) => {
          const request = { idempotencyKey: key, cardId: `card${op.card}`, at: cardAt + hours * hourMs };
          if (op.change === 'enrol')
            return store.enrolCard({
              ...request,
              ...(changed ? { phone: '+79990000001', consentAt: request.at } : {}),
            });
          const reason = changed ? 'changed' : 'property test';
          return op.change === 'block'
            ? store.blockCard({ ...request, reason })
            : store.unblockCard({ ...request, reason });
        });
        break;
      }
      case 'snapshot':
        store.setCardSnapshots({
          watermark: { epoch: store.epoch, seq: Math.max(0, store.outboxHead().lastSeq - op.back) },
          balances: [
            {
              cardId: `card${op.card}`,
              available: op.available,
              pending: 0,
              ...(op.state === null
                ? {}
                : {
                    card: {
                      status: op.state,
                      enrolledAt: op.state === 'anonymous' ? null : startAt,
                      counters: {
                        tierSpendMinor: op.available * 100,
                        tierFloorMinor: 0,
                        lifetimeSpendMinor: op.available * 1000,
                        purchaseCount: op.back,
                        asOf: at,
                      },
                      grants: op.back % 2 === 0 ? ['welcome'] : [],
                      profile: null,
                      phoneHash: null,
                    },
                  }),
            },
          ],
          at,
        });
        break;
      case 'ack': {
        const head = store.outboxHead();
        store.markAcked(Math.max(head.ackedThrough, head.lastSeq - op.back));
        break;
      }
      case 'retry': {
        const first = sent[op.of % Math.max(1, sent.length)];
        if (first === undefined) break;
        const how = op.how === 'moved' && !first.fingerprinted ? 'same' : op.how;
        outcome = first.send({ hours: how === 'moved' ? 1 : 0, changed: how === 'changed' });
        retry = { of: first.index, how, first: first.outcome, fingerprinted: first.fingerprinted };
        break;
      }
    }
    step({ index, at, outcome, ...(retry === undefined ? {} : { retry }) });
  });
  return at;
}
