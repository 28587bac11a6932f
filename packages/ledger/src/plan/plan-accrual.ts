import { assert } from '@tillpoint/core';
import { assertBalanced, type Posting, posting } from '../model/accounts';
import type { Lot } from '../model/lots';
import type { LedgerPlan } from './plan';

export interface AccrualLine {
  points: number;
  vestsAt: number;
  /** null: the points never expire. */
  expiresAt: number | null;
}

/**
 * Earned points become lots: one per accrual line, booked as pending when they vest
 * later than `at`. Ids are `<txnId>:a<index>` so a replay gives the same ids.
 */
export function planAccrual(input: {
  txnId: string;
  cardId: string;
  at: number;
  accruals: readonly AccrualLine[];
}): LedgerPlan {
  const newLots: Lot[] = [];
  const postings: Posting[] = [];
  input.accruals.forEach((line, index) => {
    assert(
      Number.isSafeInteger(line.points) && line.points >= 0,
      'accrual points must be a whole number >= 0',
      {
        index,
        points: line.points,
      },
    );
    assert(line.expiresAt === null || line.expiresAt > line.vestsAt, 'accrual expires before it vests', {
      index,
    });
    if (line.points === 0) return;
    const lotId = `${input.txnId}:a${index}`;
    const account = line.vestsAt > input.at ? 'member_pending' : 'member_available';
    newLots.push({
      lotId,
      cardId: input.cardId,
      sourceTxnId: input.txnId,
      initial: line.points,
      remaining: line.points,
      vestsAt: line.vestsAt,
      expiresAt: line.expiresAt,
      account,
    });
    postings.push(posting(account, line.points, lotId), posting('issued_liability', -line.points));
  });
  assertBalanced(postings, 'accrual');
  return { postings, newLots, lotChanges: [] };
}
