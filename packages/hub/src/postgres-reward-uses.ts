import type pg from 'pg';
import {
  type CouponCheck,
  type CouponRow,
  couponCheck,
  couponMatchesMax,
  type HeldCoupon,
  redeemable,
} from './chain/reward-coupons';
import {
  type HeldRewardUses,
  type RewardLimitPolicy,
  type RewardUseRow,
  rewardLimitsOf,
  rewardUseRowsMax,
  rewardUsesWindowMs,
} from './chain/reward-uses';
import { pgChainSql } from './postgres-chain-sql';
import { cardOrder } from './postgres-values';

/**
 * Catalogue reward uses on PostgreSQL (`chain/reward-uses.ts` decides): the rows of a push's
 * sales and returns, in card order (the order every writer keeps), and each card's held uses for
 * its card state and for the limit check; and the coupon codes tills issued
 * (`chain/reward-coupons.ts`). `card_reward_use` and `reward_coupon` are keyed by card (Citus:
 * colocated; a check by code reads the code's index on every shard).
 */
type Client = pg.PoolClient | pg.Client;

export const rewardUseSql = {
  add: `INSERT INTO card_reward_use (card_id, txn_id, reward_id, at, times)
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[]) ON CONFLICT DO NOTHING
    RETURNING card_id AS "cardId", txn_id AS "txnId", reward_id AS "rewardId", at, times`,
  totals: `SELECT card_id, reward_id AS "rewardId", SUM(times)::bigint AS total FROM card_reward_use
    WHERE card_id = ANY($1::text[]) GROUP BY card_id, reward_id`,
  since: `SELECT card_id, txn_id AS "txnId", reward_id AS "rewardId", at, times FROM (SELECT *,
      row_number() OVER (PARTITION BY card_id ORDER BY at DESC, txn_id, reward_id) AS n
    FROM card_reward_use WHERE card_id = ANY($1::text[]) AND at >= $2) u WHERE n <= $3`,
  addCoupons: `INSERT INTO reward_coupon (card_id, code, txn_id, reward_id, times, issued_at)
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[]) ON CONFLICT DO NOTHING`,
  couponsOf: `SELECT c.card_id AS "cardId", c.code, c.txn_id AS "txnId", c.reward_id AS "rewardId", c.times,
      c.issued_at AS "issuedAt", s.receipt_id AS "receiptId", s.store_id AS "storeId", s.till_id AS "tillId"
    FROM reward_coupon c LEFT JOIN sale_fact s
      ON s.card_id = c.card_id AND s.occurred_at = c.issued_at AND s.txn_id = c.txn_id
    WHERE c.code = $1 ORDER BY c.issued_at, c.card_id, c.txn_id LIMIT $2`,
  couponRedeemed: 'SELECT redeemed_at AS at, redeemed_by AS by FROM coupon_redemption WHERE code = $1',
  redeemCoupon: `INSERT INTO coupon_redemption (code, redeemed_at, redeemed_by) VALUES ($1, $2, $3)
    ON CONFLICT DO NOTHING RETURNING code`,
} as const;

/** Writes the rows; answers those written now (a row already held is not written again). */
export async function addRewardUsesPg(
  client: Client,
  rows: readonly RewardUseRow[],
): Promise<RewardUseRow[]> {
  if (rows.length === 0) return [];
  const ordered = [...rows].sort((a, b) => cardOrder(a.cardId, b.cardId) || cardOrder(a.txnId, b.txnId));
  const written = await client.query<Omit<RewardUseRow, 'at' | 'times'> & { at: string; times: string }>(
    rewardUseSql.add,
    [
      ordered.map((r) => r.cardId),
      ordered.map((r) => r.txnId),
      ordered.map((r) => r.rewardId),
      ordered.map((r) => r.at),
      ordered.map((r) => r.times),
    ],
  );
  // In the push's own order (a sale before the return of it), not the writing order.
  const key = (r: Pick<RewardUseRow, 'cardId' | 'txnId' | 'rewardId'>) =>
    `${r.cardId}\u0000${r.txnId}\u0000${r.rewardId}`;
  const now = new Set(written.rows.map(key));
  return rows.filter((r) => now.has(key(r)));
}

/** Each card's held uses (cards without any are left out). */
export async function heldRewardUsesPg(
  client: Client,
  cards: readonly string[],
  now: number,
): Promise<Map<string, HeldRewardUses>> {
  const out = new Map<
    string,
    { totals: HeldRewardUses['totals'][number][]; recent: HeldRewardUses['recent'][number][] }
  >();
  if (cards.length === 0) return out;
  const of = (cardId: string) => {
    let held = out.get(cardId);
    if (held === undefined) {
      held = { totals: [], recent: [] };
      out.set(cardId, held);
    }
    return held;
  };
  const totals = await client.query<{ card_id: string; rewardId: string; total: string }>(
    rewardUseSql.totals,
    [cards],
  );
  for (const r of totals.rows) of(r.card_id).totals.push({ rewardId: r.rewardId, total: Number(r.total) });
  const recent = await client.query<{
    card_id: string;
    txnId: string;
    rewardId: string;
    at: string;
    times: string;
  }>(rewardUseSql.since, [cards, now - rewardUsesWindowMs, rewardUseRowsMax]);
  for (const r of recent.rows)
    of(r.card_id).recent.push({
      txnId: r.txnId,
      rewardId: r.rewardId,
      at: Number(r.at),
      times: Number(r.times),
    });
  return out;
}

/** The reward limits of the rule set in force (null: none to check). */
export async function rewardLimitsPg(client: Client, now: number): Promise<RewardLimitPolicy | null> {
  const rows = await client.query<{ version: string; json: string }>(pgChainSql.ruleSetInForce, [now]);
  return rewardLimitsOf(rows.rows[0]);
}

export async function addCouponsPg(client: Client, rows: readonly CouponRow[]): Promise<void> {
  if (rows.length === 0) return;
  const ordered = [...rows].sort((a, b) => cardOrder(a.cardId, b.cardId) || cardOrder(a.code, b.code));
  await client.query(rewardUseSql.addCoupons, [
    ordered.map((r) => r.cardId),
    ordered.map((r) => r.code),
    ordered.map((r) => r.txnId),
    ordered.map((r) => r.rewardId),
    ordered.map((r) => r.times),
    ordered.map((r) => r.issuedAt),
  ]);
}

export async function checkCouponPg(client: Client, code: string): Promise<CouponCheck> {
  const rows = await client.query<HeldCoupon & { times: string; issuedAt: string }>(rewardUseSql.couponsOf, [
    code,
    couponMatchesMax,
  ]);
  const redeemed = (await client.query<{ at: string; by: string }>(rewardUseSql.couponRedeemed, [code]))
    .rows[0];
  return couponCheck(
    rows.rows.map((r) => ({ ...r, times: Number(r.times), issuedAt: Number(r.issuedAt) })),
    redeemed === undefined ? null : { at: Number(redeemed.at), by: redeemed.by },
  );
}

/** Takes a coupon (`redeemable` decides): answers the check as it was and whether this call took it. */
export async function redeemCouponPg(
  client: Client,
  code: string,
  by: string,
  now: number,
): Promise<{ check: CouponCheck; redeemedNow: boolean }> {
  const check = await checkCouponPg(client, code);
  if (!redeemable(check)) return { check, redeemedNow: false };
  const taken = await client.query(rewardUseSql.redeemCoupon, [code, now, by]);
  if (taken.rowCount === 1) return { check, redeemedNow: true };
  return { check: await checkCouponPg(client, code), redeemedNow: false };
}
