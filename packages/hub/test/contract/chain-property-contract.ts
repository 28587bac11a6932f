import type { OutboxEntry } from '@tillpoint/ledger';
import { type CardStateSnapshot, syncChangesResponseSchema } from '@tillpoint/protocol';
import { SyntheticTill } from '@tillpoint/test-kit/synthetic-till';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import type { ContractContext } from './contract-context';

/**
 * One customer across the chain (issue 13's property): for any interleaving of facts from
 * three tills (two stores) and pulls, each till's merged card view equals head office's card
 * once all its facts are acknowledged, and both equal a model written here from the facts in
 * the order they reached head office.
 *
 * The till side is modelled here (`mergedView`: snapshot ⊕ the till's own entries after the
 * snapshot's watermark, one merge per field as docs/chain-sync.md says). HOOK for the lead: when
 * the ledger's merged card view is on main (`@tillpoint/ledger`, merged-card), replace
 * `mergedView` with it, fed the same snapshot and the till's unacknowledged outbox.
 */
type Snapshot = CardStateSnapshot;

interface TillSide {
  till: SyntheticTill;
  storeId: string;
  pushed: number;
  cursor: number;
  watermark: number;
  cards: Map<string, Snapshot>;
}

/** The till's merge: counters are sums, grants a set, its own enrolment wins locally. */
export function mergedView(
  snapshot: Snapshot | undefined,
  own: readonly OutboxEntry[],
  cardId: string,
): Snapshot {
  const base: Snapshot = snapshot ?? {
    status: 'anonymous',
    enrolledAt: null,
    counters: { tierSpendMinor: 0, tierFloorMinor: 0, lifetimeSpendMinor: 0, purchaseCount: 0, asOf: 0 },
    grants: [],
    profile: null,
    phoneHash: null,
  };
  const merged = structuredClone(base);
  const grants = new Set(merged.grants);
  for (const entry of own) {
    if (entry.cardId !== cardId) continue;
    if (entry.sale) {
      merged.counters.purchaseCount += 1;
      merged.counters.lifetimeSpendMinor += entry.sale.spendMinor;
      merged.counters.tierSpendMinor += entry.sale.spendMinor;
      for (const b of entry.sale.bonuses) if (b.grantOnceKey) grants.add(b.grantOnceKey);
    }
    if (entry.returned) {
      merged.counters.lifetimeSpendMinor -= entry.returned.spendReversedMinor;
      merged.counters.tierSpendMinor -= entry.returned.spendReversedMinor;
    }
    if (entry.kind === 'card_enrolled' && merged.status === 'anonymous') {
      merged.status = 'enrolled';
      merged.enrolledAt = entry.occurredAt;
    }
  }
  merged.grants = [...grants].sort();
  return merged;
}

/** What head office should hold, from the facts in the order they reached it. */
function model(
  arrived: readonly OutboxEntry[],
  cardId: string,
): Omit<Snapshot, 'counters'> & {
  counters: Omit<Snapshot['counters'], 'asOf'>;
} {
  let purchases = 0;
  let spend = 0;
  let enrolledAt: number | null = null;
  const grants = new Set<string>();
  const reversed = new Map<string, number>();
  const sales = new Map<string, number>();
  const lineMoney = new Map<string, number>();
  for (const e of arrived) {
    if (e.cardId !== cardId) continue;
    if (e.sale) {
      purchases += 1;
      spend += e.sale.spendMinor;
      sales.set(e.sale.receiptId, e.sale.spendMinor);
      for (const l of e.sale.lines)
        lineMoney.set(`${e.sale.receiptId}\u0000${l.lineId}`, l.amountMinor - l.spentDiscountMinor);
      for (const b of e.sale.bonuses) if (b.grantOnceKey) grants.add(b.grantOnceKey);
    }
    if (e.kind === 'card_enrolled' && enrolledAt === null) enrolledAt = e.occurredAt;
  }
  // A return counts once its sale is held, whichever reached head office first.
  for (const e of arrived) {
    if (e.cardId !== cardId || !e.returned) continue;
    const receipt = e.returned.origin.receiptId;
    if (!sales.has(receipt)) continue;
    const left = (sales.get(receipt) ?? 0) - (reversed.get(receipt) ?? 0);
    // Offline, by lines, the till sends no money: head office takes off what the units took.
    const money = e.returned.pointsSettled
      ? 0
      : (lineMoney.get(`${receipt}\u0000${e.returned.lines?.[0]?.lineId}`) ?? 0);
    const taken = Math.min(left, Math.max(e.returned.spendReversedMinor, money));
    reversed.set(receipt, (reversed.get(receipt) ?? 0) + taken);
    spend -= taken;
  }
  return {
    status: enrolledAt === null ? 'anonymous' : 'enrolled',
    enrolledAt,
    counters: {
      tierSpendMinor: spend,
      tierFloorMinor: 0,
      lifetimeSpendMinor: spend,
      purchaseCount: purchases,
    },
    grants: [...grants].sort(),
    profile: null,
    phoneHash: null,
  };
}

const cardIds = ['card-a', 'card-b'];
const opArb = fc.oneof(
  fc.record({
    op: fc.constant('sell' as const),
    till: fc.nat(2),
    card: fc.nat(1),
    lines: fc.array(
      fc.record({
        quantity: fc.constantFrom(1, 2, 0.5),
        price: fc.integer({ min: 1, max: 900 }),
        earned: fc.nat(9),
      }),
      {
        minLength: 1,
        maxLength: 3,
      },
    ),
    grant: fc.constantFrom(null, 'welcome', 'birthday-2026'),
  }),
  fc.record({ op: fc.constant('enrol' as const), till: fc.nat(2), card: fc.nat(1) }),
  fc.record({ op: fc.constant('return' as const), till: fc.nat(2), sale: fc.nat(20), settled: fc.boolean() }),
  fc.record({ op: fc.constant('push' as const), till: fc.nat(2) }),
  fc.record({ op: fc.constant('pull' as const), till: fc.nat(2) }),
);

export function chainPropertyContract({ fresh, now, propertyRuns }: ContractContext): void {
  it('gives every till a merged card view equal to head office’s card once its facts are acknowledged', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { maxLength: 30 }), async (ops) => {
        const s = await fresh();
        const sides: TillSide[] = (
          [
            ['t1', 's1'],
            ['t2', 's1'],
            ['t3', 's2'],
          ] as const
        ).map(([tillId, storeId]) => ({
          till: new SyntheticTill(tillId),
          storeId,
          pushed: 0,
          cursor: 0,
          watermark: 0,
          cards: new Map(),
        }));
        const arrived: OutboxEntry[] = [];
        const sales: OutboxEntry[] = [];
        const returnedLines = new Set<string>();
        const push = async (side: TillSide) => {
          if (side.pushed === side.till.entries.length) return;
          const entries = side.till.slice(side.pushed + 1, side.till.entries.length);
          expect(
            await s.applyBatch({ tillId: side.till.tillId, storeId: side.storeId, entries, now }),
          ).toMatchObject({
            kind: 'applied',
          });
          arrived.push(...entries);
          side.pushed = side.till.entries.length;
        };
        const pull = async (side: TillSide) => {
          for (let more = true; more; ) {
            const page = syncChangesResponseSchema.parse(
              await s.changesSince({
                tillId: side.till.tillId,
                storeId: side.storeId,
                cursor: side.cursor,
                limit: 3,
                now,
                version: 2,
              }),
            );
            for (const b of page.balances) if (b.card) side.cards.set(b.cardId, b.card);
            side.cursor = page.cursor;
            side.watermark = page.watermark.seq;
            more = page.more;
          }
        };
        for (const op of ops) {
          const side = sides[op.till] as TillSide;
          if (op.op === 'push') await push(side);
          else if (op.op === 'pull') await pull(side);
          else if (op.op === 'enrol')
            side.till.enrol(
              cardIds[op.card] as string,
              `ref-${side.till.entries.length}`,
              100 + side.till.entries.length,
            );
          else if (op.op === 'sell') {
            const receiptId = `${side.till.tillId}-R${side.till.entries.length}`;
            const entry = side.till.sell(cardIds[op.card] as string, {
              receiptId,
              storeId: side.storeId,
              lines: op.lines.map((l, i) => ({
                lineId: `L${i}`,
                quantity: l.quantity,
                unitPriceMinor: l.price,
                earnedPoints: l.earned,
              })),
              bonuses: op.grant ? [{ ruleId: op.grant, points: 5, grantOnceKey: op.grant }] : [],
            });
            sales.push(entry);
          } else {
            const sale = sales[op.sale % Math.max(1, sales.length)];
            if (sale === undefined || returnedLines.has(sale.txnId)) continue;
            // A till returns its own sale settled; another till's sale only offline (no points).
            const settled = op.settled && sale.tillId === side.till.tillId;
            if (!settled && sale.tillId === side.till.tillId) continue;
            returnedLines.add(sale.txnId);
            side.till.returnLines(sale, [{ lineId: 'L0', quantity: sale.sale?.lines[0]?.quantity ?? 1 }], {
              settled,
              storeId: side.storeId,
            });
          }
        }
        // Each till in turn, the others' facts all at head office: its merged view before its own
        // push equals head office's card after it (counters and grants: sums and sets, no lost update).
        for (const side of sides) {
          for (const other of sides) if (other !== side) await push(other);
          // As the agent does for a card it holds no snapshot of: name it, then pull.
          const unacked = [
            ...new Set(side.till.slice(side.pushed + 1, side.till.entries.length).map((e) => e.cardId)),
          ];
          if (unacked.length > 0) await s.noteCardsSeen({ storeId: side.storeId, cardIds: unacked, now });
          await pull(side);
          const own = side.till.slice(side.watermark + 1, side.till.entries.length);
          const touched = new Set([...side.cards.keys(), ...own.map((e) => e.cardId)]);
          // A return booked offline elsewhere waits at head office for this till's sale, which
          // this till's view cannot know of; and the money of this till's own offline return by
          // lines is head office's to work out: such cards are checked once everything has arrived.
          const ownReceipts = new Set(own.flatMap((e) => (e.sale ? [e.sale.receiptId] : [])));
          for (const e of arrived)
            if (e.tillId !== side.till.tillId && e.returned && ownReceipts.has(e.returned.origin.receiptId))
              touched.delete(e.cardId);
          for (const e of own) if (e.returned && !e.returned.pointsSettled) touched.delete(e.cardId);
          await push(side);
          for (const cardId of touched) {
            const merged = mergedView(side.cards.get(cardId), own, cardId);
            const held = await s.getCardState(cardId, now);
            expect({ cardId, counters: { ...merged.counters, asOf: now }, grants: merged.grants }).toEqual({
              cardId,
              counters: held?.counters,
              grants: held?.grants,
            });
          }
        }
        // Everything acknowledged: each till's view is head office's card, and the model's.
        for (const side of sides) {
          await pull(side);
          for (const [cardId, snapshot] of side.cards) {
            expect(mergedView(snapshot, [], cardId)).toEqual(await s.getCardState(cardId, now));
            const { counters, ...rest } = model(arrived, cardId);
            expect({ ...snapshot, counters: { ...snapshot.counters, asOf: 0 } }).toEqual({
              ...rest,
              counters: { ...counters, asOf: 0 },
            });
          }
        }
      }),
      { numRuns: Number(process.env.TILLPOINT_CHAIN_PROPERTY_RUNS ?? propertyRuns) },
    );
  });
}
