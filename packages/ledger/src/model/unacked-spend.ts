import type { Posting } from './accounts';

/**
 * What an offline till let cards spend that head office has not acknowledged yet: per card and
 * for the whole till, points of this epoch's entries after `ackedThrough`.
 */
export interface UnackedSpend {
  /** Points this card spent in unacknowledged entries. */
  card: number;
  /** Points every card spent in unacknowledged entries. */
  till: number;
  /**
   * Points of once-only bonuses (welcome, referral, a yearly date bonus: a `grantOnceKey`) this
   * card was granted in unacknowledged entries. Another till may grant the same key offline;
   * head office then reverses the duplicate, so these points are at risk like spent ones.
   */
  grantedCard: number;
  /** The same for every card: the till's offline exposure is `till + grantedTill`, bounded by its cap. */
  grantedTill: number;
}

/**
 * The points one journal entry counts as spent offline: the sum of its `redeemed` postings when
 * that sum is above zero, else nothing. A sale that pays with points counts what it paid; a
 * return (whose `redeemed` postings give points back) counts nothing and does not lower the
 * figure, nor do adjustments (booked to `adjustments`). These are the semantics the agent's
 * offline gate used when it summed unacknowledged outbox entries itself (`spentIn` in its sync
 * client), kept so the caps mean what they meant.
 */
export function spentOffline(postings: readonly Pick<Posting, 'account' | 'amount'>[]): number {
  let spent = 0;
  for (const p of postings) if (p.account === 'redeemed') spent += p.amount;
  return Math.max(spent, 0);
}
