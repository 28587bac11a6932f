/**
 * `npx tsx packages/hub/bench/pad-journal.ts <hub.sqlite> <total entries>`: grows a generated
 * hub's journal to `total` rows with filler entries of a till `pad` (bodies as long as real
 * ones), without touching the rollups, so the report bench can time the reports on a journal of
 * that size: the reports read the per-day rollups only, so their times must not change. The
 * filler is not a chain's data (the report figures stay those of the generated part); it is for
 * timing, never for a test of figures. In batches of 200 000 rows a transaction.
 */
import Database from 'better-sqlite3';

const [file, totalText] = process.argv.slice(2);
if (file === undefined || totalText === undefined || !/^\d+$/.test(totalText)) {
  console.error('usage: pad-journal.ts <hub.sqlite> <total journal entries>');
  process.exit(2);
}
const db = new Database(file, { fileMustExist: true });
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
const held = db.prepare('SELECT count(*) FROM journal').pluck().get() as number;
const padded = db
  .prepare("SELECT coalesce(max(seq), 0) FROM journal WHERE till_id = 'pad'")
  .pluck()
  .get() as number;
const add = db.prepare(`WITH RECURSIVE n(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM n WHERE i < ?)
  INSERT INTO journal (card_id, till_id, epoch, seq, txn_id, kind, occurred_at, hash, body)
  SELECT 'pad-' || (i % 100000), 'pad', 'pad', i, 'pad-' || i, 'sale', 1767225600000 + i * 3000,
    printf('%064d', i), printf('%.*c', 320, 'x') FROM n`);
let next = padded + 1;
let left = Number(totalText) - held;
const started = Date.now();
while (left > 0) {
  const n = Math.min(left, 200_000);
  db.transaction(() => add.run(next, next + n - 1))();
  next += n;
  left -= n;
  console.error(
    `  ${(Number(totalText) - left).toLocaleString('en-US')} journal entries (${Math.round((Date.now() - started) / 1000)} s)`,
  );
}
console.log(
  `journal: ${(db.prepare('SELECT count(*) FROM journal').pluck().get() as number).toLocaleString('en-US')} entries`,
);
db.close();
