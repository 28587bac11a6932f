import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { startTestPostgres } from '@tillpoint/test-kit/test-postgres';
import Database from 'better-sqlite3';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import type { BenchHarness } from '../../../scripts/bench/harness';

/**
 * History at scale (issue 17), each step as the `tillpoint-hub` command a person runs, in its own
 * process (its wall time and its peak resident memory, VmHWM): a generated chain of
 * `TILLPOINT_BENCH_HISTORY_RECEIPTS` receipts (default 20 000: `pnpm bench` stays in minutes) of
 * about 10 lines over a tenth as many cards; its import into a SQLite and a PostgreSQL hub beside a
 * bare load of the very rows the import wrote into empty tables of the same shape, keys and
 * indexes (PostgreSQL: COPY; SQLite: INSERT … SELECT from the imported file, attached), goal
 * ≥ 0.5× the bare load; the what-if replay in one and in two worker threads (receipts per second
 * per core; goal 10 M receipts in 10 minutes here), each `TILLPOINT_BENCH_HISTORY_REPEATS` times
 * (default 1; median and p99 of those). `TILLPOINT_BENCH_HISTORY_PARTS` (`sqlite,postgres`) picks
 * the hubs. The figures extrapolate linearly to 100 M receipts (the work is per receipt; the
 * indexes' depth grows with the log of the size).
 */
const hubDir = fileURLToPath(new URL('..', import.meta.url));
const fixtures = fileURLToPath(new URL('../../../fixtures/import/', import.meta.url));
const loadedTables = [
  'card',
  'lot',
  'journal',
  'posting',
  'sale_fact',
  'sale_line',
  'card_day',
  'card_store',
  'history_return',
];

interface Ran {
  ms: number;
  peakBytes: number;
  stdout: string;
}

/** `tillpoint-hub <args>` from the sources: its wall time and peak resident memory. */
function cli(args: string[]): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
      cwd: hubDir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let peakBytes = 0;
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString();
    });
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    const poll = setInterval(() => {
      try {
        const kb = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1];
        if (kb !== undefined) peakBytes = Math.max(peakBytes, Number(kb) * 1024);
      } catch {
        // gone
      }
    }, 100);
    child.on('exit', (code) => {
      clearInterval(poll);
      if (code !== 0) reject(new Error(`tillpoint-hub ${args[0]} failed (${code}):\n${stderr.slice(-2000)}`));
      else resolve({ ms: performance.now() - started, peakBytes, stdout });
    });
  });
}

const mb = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MB`;
const rate = (n: number, ms: number, unit: string) =>
  `${Math.round((n * 1000) / ms).toLocaleString('en-US')} ${unit}/s`;

export default async function historyBench(h: BenchHarness): Promise<void> {
  const receipts = Number(process.env.TILLPOINT_BENCH_HISTORY_RECEIPTS ?? 20_000);
  const cards = Math.max(10, Math.floor(receipts / 10));
  const parts = new Set((process.env.TILLPOINT_BENCH_HISTORY_PARTS ?? 'sqlite,postgres').split(','));
  const dir = mkdtempSync(join(process.env.TILLPOINT_BENCH_DIR ?? tmpdir(), 'tillpoint-history-bench-'));
  const files = join(dir, 'files');
  const group = `history at scale: ${receipts.toLocaleString('en-US')} receipts of ~10 lines, ${cards.toLocaleString('en-US')} cards`;
  try {
    const generated = await cli([
      'generate',
      '--dir',
      files,
      '--program',
      join(fixtures, 'program-booked.json'),
      '--cards',
      String(cards),
      '--receipts',
      String(receipts),
    ]);
    h.figure(
      group,
      'generate',
      `${rate(receipts, generated.ms, 'receipts')}, peak ${mb(generated.peakBytes)}`,
    );
    const importArgs = [
      '--no-progress',
      ...['cards', 'balances', 'sales', 'returns'].flatMap((k) => [`--${k}`, join(files, `${k}.csv`)]),
    ];
    const whatIfArgs = [
      '--program',
      join(fixtures, 'program-draft.json'),
      '--from',
      '2025-01-01',
      '--to',
      '2026-01-01',
    ];

    if (parts.has('sqlite')) {
      const db = join(dir, 'hub.sqlite');
      await cli(['init', '--db', db, '--key', join(dir, 'key.pem')]);
      const imported = await cli(['import', '--db', db, ...importArgs]);
      const bareMs = sqliteBareLoad(db, join(dir, 'bare.sqlite'));
      rmSync(join(dir, 'bare.sqlite'), { force: true });
      recordImport(h, group, 'SQLite', receipts, imported, bareMs, 'bare INSERT … SELECT of the same rows');
      await replays(h, group, 'SQLite', receipts, [
        '--db',
        db,
        ...whatIfArgs,
        '--out',
        join(dir, 'whatif.csv'),
      ]);
    }
    if (parts.has('postgres')) {
      const server = await startTestPostgres();
      try {
        const imported = await cli(['import', '--db', server.url, ...importArgs]);
        const bareMs = await postgresBareLoad(server.url, dir);
        recordImport(h, group, 'PostgreSQL', receipts, imported, bareMs, 'bare COPY of the same rows');
        await replays(h, group, 'PostgreSQL', receipts, [
          '--db',
          server.url,
          ...whatIfArgs,
          '--out',
          join(dir, 'whatif-pg.csv'),
        ]);
      } finally {
        await server.stop();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function recordImport(
  h: BenchHarness,
  group: string,
  hub: string,
  receipts: number,
  imported: Ran,
  bareMs: number,
  baseline: string,
): void {
  const base = `${hub}: ${baseline}`;
  h.record(group, base, [bareMs]);
  h.record(group, `${hub}: tillpoint-hub import (parse, check, merge)`, [imported.ms], {
    baseline: base,
    note: 'goal ≥ 0.5× the bare load',
  });
  h.figure(
    group,
    `${hub} import`,
    `${rate(receipts, imported.ms, 'receipts')}, peak ${mb(imported.peakBytes)}`,
  );
  h.figure(group, `${hub} ${baseline}`, rate(receipts, bareMs, 'receipts'));
  h.figure(
    group,
    `${hub} import of 100 M receipts at this rate`,
    `${hours((imported.ms * 1e8) / receipts)} (bare load ${hours((bareMs * 1e8) / receipts)})`,
  );
}

const hours = (ms: number) => `${(ms / 3_600_000).toFixed(1)} h`;

async function replays(
  h: BenchHarness,
  group: string,
  hub: string,
  receipts: number,
  args: string[],
): Promise<void> {
  const repeats = Math.max(1, Number(process.env.TILLPOINT_BENCH_HISTORY_REPEATS ?? 1));
  const runs = async (parts: number) => {
    const out: Ran[] = [];
    for (let i = 0; i < repeats; i++) out.push(await cli(['whatif', ...args, '--parts', String(parts)]));
    return out;
  };
  const one = await runs(1);
  const two = await runs(2);
  const median = (rs: Ran[]) =>
    [...rs.map((r) => r.ms)].sort((a, b) => a - b)[Math.floor(rs.length / 2)] as number;
  const peak = (rs: Ran[]) => Math.max(...rs.map((r) => r.peakBytes));
  h.record(
    group,
    `${hub}: what-if replay, 1 thread`,
    one.map((r) => r.ms),
  );
  h.record(
    group,
    `${hub}: what-if replay, 2 worker threads`,
    two.map((r) => r.ms),
    { baseline: `${hub}: what-if replay, 1 thread` },
  );
  h.figure(
    group,
    `${hub} replay, 1 thread`,
    `${rate(receipts, median(one), 'receipts')} a core, peak ${mb(peak(one))}`,
  );
  h.figure(
    group,
    `${hub} replay, 2 threads`,
    `${rate(receipts, median(two), 'receipts')} (${rate(receipts / 2, median(two), 'receipts')} a core), peak ${mb(peak(two))}`,
  );
  const perMs = receipts / median(two);
  h.figure(
    group,
    `${hub} replay of 10 M / 100 M receipts at this rate`,
    `${(1e7 / perMs / 60_000).toFixed(0)} min (goal < 10 min) / ${hours(1e8 / perMs)}`,
  );
}

/**
 * The imported rows loaded again with no logic: each table created as the hub file has it (its
 * keys and indexes, so the load pays what the import pays to keep them), then one INSERT … SELECT
 * per table from the imported file, attached, in one transaction.
 */
function sqliteBareLoad(imported: string, bare: string): number {
  const db = new Database(bare);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(`ATTACH DATABASE '${imported.replaceAll("'", "''")}' AS src`);
    const ddl = db
      .prepare('SELECT sql FROM src.sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL')
      .pluck();
    for (const table of loadedTables) for (const sql of ddl.all(table) as string[]) db.exec(sql);
    const started = performance.now();
    db.transaction(() => {
      for (const table of loadedTables) db.exec(`INSERT INTO main.${table} SELECT * FROM src.${table}`);
    })();
    return performance.now() - started;
  } finally {
    db.close();
  }
}

/** The imported rows as COPY text files, then COPY into empty tables of the same shape (keys and indexes included). */
async function postgresBareLoad(url: string, dir: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const file = (table: string) => join(dir, `${table}.copy`);
  try {
    for (const table of loadedTables)
      await pipeline(
        client.query(copyTo(`COPY (SELECT * FROM tillpoint_hub.${table}) TO STDOUT`)),
        createWriteStream(file(table)),
      );
    await client.query('CREATE SCHEMA bare');
    for (const table of loadedTables)
      await client.query(`CREATE TABLE bare.${table} (LIKE tillpoint_hub.${table} INCLUDING ALL)`);
    const started = performance.now();
    await client.query('BEGIN');
    for (const table of loadedTables)
      await pipeline(createReadStream(file(table)), client.query(copyFrom(`COPY bare.${table} FROM STDIN`)));
    await client.query('COMMIT');
    return performance.now() - started;
  } finally {
    await client.end();
    for (const table of loadedTables) rmSync(file(table), { force: true });
  }
}
