import { describe, expect, it } from 'vitest';
import { postingsSumToZero } from '../batch-plan';
import { duplicateGrantEntry, returnSettlementEntry } from './chain-entries';

const lots = [
  { lotId: 'L1', initial: 30, vestsAt: 0, expiresAt: null, account: 'member_available' as const },
  { lotId: 'L2', initial: 10, vestsAt: 50, expiresAt: null, account: 'member_pending' as const },
];

describe('head office’s chain entries', () => {
  it('takes a duplicate bonus back from the sale’s lots in proportion, the rest from the card’s figure', () => {
    const entry = duplicateGrantEntry({
      cardId: 'c',
      sale: { txnId: 'sale-1', newLots: [...lots] },
      grantKey: 'welcome',
      ruleId: 'w',
      points: 48,
      heldBy: 'sale-0',
      hubSeq: 7,
      now: 100,
    });
    expect(entry.postings).toEqual([
      { leg: 0, account: 'member_available', amount: -30, lotId: 'L1' },
      { leg: 1, account: 'member_pending', amount: -10, lotId: 'L2' },
      { leg: 2, account: 'member_available', amount: -8, lotId: 'snapshot:c' },
      { leg: 3, account: 'issued_liability', amount: 48, lotId: null },
    ]);
    expect(postingsSumToZero(entry.postings)).toBe(true);
    expect(entry).toMatchObject({
      tillId: 'hub',
      kind: 'adjustment',
      reverses: 'sale-1',
      detail: { reason: 'duplicate_grant' },
    });
  });

  it('gives spent points back to the live lots they came from, and to a new short-lived lot for the others', () => {
    const entry = returnSettlementEntry({
      cardId: 'c',
      returnTxnId: 'ret-1',
      saleTxnId: 'sale-1',
      receiptId: 'R',
      earnedLots: [...lots],
      spentLots: [
        { lotId: 'S1', points: 20, alive: true },
        { lotId: 'S2', points: 20, alive: false },
      ],
      earned: 4,
      spent: 10,
      hubSeq: 9,
      now: 1_000,
      returnLotLifetimeMs: 500,
    });
    expect(entry.postings).toEqual([
      { leg: 0, account: 'member_available', amount: -3, lotId: 'L1' },
      { leg: 1, account: 'member_pending', amount: -1, lotId: 'L2' },
      { leg: 2, account: 'issued_liability', amount: 4, lotId: null },
      { leg: 3, account: 'member_available', amount: 5, lotId: 'S1' },
      { leg: 4, account: 'member_available', amount: 5, lotId: 'hub-return-9:r0' },
      { leg: 5, account: 'redeemed', amount: -10, lotId: null },
    ]);
    expect(entry.newLots).toEqual([
      { lotId: 'hub-return-9:r0', initial: 5, vestsAt: 1_000, expiresAt: 1_500, account: 'member_available' },
    ]);
    expect(postingsSumToZero(entry.postings)).toBe(true);
  });
});
