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

describe('canonicalBody', () => {
  it('property: equals canonicalJson of the entry without its hashes, for any shape', () => {
    fc.assert(
      fc.property(entryArb, (entry) => {
        let expected: string;
        try {
          expected = canonicalOf(entry);
        } catch {
          expect(() => canonicalBody(entry)).toThrow();
          return;
        }
        expect(canonicalBody(entry)).toBe(expected);
      }),
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
