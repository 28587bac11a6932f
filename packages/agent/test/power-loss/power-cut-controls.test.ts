import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { between, faultSeed, seededRandom } from './fault-seed';
import { LineChild } from './line-child';
import { PowerCutDisk, type Writeback } from './power-cut-disk';

/**
 * The power-cut harness must be able to fail: the same harness that finds nothing wrong with
 * the agent must lose acknowledged commits of a database at synchronous=OFF and NORMAL (and in
 * rollback-journal mode at FULL, whose commit is an unlink that only synchronous=EXTRA makes
 * durable), and none at FULL. A SIGKILL alone loses nothing at any level: the page cache
 * survives it, which is why the cut is needed at all.
 *
 * TILLPOINT_POWER_CONTROL_CUTS=N: cuts per durable configuration (default 20);
 * TILLPOINT_POWER_SEED replays the choices of cut points.
 */
const writer = fileURLToPath(new URL('./sqlite-writer.mjs', import.meta.url));
const fsSteps = fileURLToPath(new URL('./fs-steps.mjs', import.meta.url));
const durableCuts = Number(process.env.TILLPOINT_POWER_CONTROL_CUTS ?? 20);
/** A lossy configuration must show a loss within this many cuts. */
const lossyCutsMax = 60;
const random = seededRandom(faultSeed('TILLPOINT_POWER_SEED'));

interface Config {
  journal: 'wal' | 'delete';
  synchronous: 'off' | 'normal' | 'full' | 'extra';
  writeback: Writeback;
}
const label = (c: Config) =>
  `journal_mode=${c.journal}, synchronous=${c.synchronous}, writeback ${c.writeback}`;

const homes: string[] = [];
const disks: PowerCutDisk[] = [];
afterAll(() => {
  for (const disk of disks) disk.dispose();
  for (const home of homes) rmSync(home, { recursive: true, force: true });
});

/** A fresh directory with its own power line. */
function newDisk(): PowerCutDisk {
  const home = mkdtempSync(join(tmpdir(), 'tillpoint-powercut-'));
  homes.push(home);
  const disk = new PowerCutDisk(join(home, 'disk'));
  disks.push(disk);
  return disk;
}

/**
 * One writer run: commits until a random number of acknowledgements has come back, plus a
 * random delay, then the power goes (or only SIGKILL, with `cut: false`). Returns the
 * acknowledged ids missing from the database afterwards.
 */
async function runAndCut(
  disk: PowerCutDisk,
  config: Config,
  cut = true,
): Promise<{ acked: number; lost: number[]; dropped: number }> {
  const db = join(disk.root, 'control.sqlite');
  const child = new LineChild([writer, db, config.journal, config.synchronous, '2'], disk.env());
  const acksWanted = between(random, 1, 40);
  await child.waitFor((lines) => lines.length > acksWanted);
  await new Promise((resolve) => setTimeout(resolve, between(random, 0, 3)));
  const acked = (await child.kill()).filter((line) => /^\d+$/.test(line)).map(Number);
  const report = cut ? disk.cut(config.writeback, random) : undefined;
  const sqlite = new Database(db);
  let present: Set<number>;
  try {
    expect(sqlite.pragma('integrity_check', { simple: true }), label(config)).toBe('ok');
    // At OFF nothing may have reached the disk, not even the table.
    const table = sqlite.prepare("SELECT 1 FROM sqlite_schema WHERE name = 'acked'").get();
    const ids = table === undefined ? [] : (sqlite.prepare('SELECT id FROM acked').pluck().all() as number[]);
    present = new Set(ids);
  } finally {
    sqlite.close();
  }
  // Opening the file replayed or rolled back its journal: that is the state the next run starts on.
  disk.markDurable();
  return {
    acked: acked.length,
    lost: acked.filter((id) => !present.has(id)),
    dropped: report?.bytesDropped ?? 0,
  };
}

describe('power-cut harness controls', () => {
  it('SIGKILL alone loses no acknowledged commit, even at synchronous=OFF', async () => {
    const disk = newDisk();
    let acked = 0;
    for (let run = 0; run < 10; run++) {
      const result = await runAndCut(disk, { journal: 'wal', synchronous: 'off', writeback: 'none' }, false);
      expect(result.lost).toEqual([]);
      acked += result.acked;
    }
    expect(acked).toBeGreaterThan(10);
  }, 60_000);

  it.each<Config>([
    { journal: 'wal', synchronous: 'off', writeback: 'none' },
    { journal: 'wal', synchronous: 'normal', writeback: 'none' },
    { journal: 'wal', synchronous: 'normal', writeback: 'ordered' },
    { journal: 'delete', synchronous: 'full', writeback: 'none' },
  ])(
    'a power cut loses acknowledged commits at $journal / $synchronous (writeback $writeback)',
    async (config) => {
      const disk = newDisk();
      let cuts = 0;
      let acked = 0;
      const lost: number[] = [];
      while (lost.length === 0 && cuts < lossyCutsMax) {
        const result = await runAndCut(disk, config);
        cuts += 1;
        acked += result.acked;
        lost.push(...result.lost);
      }
      console.info(
        `${label(config)}: ${lost.length} acknowledged commits lost at cut ${cuts} (${acked} acked)`,
      );
      expect(lost.length, `no loss in ${cuts} cuts: the harness cannot fail`).toBeGreaterThan(0);
    },
    120_000,
  );

  it.each<Config>([
    { journal: 'wal', synchronous: 'full', writeback: 'none' },
    { journal: 'wal', synchronous: 'full', writeback: 'ordered' },
    { journal: 'delete', synchronous: 'extra', writeback: 'none' },
  ])(
    `keeps every acknowledged commit at $journal / $synchronous (writeback $writeback) over ${durableCuts} cuts`,
    async (config) => {
      const disk = newDisk();
      let acked = 0;
      let dropped = 0;
      for (let cut = 0; cut < durableCuts; cut++) {
        const result = await runAndCut(disk, config);
        expect(result.lost, `${label(config)}, cut ${cut + 1}`).toEqual([]);
        acked += result.acked;
        dropped += result.dropped;
      }
      const fsyncs = [...disk.flushes().values()].reduce((a, b) => a + b, 0);
      console.info(
        `${label(config)}: ${durableCuts} cuts, ${acked} acknowledged commits, none lost; ${dropped} bytes not yet durable dropped, ${fsyncs} fsyncs seen`,
      );
      // The harness was there: it saw at least one fsync per commit.
      expect(fsyncs).toBeGreaterThanOrEqual(acked);
    },
    180_000,
  );

  it("Node's fs: only fsynced content under directory-synced names survives", async () => {
    const disk = newDisk();
    const child = new LineChild([fsSteps, disk.root], disk.env());
    await child.waitFor((lines) => lines.includes('done'));
    await child.kill();
    const file = (name: string) => {
      const path = join(disk.root, name);
      return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
    };
    // Without the cut, the page cache keeps everything the process did.
    expect([file('kept.txt'), file('moved.txt'), file('nameless.txt')]).toEqual([
      'kept, then changed',
      'renamed',
      'nameless',
    ]);
    const report = disk.cut('none');
    expect(file('kept.txt'), 'a change never fsynced').toBe('kept');
    expect(file('overwritten.txt'), 'an overwrite never fsynced').toBe('one');
    expect(file('renamed.txt'), 'a rename never followed by a directory fsync').toBe('renamed');
    expect(file('moved.txt')).toBeUndefined();
    expect(file('nameless.txt'), 'fsynced, but its name never was').toBeUndefined();
    expect(file('empty.txt'), 'its name was synced, its data never').toBe('');
    expect(report.namesDropped.sort()).toEqual(['moved.txt', 'nameless.txt']);
    expect(report.namesRestored).toEqual(['renamed.txt']);
  }, 30_000);
});
