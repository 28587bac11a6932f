import type { Basket, Card } from '@tillpoint/core';
import { type ProgramVersion, quote } from '@tillpoint/rules';
import Database from 'better-sqlite3';
import type { Period } from '../src/history/history-rows';

/**
 * The history tests' independent oracle: every sale of every card of a SQLite hub rated under a
 * program the slow way, the card's state at each sale read with queries of its own (spend before
 * it, returns made before it, purchases before it, the 12-month tier window in Moscow time), not
 * from the replay's running sums. The programs of fixtures/import count in Moscow time (UTC+3).
 */
/** One sale as a program rates it: points (lines and bonuses), net of its returns, by rule, the tier. */
export interface Rated {
  storeId: string;
  occurredAt: number;
  turnoverMinor: number;
  points: number;
  net: number;
  byRule: Map<string, number>;
  tierId: string | null;
}

const moscowMs = 3 * 3_600_000;

/** The start of the 12-month window at `t`: the same Moscow calendar day a year earlier, 00:00 there. */
function windowStart(t: number): number {
  const local = new Date(t + moscowMs);
  const y = local.getUTCFullYear() - 1;
  const m = local.getUTCMonth();
  const days = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return Date.UTC(y, m, Math.min(local.getUTCDate(), days)) - moscowMs;
}

export const moscowDay = (t: number) => new Date(t + moscowMs).toISOString().slice(0, 10);

/** Every in-period sale of every card rated under `version`, the slow way (queries per sale). */
export function recompute(path: string, version: ProgramVersion, period: Period): Map<string, Rated[]> {
  const db = new Database(path, { readonly: true });
  const q = {
    cards:
      db.prepare(`SELECT c.card_id AS id, e.enrolled_at AS enrolledAt, p.birth_month_day AS birthMonthDay,
        t.groups, t.referred_by AS referredBy FROM card c LEFT JOIN card_enrolment e USING (card_id)
        LEFT JOIN card_profile p USING (card_id) LEFT JOIN card_traits t USING (card_id) ORDER BY c.card_id`),
    sales: db.prepare(`SELECT txn_id AS txnId, occurred_at AS at, store_id AS storeId, currency,
        basket_total_minor AS total, spent_points AS spent, bonuses FROM sale_fact
        WHERE card_id = ? AND occurred_at < ? ORDER BY occurred_at, txn_id`),
    before: `(s.occurred_at < @at OR (s.occurred_at = @at AND s.txn_id < @txn))`,
    lines: db.prepare(`SELECT line_id AS id, sku, category, quantity_micro AS micro, unit_price_minor AS unit,
        amount_minor AS amount, discount_minor AS discount, promotions, returned_micro AS returned
        FROM sale_line WHERE card_id = ? AND txn_id = ? ORDER BY line_no`),
  };
  const spendSql = (from: string) => `SELECT
      (SELECT COALESCE(SUM(s.spend_minor), 0) FROM sale_fact s WHERE s.card_id = @card AND ${q.before} AND ${from})
    - (SELECT COALESCE(SUM(r.spend_reversed_minor), 0) FROM history_return r
        JOIN sale_fact s ON s.card_id = r.card_id AND s.txn_id = r.sale_txn_id
        WHERE r.card_id = @card AND r.occurred_at < @at AND ${q.before} AND ${from})`;
  const lifetime = db.prepare(spendSql('1')).pluck();
  const inWindow = db.prepare(spendSql('s.occurred_at >= @from')).pluck();
  const purchases = db
    .prepare(`SELECT count(*) FROM sale_fact s WHERE s.card_id = @card AND ${q.before}`)
    .pluck();
  const out = new Map<string, Rated[]>();
  try {
    for (const c of q.cards.all() as Record<string, string | number | null>[]) {
      const cardId = c.id as string;
      const grants = new Set<string>();
      const rated: Rated[] = [];
      for (const s of q.sales.all(cardId, period.to) as Record<string, string | number>[]) {
        const at = Number(s.at);
        const txn = s.txnId as string;
        if (at < period.from) {
          for (const b of JSON.parse(s.bonuses as string) as { grantOnceKey: string | null }[])
            if (b.grantOnceKey !== null) grants.add(b.grantOnceKey);
          continue;
        }
        const key = { card: cardId, at, txn };
        const card: Card = {
          id: cardId,
          status: c.enrolledAt !== null && Number(c.enrolledAt) <= at ? 'enrolled' : 'anonymous',
          groups: c.groups === null ? [] : (JSON.parse(c.groups as string) as string[]),
          lifetimeSpendMinor: Math.max(0, Number(lifetime.get(key))),
          purchaseCount: Number(purchases.get(key)),
          balance: { spendable: Number(s.spent), pending: 0 },
          grantedOnce: [...grants],
          tierSpendMinor: Math.max(0, Number(inWindow.get({ ...key, from: windowStart(at) }))),
          ...(c.birthMonthDay === null ? {} : { birthMonthDay: c.birthMonthDay as string }),
          ...(c.referredBy === null ? {} : { referredBy: c.referredBy as string }),
        };
        const lines = q.lines.all(cardId, txn) as Record<string, string | number | null>[];
        const basket: Basket = {
          currency: s.currency as string,
          storeId: s.storeId as string,
          lines: lines.map((l) => ({
            id: l.id as string,
            sku: l.sku as string,
            ...(l.category === null ? {} : { category: l.category as string }),
            tags: [],
            quantity: Number(l.micro) / 1_000_000,
            unitPriceMinor: Number(l.unit),
            amountMinor: Number(l.amount),
            discountMinor: Number(l.discount),
            promotions: JSON.parse(l.promotions as string) as string[],
          })),
        };
        const spent = Number(s.spent);
        let quoted = quote(basket, card, version, new Date(at), spent > 0 ? { spendPoints: spent } : {});
        if (quoted.redemption.chosen?.refusal != null)
          quoted = quote(basket, { ...card, balance: { spendable: 0, pending: 0 } }, version, new Date(at));
        const byRule = new Map<string, number>();
        const add = (rule: string, points: number) => {
          if (points > 0) byRule.set(rule, (byRule.get(rule) ?? 0) + points);
        };
        let points = 0;
        let net = 0;
        quoted.lines.forEach((ql, i) => {
          const l = lines[i] as Record<string, number>;
          const units = Number(l.micro);
          const back = Math.min(Number(l.returned), units);
          points += ql.earnedPoints;
          // The points of the returned share, half up: floor((2·p·back + units) / (2·units)).
          const taken = Number(
            (2n * BigInt(ql.earnedPoints) * BigInt(back) + BigInt(units)) / (2n * BigInt(units)),
          );
          net += ql.earnedPoints - taken;
          add([...new Set(ql.reasons.map((r) => r.ruleId))].sort().join('+') || '-', ql.earnedPoints);
        });
        const wholeReturned = lines.every((l) => Number(l.returned) >= Number(l.micro));
        for (const b of quoted.bonuses) {
          points += b.points;
          if (!wholeReturned) net += b.points;
          add(b.ruleId, b.points);
          if (b.grantOnceKey != null) grants.add(b.grantOnceKey);
        }
        rated.push({
          storeId: s.storeId as string,
          occurredAt: at,
          turnoverMinor: Number(s.total),
          points,
          net,
          byRule,
          tierId: quoted.tier.current?.id ?? null,
        });
      }
      out.set(cardId, rated);
    }
  } finally {
    db.close();
  }
  return out;
}
