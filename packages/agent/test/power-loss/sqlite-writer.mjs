// @ts-check
// A child for the power-cut controls: commits one row per transaction into a SQLite file at the
// journal mode and synchronous level it is given, and acknowledges each commit on stdout
// ("<id>\n") only after the commit returned, as a server answers a request. Plain JavaScript, so
// that each of the controls' many short-lived children starts in 0.1 s (tsx takes 0.5 s).
//
//   node sqlite-writer.mjs <db> <journal_mode> <synchronous> <pauseMaxMs>
import { writeSync } from 'node:fs';
import Database from 'better-sqlite3';

const [db, journalMode, synchronous, pauseMaxMs] = process.argv.slice(2);
if (db === undefined || journalMode === undefined || synchronous === undefined) {
  console.error('usage: sqlite-writer.mjs <db> <journal_mode> <synchronous> <pauseMaxMs>');
  process.exit(2);
}
const sqlite = new Database(db);
sqlite.pragma(`journal_mode = ${journalMode}`);
sqlite.pragma(`synchronous = ${synchronous}`);
// Checkpoints every few commits, so cuts also land in checkpoints and WAL restarts.
sqlite.pragma('wal_autocheckpoint = 20');
sqlite.exec('CREATE TABLE IF NOT EXISTS acked (id INTEGER PRIMARY KEY, pad BLOB NOT NULL)');
const insert = sqlite.prepare('INSERT INTO acked (id, pad) VALUES (?, randomblob(?))');
const last = /** @type {{ id: number | null }} */ (sqlite.prepare('SELECT max(id) AS id FROM acked').get());
const pause = new Int32Array(new SharedArrayBuffer(4));
const pauseMax = Number(pauseMaxMs ?? 0);
writeSync(1, 'ready\n');
for (let id = (last.id ?? 0) + 1; ; id++) {
  // 100..3000 bytes: rows spill over pages, so commits touch one to several of them.
  insert.run(id, 100 + ((id * 7919) % 2900));
  writeSync(1, `${id}\n`);
  if (pauseMax > 0) Atomics.wait(pause, 0, 0, Math.random() * pauseMax);
}
