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
 * indexes (PostgreSQL: COPY into tables partitioned as the hub's, and into plain ones as earlier
 * rounds did; SQLite: prepared inserts of the rows read from the imported file), goal
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
  'card_grant',
  'card_enrolment',
  'card_profile',
  'card_traits',
  'history_return',
];

interface Ran {
  ms: number;
  /** CPU time of the process (every thread), from /proc at the last poll before it ended. */
  cpuMs: number;
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
    let cpuMs = 0;
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
        // utime and stime (fields 14 and 15, in clock ticks of 10 ms), after the command's name
        const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        cpuMs = (Number(fields[11]) + Number(fields[12])) * 10;
      } catch {
        // gone
      }
    }, 100);
    child.on('exit', (code) => {
      clearInterval(poll);
      if (code !== 0) reject(new Error(`tillpoint-hub ${args[0]} failed (${code}):\n${stderr.slice(-2000)}`));
      else resolve({ ms: performance.now() - started, cpuMs, peakBytes, stdout });
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

    const repeats = Math.max(1, Number(process.env.TILLPOINT_BENCH_HISTORY_REPEATS ?? 1));
    if (parts.has('sqlite')) {
      // Import and bare load interleaved (import i, then the bare load of its rows), so a shared
      // machine's load falls on both alike.
      const runs: { imported: Ran; bare: Bare }[] = [];
      for (let i = 0; i < repeats; i++) {
        const db = join(dir, `hub${i}.sqlite`);
        await cli(['init', '--db', db, '--key', join(dir, 'key.pem')]);
        const imported = await cli(['import', '--db', db, ...importArgs]);
        const bare = sqliteBareLoad(db, join(dir, 'bare.sqlite'));
        rmSync(join(dir, 'bare.sqlite'), { force: true });
        runs.push({ imported, bare });
        if (i > 0) rmSync(db, { force: true });
      }
      recordImport(h, group, 'SQLite', receipts, runs, 'bare load of the same rows (prepared inserts)');
      await replays(h, group, 'SQLite', receipts, repeats, [
        '--db',
        join(dir, 'hub0.sqlite'),
        ...whatIfArgs,
        '--out',
        join(dir, 'whatif.csv'),
      ]);
    }
    if (parts.has('postgres')) {
      const server = await startTestPostgres();
      try {
        // Each import followed by the bare COPY of its rows into tables partitioned as the hub's
        // (the baseline) and into plain tables (the baseline of earlier rounds, for comparison).
        const runs: { imported: Ran; bare: Bare; plain: Bare }[] = [];
        for (let i = 0; i < repeats; i++) {
          const schema = `hub${i}`;
          await settle(server.url);
          const imported = await cli(['import', '--db', server.url, '--schema', schema, ...importArgs]);
          await settle(server.url);
          const bare = await postgresBareLoad(server.url, schema, dir, 'partitioned');
          await settle(server.url);
          runs.push({ imported, bare, plain: await postgresBareLoad(server.url, schema, dir, 'plain') });
        }
        recordImport(
          h,
          group,
          'PostgreSQL',
          receipts,
          runs,
          'bare COPY of the same rows (partitioned as the hub)',
        );
        const plainMs = median(runs.map((r) => r.plain.ms));
        h.record(
          group,
          "PostgreSQL: bare COPY into plain tables (earlier rounds' baseline)",
          runs.map((r) => r.plain.ms),
        );
        h.figure(
          group,
          'PostgreSQL import rate ÷ bare COPY rate into plain tables',
          `${(plainMs / median(runs.map((r) => r.imported.ms))).toFixed(2)} by wall time (${rate(receipts, plainMs, 'receipts')} bare)`,
        );
        await replays(h, group, 'PostgreSQL', receipts, repeats, [
          '--db',
          server.url,
          '--schema',
          'hub0',
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

interface Bare {
  ms: number;
  /** CPU time of this process (SQLite: the whole load; PostgreSQL: the client only). */
  cpuMs: number;
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

function recordImport(
  h: BenchHarness,
  group: string,
  hub: string,
  receipts: number,
  runs: readonly { imported: Ran; bare: Bare }[],
  baseline: string,
): void {
  const base = `${hub}: ${baseline}`;
  const importMs = median(runs.map((r) => r.imported.ms));
  const bareMs = median(runs.map((r) => r.bare.ms));
  h.record(
    group,
    base,
    runs.map((r) => r.bare.ms),
  );
  h.record(
    group,
    `${hub}: tillpoint-hub import (parse, check, merge)`,
    runs.map((r) => r.imported.ms),
    { baseline: base, note: 'goal: bare ÷ import ≥ 0.5' },
  );
  if (runs.length > 1)
    h.figure(
      group,
      `${hub} import rate ÷ bare load rate, run by run (each import and the bare load right after it)`,
      runs.map((r) => (r.bare.ms / r.imported.ms).toFixed(2)).join(', '),
    );
  const peak = Math.max(...runs.map((r) => r.imported.peakBytes));
  h.figure(group, `${hub} import`, `${rate(receipts, importMs, 'receipts')}, peak ${mb(peak)}`);
  h.figure(group, `${hub} ${baseline}`, rate(receipts, bareMs, 'receipts'));
  const cpu = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  h.figure(
    group,
    `${hub} import rate ÷ bare load rate (goal ≥ 0.5)`,
    `${(bareMs / importMs).toFixed(2)} by wall time; CPU: import ${cpu(median(runs.map((r) => r.imported.cpuMs)))} (all threads), bare ${cpu(median(runs.map((r) => r.bare.cpuMs)))} (${hub === 'SQLite' ? 'all of it' : 'the client; the server does the rest'})`,
  );
  h.figure(
    group,
    `${hub} import of 100 M receipts at this rate`,
    `${hours((importMs * 1e8) / receipts)} (bare load ${hours((bareMs * 1e8) / receipts)})`,
  );
}

const hours = (ms: number) => `${(ms / 3_600_000).toFixed(1)} h`;

async function replays(
  h: BenchHarness,
  group: string,
  hub: string,
  receipts: number,
  repeats: number,
  args: string[],
): Promise<void> {
  const runs = async (parts: number) => {
    const out: Ran[] = [];
    for (let i = 0; i < repeats; i++) out.push(await cli(['whatif', ...args, '--parts', String(parts)]));
    return out;
  };
  const one = await runs(1);
  const two = await runs(2);
  const medianMs = (rs: Ran[]) => median(rs.map((r) => r.ms));
  const cpuRate = (rs: Ran[]) => rate(receipts, median(rs.map((r) => r.cpuMs)), 'receipts');
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
    `${rate(receipts, medianMs(one), 'receipts')} a core (${cpuRate(one)} of CPU), peak ${mb(peak(one))}`,
  );
  h.figure(
    group,
    `${hub} replay, 2 threads`,
    `${rate(receipts, medianMs(two), 'receipts')} (${rate(receipts / 2, medianMs(two), 'receipts')} a core; ${cpuRate(two)} of CPU), peak ${mb(peak(two))}`,
  );
  const perMs = receipts / medianMs(two);
  h.figure(
    group,
    `${hub} replay of 10 M / 100 M receipts at this rate`,
    `${(1e7 / perMs / 60_000).toFixed(0)} min (goal < 10 min) / ${hours(1e8 / perMs)}`,
  );
}

/**
 * The imported rows loaded again with no logic, the way the import writes (like with like): each
 * table created as the hub file has it (its keys and indexes, so the load pays what the import pays
 * to keep them), the rows read from the imported file by a second connection and bound to prepared
 * multi-row inserts (50 rows a statement), a commit every 50 000 rows, WAL at `synchronous =
 * NORMAL` as the import's connection. What it leaves out is the import's own work: reading and
 * checking the file, building the rows, the hash, the duplicate lookups, the feed numbers.
 */
function sqliteBareLoad(imported: string, bare: string): Bare {
  const src = new Database(imported, { readonly: true });
  const db = new Database(bare);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('cache_size = -65536');
    const ddl = src.prepare('SELECT sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL').pluck();
    for (const table of loadedTables) for (const sql of ddl.all(table) as string[]) db.exec(sql);
    const started = performance.now();
    const cpu = process.cpuUsage();
    for (const table of loadedTables) {
      const read = src.prepare(`SELECT * FROM ${table}`).raw();
      const width = read.columns().length;
      const row = `(${Array(width).fill('?').join(', ')})`;
      const many = db.prepare(`INSERT INTO ${table} VALUES ${Array(50).fill(row).join(', ')}`);
      const one = db.prepare(`INSERT INTO ${table} VALUES ${row}`);
      let held: unknown[] = [];
      let rows = 0;
      db.exec('BEGIN');
      for (const r of read.iterate() as Iterable<unknown[]>) {
        for (const v of r) held.push(v);
        rows += 1;
        if (held.length === 50 * width) {
          many.run(held);
          held = [];
        }
        if (rows % 50_000 === 0) db.exec('COMMIT; BEGIN');
      }
      for (let i = 0; i < held.length; i += width) one.run(held.slice(i, i + width));
      db.exec('COMMIT');
    }
    const used = process.cpuUsage(cpu);
    return { ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000 };
  } finally {
    db.close();
    src.close();
  }
}

/**
 * The imported rows as COPY text files, then COPY into empty tables of the same shape, keys and
 * indexes, in one transaction, fsync on: `plain`, each table `LIKE … INCLUDING ALL` (not
 * partitioned: the baseline of earlier rounds); `partitioned`, each table as the hub has it, its
 * partitions too (read from the catalog: the journal and postings by card hash, the sale tables by
 * month), so the bare load routes every row to its partition as the import does.
 */
/**
 * The server quiet before a measured step: what the step before left to do (autovacuum of the
 * rows it wrote, dirty pages) done now, so it does not run during the next step. Each step still
 * pays for the work it sets off itself (an import committing chunk by chunk wakes autovacuum on
 * its tables; a bare COPY in one transaction does not, until it ends).
 */
async function settle(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('VACUUM (ANALYZE)');
    await client.query('CHECKPOINT');
  } finally {
    await client.end();
  }
}

async function postgresBareLoad(
  url: string,
  schema: string,
  dir: string,
  shape: 'plain' | 'partitioned',
): Promise<Bare> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const file = (table: string) => join(dir, `${table}.copy`);
  const bare = `bare_${schema}`;
  try {
    for (const table of loadedTables)
      await pipeline(
        client.query(copyTo(`COPY (SELECT * FROM ${schema}.${table}) TO STDOUT`)),
        createWriteStream(file(table)),
      );
    await client.query(`CREATE SCHEMA ${bare}`);
    for (const table of loadedTables)
      for (const sql of await bareTable(client, schema, bare, table, shape)) await client.query(sql);
    const started = performance.now();
    const cpu = process.cpuUsage();
    await client.query('BEGIN');
    for (const table of loadedTables)
      await pipeline(
        createReadStream(file(table)),
        client.query(copyFrom(`COPY ${bare}.${table} FROM STDIN`)),
      );
    await client.query('COMMIT');
    const used = process.cpuUsage(cpu);
    return { ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000 };
  } finally {
    await client.query(`DROP SCHEMA IF EXISTS ${bare} CASCADE`).catch(() => undefined);
    await client.end();
    for (const table of loadedTables) rmSync(file(table), { force: true });
  }
}

/** The statements making `bare.table` as `schema.table` is (partitioned: its key and each partition's bounds). */
async function bareTable(
  client: pg.Client,
  schema: string,
  bare: string,
  table: string,
  shape: 'plain' | 'partitioned',
): Promise<string[]> {
  const like = `CREATE TABLE ${bare}.${table} (LIKE ${schema}.${table} INCLUDING ALL)`;
  if (shape === 'plain') return [like];
  const key = (await client.query('SELECT pg_get_partkeydef($1::regclass) AS key', [`${schema}.${table}`]))
    .rows[0]?.key as string | null;
  if (key === null) return [like];
  const parts = (
    await client.query(
      `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound FROM pg_inherits i
       JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = $1::regclass ORDER BY c.relname`,
      [`${schema}.${table}`],
    )
  ).rows as { name: string; bound: string }[];
  return [
    `${like} PARTITION BY ${key}`,
    ...parts.map((p) => `CREATE TABLE ${bare}.${p.name} PARTITION OF ${bare}.${table} ${p.bound}`),
  ];
}
