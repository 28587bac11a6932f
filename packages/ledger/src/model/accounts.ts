import { assert } from '@tillpoint/core';

/**
 * The ledger's accounts. Every posting moves points into (amount > 0) or out of
 * (amount < 0) one of them; the postings of one journal entry always sum to zero.
 * - `member_available`, `member_pending`: the card's points, booked per lot. A lot not yet
 *   vested when it was booked sits in `member_pending`; spendability at a moment is derived
 *   from the lot's dates, never from the account, so an offline till shows the right figure.
 * - `issued_liability`: the program's side of every issue; goes negative as points are issued.
 * - `redeemed`: points spent at a till.
 * - `expired`: breakage, posted by head office once a lot's `expiresAt` has passed.
 * - `offline_overdraft`: a receivable from the member, when a return reverses more earned
 *   points than the card still holds.
 * - `adjustments`: the other side of manual accruals and write-offs.
 */
export const accountKinds = [
  'member_available',
  'member_pending',
  'issued_liability',
  'redeemed',
  'expired',
  'offline_overdraft',
  'adjustments',
] as const;
export type AccountKind = (typeof accountKinds)[number];

/** The accounts that hold a card's points; their postings always name a lot. */
export type MemberAccount = 'member_available' | 'member_pending';

export function isMemberAccount(account: AccountKind): account is MemberAccount {
  return account === 'member_available' || account === 'member_pending';
}

export interface Posting {
  account: AccountKind;
  /** Signed integer points: > 0 into the account, < 0 out of it. Never zero. */
  amount: number;
  /** The lot the points belong to; set on member-account postings, null elsewhere. */
  lotId: string | null;
}

export function posting(account: AccountKind, amount: number, lotId: string | null = null): Posting {
  assert(Number.isSafeInteger(amount) && amount !== 0, 'a posting amount is a non-zero integer', {
    account,
    amount,
  });
  assert(isMemberAccount(account) === (lotId !== null), 'member postings name a lot, others do not', {
    account,
    lotId,
  });
  return { account, amount, lotId };
}

export function sumPostings(postings: readonly Posting[]): number {
  let sum = 0;
  for (const p of postings) sum += p.amount;
  return sum;
}

/** Asserts the double-entry rule right before postings are written. */
export function assertBalanced(postings: readonly Posting[], what: string): void {
  assert(sumPostings(postings) === 0, `${what}: postings do not sum to zero`, { postings });
}
