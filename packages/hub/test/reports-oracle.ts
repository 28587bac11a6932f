import type { OutboxEntry } from '@tillpoint/ledger';
import Database from 'better-sqlite3';
import pg from 'pg';

/**
 * The tests' own reading of head office's journal, written apart from `src/reports/`: every
 * entry with its store (its till's, or `hub` for head office's own), every lot's vesting time,
 * and the report figures computed from them directly (days by `Intl` in the zone given).
 */
export interface JournalFact {
  storeId: string;
  entry: OutboxEntry;
}

export interface HeldJournal {
  entries: JournalFact[];
  vestsAt: Map<string, number>;
  enrolledCards: number;
}

export async function readJournal(database: string, schema?: string): Promise<HeldJournal> {
  const journalSql = `SELECT j.body, coalesce(t.store_id, 'hub') AS store FROM journal j
    LEFT JOIN till t ON t.till_id = j.till_id ORDER BY j.occurred_at, j.txn_id`;
  const lotSql = 'SELECT card_id, lot_id, vests_at FROM lot';
  let rows: { body: string; store: string }[];
  let lots: { card_id: string; lot_id: string; vests_at: number | string }[];
  let enrolled: number;
  if (database.startsWith('postgres')) {
    const client = new pg.Client({ connectionString: database });
    await client.connect();
    try {
      await client.query(`SET search_path TO ${schema ?? 'tillpoint_hub'}`);
      rows = (await client.query(journalSql)).rows;
      lots = (await client.query(lotSql)).rows;
      enrolled = Number((await client.query('SELECT count(*) AS n FROM card_enrolment')).rows[0]?.n);
    } finally {
      await client.end();
    }
  } else {
    const db = new Database(database, { readonly: true });
    try {
      rows = db.prepare(journalSql).all() as typeof rows;
      lots = db.prepare(lotSql).all() as typeof lots;
      enrolled = db.prepare('SELECT count(*) FROM card_enrolment').pluck().get() as number;
    } finally {
      db.close();
    }
  }
  return {
    entries: rows.map((r) => ({ storeId: r.store, entry: JSON.parse(r.body) as OutboxEntry })),
    vestsAt: new Map(lots.map((l) => [`${l.card_id}/${l.lot_id}`, Number(l.vests_at)])),
    enrolledCards: enrolled,
  };
}

/** `YYYY-MM-DD` of an instant in a zone, by Intl directly. */
export function dateIn(ms: number, zone: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(new Date(ms));
}

export interface DayFigures {
  issued: number;
  reversed: number;
  redeemed: number;
  restored: number;
  expired: number;
  adjustedUp: number;
  adjustedDown: number;
  overdraft: number;
  /** Net change of members' points (available + pending). */
  member: number;
  /** Net change of points not yet vested at the end of the day. */
  pending: number;
  sales: number;
  turnoverMinor: number;
  refundedMinor: number;
  enrolments: number;
}

const zero = (): DayFigures => ({
  issued: 0,
  reversed: 0,
  redeemed: 0,
  restored: 0,
  expired: 0,
  adjustedUp: 0,
  adjustedDown: 0,
  overdraft: 0,
  member: 0,
  pending: 0,
  sales: 0,
  turnoverMinor: 0,
  refundedMinor: 0,
  enrolments: 0,
});

/** Figures per date (and store, when `byStore`), summed entry by entry from the journal. */
export function dailyFigures(
  journal: HeldJournal,
  zone: string,
  o: { stores?: readonly string[] } = {},
): Map<string, DayFigures> {
  const out = new Map<string, DayFigures>();
  const at = (date: string) => {
    let f = out.get(date);
    if (!f) {
      f = zero();
      out.set(date, f);
    }
    return f;
  };
  for (const { storeId, entry } of journal.entries) {
    if (o.stores && !o.stores.includes(storeId)) continue;
    const date = dateIn(entry.occurredAt, zone);
    const f = at(date);
    for (const p of entry.postings) {
      const a = p.amount;
      if (p.account === 'issued_liability') {
        if (a < 0) f.issued -= a;
        else f.reversed += a;
      }
      if (p.account === 'redeemed') {
        if (a > 0) f.redeemed += a;
        else f.restored -= a;
      }
      if (p.account === 'expired') f.expired += a;
      if (p.account === 'adjustments') {
        if (a < 0) f.adjustedUp -= a;
        else f.adjustedDown += a;
      }
      if (p.account === 'offline_overdraft') f.overdraft -= a;
      if (p.account === 'member_available' || p.account === 'member_pending') f.member += a;
      if (p.account === 'member_pending' && p.lotId !== null) {
        const vests = journal.vestsAt.get(`${entry.cardId}/${p.lotId}`);
        if (vests !== undefined && vests > entry.occurredAt) {
          const until = dateIn(vests, zone);
          if (until > date) {
            f.pending += a;
            at(until).pending -= a;
          }
        }
      }
    }
    if (entry.sale) {
      f.sales += 1;
      f.turnoverMinor += entry.sale.spendMinor;
    }
    if (entry.returned) f.refundedMinor += entry.returned.spendReversedMinor;
    if (entry.kind === 'card_enrolled') f.enrolments += 1;
  }
  return out;
}

/** Points each rule gave at the sale and the money of what it rewarded (lines split equally among their rules). */
export function ruleFigures(journal: HeldJournal): Map<string, { points: number; turnoverMinor: number }> {
  const out = new Map<string, { points: number; turnoverMinor: number }>();
  const add = (rule: string, points: number, money: number) => {
    const r = out.get(rule) ?? { points: 0, turnoverMinor: 0 };
    r.points += points;
    r.turnoverMinor += money;
    out.set(rule, r);
  };
  for (const { entry } of journal.entries) {
    if (!entry.sale) continue;
    for (const line of entry.sale.lines) {
      if (line.earnedPoints === 0) continue;
      const rules = line.ruleIds.length > 0 ? line.ruleIds : [''];
      const each = Math.floor(line.earnedPoints / rules.length);
      for (const [i, rule] of rules.entries())
        add(
          rule,
          each + (i < line.earnedPoints - each * rules.length ? 1 : 0),
          line.amountMinor - line.spentDiscountMinor,
        );
    }
    for (const bonus of entry.sale.bonuses)
      if (bonus.points > 0) add(bonus.ruleId, bonus.points, entry.sale.spendMinor);
  }
  return out;
}
