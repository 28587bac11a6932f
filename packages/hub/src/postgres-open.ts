import pg from 'pg';
import { HubStoreError } from './hub-store-error';
import { ensureSalePartitions, openChain } from './postgres-chain';
import { distributeAddedTables } from './postgres-distribute';
import {
  createStatements,
  postgresSchemaVersion,
  schemaVersionQuery,
  setSchemaVersion,
  upgradeSteps,
} from './postgres-schema';
import { prepareReportTablesPg } from './reports/postgres-rollups';

/**
 * Creates the schema, or brings an older one up to date, in one transaction under an advisory
 * lock (two hubs opening at once do it once); one statement per query. An up-to-date schema
 * gets no DDL at all; one written by a newer hub is refused. The sale tables' monthly partitions
 * around `now` are made if missing; answers the chain's phone lookup key (made on first open).
 */
export async function prepareSchema(
  url: string,
  schema: string,
  partitions: number,
  where: string,
  now: number,
): Promise<string> {
  const setup = new pg.Client({ connectionString: url });
  await setup.connect();
  try {
    await setup.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await setup.query(`SET search_path TO ${schema}`);
    await setup.query('BEGIN');
    await setup.query(`SELECT pg_advisory_xact_lock(hashtext('tillpoint-hub schema ${schema}'))`);
    const exists =
      (await setup.query("SELECT to_regclass('meta') IS NOT NULL AS exists")).rows[0]?.exists === true;
    const version = exists ? Number((await setup.query(schemaVersionQuery)).rows[0]?.version) : 0;
    if (version > postgresSchemaVersion)
      throw new HubStoreError(
        'schema_mismatch',
        `${where} was written by a newer tillpoint-hub (schema ${version}, this one knows ${postgresSchemaVersion}): run that version, or use another --schema`,
      );
    if (version < postgresSchemaVersion) {
      // Tables first, then the upgrades of older ones, then indexes (an index may be on a column
      // an upgrade adds: lot_expiring on lot.expiring).
      const create = createStatements(partitions);
      const isIndex = (statement: string) => /^CREATE INDEX\b/.test(statement);
      for (const statement of create.filter((s) => !isIndex(s))) await setup.query(statement);
      for (const step of upgradeSteps) {
        if ((await setup.query(step.needed)).rows[0]?.needed !== true) continue;
        for (const statement of step.statements) await setup.query(statement);
      }
      for (const statement of create.filter(isIndex)) await setup.query(statement);
      await setup.query(setSchemaVersion, [postgresSchemaVersion]);
    }
    await prepareReportTablesPg(setup);
    await ensureSalePartitions(setup, now);
    const lookupKey = await openChain(setup);
    await setup.query('COMMIT');
    // On a Citus schema already distributed: the tables an upgrade added are placed too.
    await distributeAddedTables(setup, schema);
    return lookupKey;
  } catch (error) {
    await setup.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await setup.end();
  }
}
