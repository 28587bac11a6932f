import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ProgramVersion } from '@tillpoint/rules';
import { startTestPostgres, type TestPostgres } from '@tillpoint/test-kit/test-postgres';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importHistory } from '../src/history/import-history';
import { whatIf } from '../src/history/whatif';
import { SqliteHubStore } from '../src/sqlite-hub-store';
import { chain, importFiles, postgresHub, program } from './history-kit';
import { moscowDay, type Rated, recompute } from './history-oracle';

/**
 * Acceptance of the what-if (issue 17): the report of a draft program over a period equals, line
 * by line, the difference of two full recomputations done here the slow way: every sale of every
 * card quoted once under the booked program and once under the draft, the card's state at each
 * sale read from the database with its own queries (spend before it, returns made before it,
 * purchases before it, the 12-month tier window counted in Moscow time), not from the replay's
 * running sums. On a SQLite and a PostgreSQL hub, in one thread and split in parallel parts.
 */
const cards = 120;
const receipts = 1_500;
const period = { from: Date.UTC(2025, 3, 1), to: Date.UTC(2025, 9, 1) };
const dir = mkdtempSync('/tmp/tillpoint-whatif-');
const sqlitePath = join(dir, 'hub.sqlite');
let pgServer: TestPostgres;
let booked: ProgramVersion;
let draft: ProgramVersion;

beforeAll(async () => {
  await chain(dir, cards, receipts);
  booked = await program('program-booked');
  draft = await program('program-draft');
  await new SqliteHubStore(sqlitePath).close();
  await importHistory({ db: sqlitePath, files: importFiles(dir), progress: false, now: () => period.to });
  pgServer = await startTestPostgres();
}, 300_000);

afterAll(async () => {
  await pgServer?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The report's lines from the two recomputations: `dimension,key,receipts,turnover,booked,replayed,members`. */
function expectedLines(before: Map<string, Rated[]>, after: Map<string, Rated[]>): string[] {
  const cells = new Map<
    string,
    { receipts: number; turnover: number; booked: number; replayed: number; members: number }
  >();
  const cell = (id: string) => {
    let c = cells.get(id);
    if (c === undefined) {
      c = { receipts: 0, turnover: 0, booked: 0, replayed: 0, members: 0 };
      cells.set(id, c);
    }
    return c;
  };
  for (const [cardId, sales] of after) {
    const was = before.get(cardId) ?? [];
    expect(was.length).toBe(sales.length);
    const diff = new Map<string, number>();
    const move = (id: string, b: number, r: number) => {
      const c = cell(id);
      c.booked += b;
      c.replayed += r;
      diff.set(id, (diff.get(id) ?? 0) + r - b);
    };
    sales.forEach((r, i) => {
      const b = was[i] as Rated;
      for (const id of [
        'total,all',
        `store,${r.storeId}`,
        `day,${moscowDay(r.occurredAt)}`,
        `tier,${r.tierId ?? '-'}`,
      ]) {
        cell(id).receipts += 1;
        cell(id).turnover += r.turnoverMinor;
        move(id, b.points, r.points);
      }
      cell('liability,net').receipts += 1;
      cell('liability,net').turnover += r.turnoverMinor;
      move('liability,net', b.net, r.net);
      for (const [rule, points] of b.byRule) move(`rule,${rule}`, points, 0);
      for (const [rule, points] of r.byRule) move(`rule,${rule}`, 0, points);
    });
    for (const [id, d] of diff) if (d !== 0) cell(id).members += 1;
  }
  const order = ['total', 'liability', 'rule', 'store', 'day', 'tier'];
  const total = cells.get('total,all')?.turnover ?? 0;
  return [...cells]
    .map(([id, c]) => {
      const [dimension = '', key = ''] = id.split(',');
      const rule = dimension === 'rule';
      return {
        dimension,
        key,
        line: [id, rule ? 0 : c.receipts, rule ? total : c.turnover, c.booked, c.replayed, c.members].join(
          ',',
        ),
      };
    })
    .sort(
      (a, b) =>
        order.indexOf(a.dimension) - order.indexOf(b.dimension) ||
        (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
    )
    .map((r) => r.line);
}

/** The report's CSV reduced to the same columns; the money columns checked against points × 1 RUB. */
function reportLines(csv: string): string[] {
  const rows = csv.trimEnd().split('\n').slice(1);
  return rows.map((row) => {
    const f = row.split(',');
    const [dimension, key, rec, turnover, b, r, d, bc, rc, dc, , , members] = f;
    expect(Number(d)).toBe(Number(r) - Number(b));
    expect([Number(bc), Number(rc), Number(dc)]).toEqual([Number(b) * 100, Number(r) * 100, Number(d) * 100]);
    return [dimension, key, rec, turnover, b, r, members].join(',');
  });
}

describe('what-if of the draft program against the booked one', () => {
  let expected: string[];
  let sqliteCsv: string;

  it('equals the difference of two slow recomputations, line by line (SQLite, one thread and two parts)', async () => {
    const asBooked = recompute(sqlitePath, booked, period);
    const asDraft = recompute(sqlitePath, draft, period);
    expected = expectedLines(asBooked, asDraft);
    // The booked recomputation gives back what the chain booked: the slow way is sound.
    const db = new Database(sqlitePath, { readonly: true });
    const stored = db
      .prepare(
        'SELECT COALESCE(SUM(earned_points), 0) FROM sale_fact WHERE occurred_at >= ? AND occurred_at < ?',
      )
      .pluck()
      .get(period.from, period.to);
    db.close();
    const sum = [...asBooked.values()].flat().reduce((s, r) => s + r.points, 0);
    expect(sum).toBe(Number(stored));
    expect(expected.length).toBeGreaterThan(150);
    const [totalLine] = expected;
    expect(totalLine).toMatch(/^total,all,\d+,\d+,\d+,\d+,\d+$/);

    const one = await whatIf({ db: sqlitePath, program: draft, period, parts: 1, batchCards: 17 });
    expect(reportLines(one.csv)).toEqual(expected);
    const two = await whatIf({ db: sqlitePath, program: draft, period, parts: 2, batchCards: 50 });
    expect(two.csv).toBe(one.csv);
    sqliteCsv = one.csv;
  }, 300_000);

  it('gives the same report from a PostgreSQL hub holding the same history', async () => {
    const url = await postgresHub(pgServer, 'whatif');
    await importHistory({ db: url, files: importFiles(dir), progress: false, now: () => period.to });
    const report = await whatIf({ db: url, program: draft, period, parts: 2, batchCards: 40 });
    expect(reportLines(report.csv)).toEqual(expected);
    expect(report.csv).toBe(sqliteCsv);
  }, 300_000);
});
