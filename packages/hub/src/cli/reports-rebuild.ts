import { TillpointError } from '@tillpoint/core';
import { Command, type Option } from 'commander';
import { rebuildPostgresRollups, rebuildSqliteRollups } from '../reports/rebuild-rollups';
import { dayMs, dayOfIso, isoOfDay } from '../reports/report-day';
import { isPostgresUrl, openHubDatabase } from './hub-database';

/**
 * `tillpoint-hub reports rebuild [--from YYYY-MM-DD]`: recomputes the report rollups from the
 * journal (both stores), e.g. after restoring a backup, after a bug in a rollup, or on a hub whose
 * journal predates its reports. Safe while the hub runs (pushes wait for it); running it again
 * gives the same figures.
 */
export function reportsRebuildCommand(dbOption: Option, schemaOption: Option): Command {
  return new Command('rebuild')
    .description('recompute the report rollups from the journal (all days, or from --from on); idempotent')
    .addOption(dbOption)
    .addOption(schemaOption)
    .option('--from <date>', 'rewrite the days from this one on (YYYY-MM-DD, report days); default: all')
    .option('--json', 'print the outcome as JSON')
    .action(async (o: { db: string; schema?: string; from?: string; json?: boolean }) => {
      let fromDay: number | null = null;
      if (o.from !== undefined) {
        const ms = Date.parse(`${o.from}T00:00:00Z`);
        if (!/^\d{4}-\d{2}-\d{2}$/.test(o.from) || Number.isNaN(ms) || isoOfDay(ms / dayMs) !== o.from)
          throw new TillpointError('invalid_option', `--from: "${o.from}" is not a date such as 2026-12-01`);
        fromDay = dayOfIso(o.from);
      }
      // Opening the hub first checks the path (no new database on a typo) and creates the tables.
      await (await openHubDatabase(o.db, o.schema === undefined ? {} : { schema: o.schema })).close();
      const started = Date.now();
      const outcome = isPostgresUrl(o.db)
        ? await rebuildPostgresRollups(o.db, o.schema ?? 'tillpoint_hub', fromDay)
        : rebuildSqliteRollups(o.db, fromDay);
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      if (o.json)
        return console.log(JSON.stringify({ ...outcome, from: o.from ?? null, seconds: Number(seconds) }));
      console.log(
        `report rollups rebuilt ${o.from ? `from ${o.from}` : 'for every day'}: ${outcome.entries} journal entries of ${outcome.tills} till(s) read in ${seconds} s`,
      );
    });
}
