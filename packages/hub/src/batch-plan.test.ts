import { SyntheticTill } from '@tillpoint/test-kit/synthetic-till';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { batchRows, decideBatch, emptyCursor, lotUpserts, postingsSumToZero } from './batch-plan';

function chain(n: number): SyntheticTill {
  const till = new SyntheticTill('t1');
  for (let i = 0; i < n; i++) {
    if (i % 3 === 2) till.spend(`card-${i % 4}`, 1 + (i % 5));
    else till.earn(`card-${i % 4}`, 5 + i);
  }
  return till;
}

describe('decideBatch', () => {
  it('property: from any cursor, any batch is applied from the cursor on, a gap, or a replay', () => {
    const till = chain(30);
    fc.assert(
      fc.property(
        fc.nat(30),
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 0, max: 29 }),
        (held, from, len) => {
          const to = Math.min(30, from + len);
          const cursor =
            held === 0
              ? emptyCursor('t1', 'epoch-t1')
              : { lastSeq: held, lastHash: (till.entries[held - 1] as { hash: string }).hash };
          const decision = decideBatch(cursor, till.slice(from, to), (seq) => till.entries[seq - 1]?.hash);
          if (from > held + 1) expect(decision).toEqual({ kind: 'gap', expectedSeq: held + 1 });
          else if (to <= held) expect(decision).toEqual({ kind: 'replayed', ackedThrough: held });
          else {
            expect(decision.kind).toBe('apply');
            if (decision.kind !== 'apply') return;
            expect(decision.entries.map((e) => e.seq)).toEqual(till.slice(held + 1, to).map((e) => e.seq));
            expect(decision.duplicates).toBe(held - from + 1);
            expect(decision.ackedThrough).toBe(to);
          }
        },
      ),
    );
  });

  it('property: changing any field of any new or overlapping entry breaks the batch', () => {
    const till = chain(12);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 11 }), fc.integer({ min: 1, max: 1_000 }), (index, amount) => {
        const entries = till.slice(1, 12).map((e) => ({ ...e }));
        const target = entries[index] as (typeof entries)[number];
        entries[index] = { ...target, occurredAt: target.occurredAt + amount };
        const decision = decideBatch(emptyCursor('t1', 'epoch-t1'), entries, () => undefined);
        expect(decision).toMatchObject({ kind: 'chain_broken', seq: index + 1 });
      }),
    );
  });
});

describe('batchRows', () => {
  it('property: card deltas equal the member postings, lot upserts carry the same points, every entry balances', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), (n) => {
        const till = chain(n);
        const rows = batchRows(till.entries, Number.MAX_SAFE_INTEGER);
        let member = 0;
        for (const p of rows.postings) if (p.account.startsWith('member_')) member += p.amount;
        const cards = [...rows.cardDeltas.values()].reduce((a, b) => a + b, 0);
        expect(cards).toBe(member);
        expect(lotUpserts(rows).reduce((a, l) => a + l.remaining, 0)).toBe(member);
        expect(rows.journal.length).toBe(n);
        expect(rows.postings.reduce((a, p) => a + p.amount, 0)).toBe(0);
      }),
    );
  });
});

describe('postingsSumToZero', () => {
  it('sums in integers: [2^53 − 1, 1, 1, −(2^53 − 1), −1] is +1, not zero', () => {
    const big = 2 ** 53 - 1;
    const amounts = [big, 1, 1, -big, -1].map((amount) => ({ amount }));
    expect(amounts.reduce((sum, p) => sum + p.amount, 0)).toBe(0); // what floats say
    expect(postingsSumToZero(amounts)).toBe(false);
    expect(postingsSumToZero([big, -big, 1, -1].map((amount) => ({ amount })))).toBe(true);
  });

  it('refuses amounts that are not safe integers, and agrees with exact sums of bounded ones', () => {
    expect(postingsSumToZero([{ amount: 0.5 }, { amount: -0.5 }])).toBe(false);
    expect(postingsSumToZero([{ amount: 2 ** 60 }, { amount: -(2 ** 60) }])).toBe(false);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1e12, max: 1e12 }), { maxLength: 20 }), (amounts) => {
        const exact = amounts.reduce((sum, a) => sum + BigInt(a), 0n);
        expect(postingsSumToZero(amounts.map((amount) => ({ amount })))).toBe(exact === 0n);
      }),
    );
  });
});
