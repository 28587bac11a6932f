import { TillpointError } from '@tillpoint/core';
import { Command, type Option } from 'commander';
import pg from 'pg';
import { type DistributionStep, distributeSchema, readDistributionPlan } from '../postgres-distribute';
import { PostgresHubStore } from '../postgres-hub-store';
import { isPostgresUrl } from './hub-database';

const how: Record<DistributionStep['placement'], string> = {
  card: 'distributed by card_id, colocated with card',
  till: 'distributed by till_id',
  reference: 'reference table (a copy on every node)',
};

/**
 * `tillpoint-hub distribute`: the Citus distribution step, after the first start (the schema is
 * created or upgraded first) and again after an upgrade (an open of a distributed schema places
 * the tables an upgrade added by itself; this command does the same on demand). `--dry-run`
 * prints the statements without running them (on plain PostgreSQL too).
 */
export function distributeCommand(dbOption: Option, schemaOption: Option): Command {
  return new Command('distribute')
    .description(
      'spread the PostgreSQL hub schema over a Citus cluster (card tables by card id; see the README)',
    )
    .addOption(dbOption)
    .addOption(schemaOption)
    .option('--dry-run', 'print the statements, run none')
    .action(async (o: { db: string; schema?: string; dryRun?: boolean }) => {
      if (!isPostgresUrl(o.db))
        throw new TillpointError(
          'invalid_option',
          `--db: distribute is for a PostgreSQL database with the Citus extension (a postgres:// URL), not ${o.db}`,
        );
      const schema = o.schema ?? 'tillpoint_hub';
      const store = await PostgresHubStore.open({ connectionString: o.db, schema, poolMax: 1 });
      await store.close();
      const client = new pg.Client({ connectionString: o.db });
      await client.connect();
      try {
        const where = `the database at ${o.db.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@')}`;
        const plan = o.dryRun
          ? await readDistributionPlan(client, schema)
          : await distributeSchema(client, schema, where, (step) =>
              console.log(`${step.table}: ${how[step.placement]}`),
            );
        if (o.dryRun) for (const step of plan.steps) console.log(`${step.sql};`);
        for (const m of plan.misplaced)
          console.log(
            `warning: ${m.table} is already placed otherwise (${m.is}); this hub expects: ${how[m.should]}`,
          );
        console.log(
          o.dryRun
            ? `${plan.steps.length} table(s) to place in schema ${schema}`
            : `${plan.steps.length} table(s) placed in schema ${schema}; the rest already were`,
        );
      } finally {
        await client.end();
      }
    });
}
