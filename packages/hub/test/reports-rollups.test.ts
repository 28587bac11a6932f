import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runHubCli } from '@tillpoint/test-kit/hub-cli';
import { SyntheticTill } from '@tillpoint/test-kit/synthetic-till';
import Database from 'better-sqlite3';
import pgModule from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type { HubStore } from '../src/hub-store';
import { openHubStore } from '../src/open-hub-store';
import { openReportStore } from '../src/reports/open-report-store';
import { dayOfIso, isoOfDay } from '../src/reports/report-day';
import type { ReportStore } from '../src/reports/report-store';
import { postgresHubStores } from './postgres-hub-stores';
import { type DayFigures, dailyFigures, type HeldJournal, readJournal, ruleFigures } from './reports-oracle';

/**
 * The report rollups written at ingest, on both stores, against the journal read back and summed
 * by the test's own code (`reports-oracle.ts`): every figure of every day, per store and in all;
 * rules; active cards. The pushes cover sales with facts and bonuses, pending points, a once-only
 * bonus granted twice (head office's reversal), spending past the balance (its overdraft), returns
 * settled at the till and booked offline (head office's settlement), enrolments and the expiry job.
 */
const day = 86_400_000;
const t0 = Date.UTC(2026, 10, 30, 20, 30); // 23:30 in Moscow: the next local day there

async function pushAll(hub: HubStore, till: SyntheticTill, storeId: string, from: number, now: number) {
  const entries = till.entries.slice(from - 1);
  const outcome = await hub.applyBatch({ tillId: till.tillId, storeId, entries, now });
  expect(outcome.kind).toBe('applied');
  return till.entries.length + 1;
}

async function scenario(hub: HubStore): Promise<void> {
  await hub.addTill({ storeId: 's1', tillId: 'a1', codeHash: 'x', codeExpiresAt: 0 });
  await hub.addTill({ storeId: 's2', tillId: 'b1', codeHash: 'y', codeExpiresAt: 0 });
  const a = new SyntheticTill('a1');
  const b = new SyntheticTill('b1');
  a.enrol('c1', 'ref-1', t0);
  const first = a.sell('c1', {
    receiptId: 'r1',
    at: t0 + 1_000,
    lines: [
      { lineId: 'l1', quantity: 2, unitPriceMinor: 5_000, earnedPoints: 200 },
      { lineId: 'l2', quantity: 1, unitPriceMinor: 1_000, earnedPoints: 0 },
    ],
    bonuses: [{ ruleId: 'welcome', points: 500, grantOnceKey: 'welcome' }],
  });
  a.sell('c2', {
    receiptId: 'r2',
    at: t0 + 2 * 3_600_000,
    lines: [{ lineId: 'l1', quantity: 1, unitPriceMinor: 30_000, earnedPoints: 600 }],
    vestsAt: t0 + 3 * day,
    expiresAt: t0 + 400 * day,
  });
  let nextA = await pushAll(hub, a, 's1', 1, t0 + 3 * 3_600_000);
  // Store 2: the same once-only bonus granted offline (head office takes it back), a spend past
  // what the card holds there (the overdraft), an offline return of store 1's sale by lines.
  b.sell('c1', {
    receiptId: 'r9',
    at: t0 + day,
    lines: [{ lineId: 'l1', quantity: 1, unitPriceMinor: 2_000, earnedPoints: 40, spentPoints: 1_000 }],
    bonuses: [{ ruleId: 'welcome', points: 500, grantOnceKey: 'welcome' }],
  });
  b.returnLines(first, [{ lineId: 'l1', quantity: 1 }], {
    settled: false,
    at: t0 + day + 60_000,
    storeId: 's2',
  });
  b.enrol('c3', 'ref-3', t0 + day + 120_000);
  await pushAll(hub, b, 's2', 1, t0 + day + 200_000);
  // Store 1 again: a return of the pending sale before it vests (points out of a pending lot
  // made by an earlier push), and a short-lived lot that the expiry job ends.
  const pendingSale = a.entries[2];
  if (!pendingSale) throw new Error('scenario');
  a.returnLines(pendingSale, [{ lineId: 'l1', quantity: 0.5 }], { settled: true, at: t0 + 2 * day });
  a.sell('c4', {
    receiptId: 'r3',
    at: t0 + 2 * day + 1_000,
    lines: [{ lineId: 'l1', quantity: 1, unitPriceMinor: 10_000, earnedPoints: 100 }],
    expiresAt: t0 + 4 * day,
  });
  nextA = await pushAll(hub, a, 's1', nextA, t0 + 2 * day + 2_000);
  expect(await hub.runExpiry(t0 + 5 * day, 1_000)).toBeGreaterThan(0);
  // Head office's corrections: a credit, a debit, a debit past the balance (refused), one repeated.
  const adjust = (requestId: string, points: number, at: number) =>
    hub.adjustPoints({
      cardId: 'c2',
      points,
      requestId,
      reason: 'goodwill',
      requestedBy: 'anna',
      approvedBy: null,
      expiresAt: null,
      now: at,
    });
  expect(await adjust('q1', 250, t0 + 6 * day)).toEqual({
    ok: true,
    txnId: 'hub-adjust-q1',
    repeated: false,
  });
  expect(await adjust('q1', 250, t0 + 6 * day)).toEqual({ ok: true, txnId: 'hub-adjust-q1', repeated: true });
  expect(await adjust('q2', -100, t0 + 6 * day + 1)).toMatchObject({ ok: true });
  expect(await adjust('q3', -1_000_000, t0 + 6 * day + 2)).toMatchObject({
    ok: false,
    code: 'insufficient_points',
  });
  expect(await hub.unbalancedCards(10)).toEqual([]);
}

type Totals = Pick<
  DayFigures,
  'issued' | 'reversed' | 'redeemed' | 'restored' | 'expired' | 'overdraft' | 'adjustedUp' | 'adjustedDown'
>;

/** The rollups' figures per date, read through the report store (every account, every day). */
async function rollupFigures(reports: ReportStore, stores: readonly string[] | null, days: [number, number]) {
  const rows = await reports.points({ fromDay: days[0], toDay: days[1], stores }, 'day');
  const sales = await reports.sales({ fromDay: days[0], toDay: days[1], stores }, 'day');
  const out = new Map<string, DayFigures>();
  const at = (key: string) => {
    const date = isoOfDay(Number(key));
    const f = out.get(date) ?? {
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
    };
    out.set(date, f);
    return f;
  };
  for (const r of rows) {
    const f = at(r.key);
    const [plus, minus] = [Number(r.plus), Number(r.minus)];
    if (r.account === 'issued_liability') [f.issued, f.reversed] = [f.issued + minus, f.reversed + plus];
    if (r.account === 'redeemed') [f.redeemed, f.restored] = [f.redeemed + plus, f.restored + minus];
    if (r.account === 'expired') f.expired += plus - minus;
    if (r.account === 'adjustments')
      [f.adjustedUp, f.adjustedDown] = [f.adjustedUp + minus, f.adjustedDown + plus];
    if (r.account === 'offline_overdraft') f.overdraft += minus - plus;
    if (r.account === 'member_available' || r.account === 'member_pending') f.member += plus - minus;
    if (r.account === 'pending') f.pending += plus - minus;
  }
  for (const s of sales) {
    const f = at(s.key);
    f.sales += Number(s.sales);
    f.turnoverMinor += Number(s.turnoverMinor);
    f.refundedMinor += Number(s.refundedMinor);
    f.enrolments += Number(s.enrolments);
  }
  const nonZero = (f: DayFigures) => Object.values(f).some((v) => v !== 0);
  return new Map([...out].filter(([, f]) => nonZero(f)).sort(([x], [y]) => (x < y ? -1 : 1)));
}

const sorted = (m: Map<string, DayFigures>) =>
  new Map(
    [...m].filter(([, f]) => Object.values(f).some((v) => v !== 0)).sort(([x], [y]) => (x < y ? -1 : 1)),
  );

/** Every figure the rollups give equals the journal's, summed by the oracle. */
async function expectJournalFigures(reports: ReportStore, journal: HeldJournal, zone: string, when: string) {
  const span: [number, number] = [dayOfIso('2026-11-01'), dayOfIso('2026-12-31')];
  for (const stores of [null, ['s1'], ['s2'], ['hub'], ['s1', 's2']] as const) {
    const expected = sorted(dailyFigures(journal, zone, stores === null ? {} : { stores }));
    expect(await rollupFigures(reports, stores, span), `${when}: ${zone} ${stores}`).toEqual(expected);
  }
  const rules = await reports.rules({ fromDay: span[0], toDay: span[1], stores: null }, 'rule', null);
  expect(
    new Map(rules.map((r) => [r.key, { points: Number(r.points), turnoverMinor: Number(r.turnoverMinor) }])),
    when,
  ).toEqual(ruleFigures(journal));
  const months = await reports.activeMonths(202611, 202612, null);
  const buyers = new Map<string, Set<string>>();
  for (const { entry } of journal.entries)
    if (entry.sale) {
      const month = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit' })
        .format(new Date(entry.occurredAt))
        .replace('-', '');
      buyers.set(month, (buyers.get(month) ?? new Set()).add(entry.cardId));
    }
  expect(new Map(months.map((m) => [String(m.month), Number(m.cards)])), when).toEqual(
    new Map([...buyers].map(([m, cards]) => [m, cards.size])),
  );
  // Each till's entry count: its entries in the journal.
  const perTill = new Map<string, number>();
  for (const { entry } of journal.entries)
    if (entry.tillId !== 'hub') perTill.set(entry.tillId, (perTill.get(entry.tillId) ?? 0) + 1);
  const tills = await reports.tills(null);
  expect(new Map(tills.map((t) => [t.tillId, Number(t.entries)])), when).toEqual(perTill);
}

interface Opened {
  hub: HubStore;
  reports: ReportStore;
  where: [string, string?];
  /** Runs SQL on the hub's database (the test's own connection): to damage a rollup. */
  sql(text: string): Promise<void>;
}

function suite(name: string, open: (zone: string) => Promise<Opened>) {
  describe(name, () => {
    for (const zone of ['UTC', 'Europe/Moscow']) {
      it(`every day's figures equal the journal's, per store and in all, and again after a damaged rollup is rebuilt (days in ${zone})`, async () => {
        const { hub, reports, where, sql } = await open(zone);
        try {
          await scenario(hub);
          const journal = await readJournal(...where);
          await expectJournalFigures(reports, journal, zone, 'at ingest');
          // The scenario reaches every kind of figure.
          const all = [...dailyFigures(journal, zone).values()];
          const sum = (k: keyof Totals) => all.reduce((s, f) => s + f[k], 0);
          for (const k of [
            'issued',
            'reversed',
            'redeemed',
            'expired',
            'overdraft',
            'adjustedUp',
            'adjustedDown',
          ] as const)
            expect(sum(k), k).toBeGreaterThan(0);
          expect(all.some((f) => f.pending < 0)).toBe(true);

          // Damage: a points row off, a day's sales gone, a till's count wrong, an active month lost.
          const dbArgs = ['--db', where[0], ...(where[1] ? ['--schema', where[1]] : [])];
          const damage = async () => {
            await sql("UPDATE report_points_day SET plus = plus + 777 WHERE account = 'redeemed'");
            await sql(`DELETE FROM report_store_day WHERE store_id = 's2'`);
            await sql('UPDATE report_till SET entries = entries + 5');
            await sql('DELETE FROM report_card_month');
            await sql('DELETE FROM report_active_month');
          };
          await damage();
          await expect(expectJournalFigures(reports, journal, zone, 'damaged')).rejects.toThrow();
          const rebuilt = await runHubCli(['reports', 'rebuild', ...dbArgs, '--json']);
          expect(rebuilt.code, rebuilt.out).toBe(0);
          expect(JSON.parse(rebuilt.out)).toMatchObject({ entries: journal.entries.length, from: null });
          await expectJournalFigures(reports, journal, zone, 'rebuilt');
          // Idempotent: again, the same figures.
          expect((await runHubCli(['reports', 'rebuild', ...dbArgs])).code).toBe(0);
          await expectJournalFigures(reports, journal, zone, 'rebuilt twice');
          // From a day: days before it keep their (damaged) rows, days from it on are right again.
          await sql("UPDATE report_points_day SET plus = plus + 777 WHERE account = 'issued_liability'");
          const from = '2026-12-02';
          expect((await runHubCli(['reports', 'rebuild', ...dbArgs, '--from', from])).code).toBe(0);
          const span: [number, number] = [dayOfIso('2026-11-01'), dayOfIso('2026-12-31')];
          const shown = await rollupFigures(reports, null, span);
          const expected = sorted(dailyFigures(journal, zone));
          for (const [date, figures] of expected) {
            if (date >= from) expect(shown.get(date), `${date} from ${from}`).toEqual(figures);
            else if (figures.issued + figures.reversed > 0)
              expect(shown.get(date), `${date} before ${from}`).not.toEqual(figures);
          }
          expect((await runHubCli(['reports', 'rebuild', ...dbArgs, '--from', '2026-02-30'])).code).toBe(2);
          expect((await runHubCli(['reports', 'rebuild', ...dbArgs])).code).toBe(0);
          await expectJournalFigures(reports, journal, zone, 'rebuilt whole again');
        } finally {
          await reports.close();
          await hub.close();
        }
      }, 120_000);
    }
  });
}

const dir = mkdtempSync(join(tmpdir(), 'tillpoint-rollups-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

suite('SQLite', async (zone) => {
  files += 1;
  const path = join(dir, `hub-${files}.sqlite`);
  let hub = await openHubStore(path);
  const reports = await openReportStore(path);
  await reports.saveSetting('time_zone', zone);
  await hub.close();
  hub = await openHubStore(path);
  const sql = async (text: string) => {
    const db = new Database(path);
    try {
      db.exec(text);
    } finally {
      db.close();
    }
  };
  return { hub, reports, where: [path], sql };
});

const pg = postgresHubStores('rollups_');
suite('PostgreSQL', async (zone) => {
  const first = await pg.open();
  const schema = pg.lastSchema();
  const reports = await openReportStore(pg.url(), { schema });
  await reports.saveSetting('time_zone', zone);
  await first.close();
  const hub = await openHubStore(pg.url(), { schema });
  const sql = async (text: string) => {
    const client = new pgModule.Client({ connectionString: pg.url(), options: `-c search_path=${schema}` });
    await client.connect();
    try {
      await client.query(text);
    } finally {
      await client.end();
    }
  };
  return { hub, reports, where: [pg.url(), schema], sql };
});
