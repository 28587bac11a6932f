import { TillpointError } from '@tillpoint/core';
import type pg from 'pg';

/**
 * The Citus distribution step of the PostgreSQL hub schema (`tillpoint-hub distribute`, and at
 * every open of a schema already distributed, for the tables an upgrade added).
 *
 * Which table goes where is decided from the catalog, so a table a later version adds is placed
 * by the same rule: a table with a `card_id` column that every unique key includes is
 * distributed by `card_id`, colocated with `card` (a card's rows on one shard: a single-card
 * statement goes to one node, a card's write commits on one node); `till_cursor` is distributed
 * by `till_id` (a push writes its own till's row, on one shard: no table every push writes),
 * and so are the rule-set version each till reports (`till_rules`) and the report rollups a push writes (`report_till`, `report_till_agent` by `till_id`;
 * the per-day rollups by their `writer`, the pushing till), colocated with it;
 * every other table is a reference table (small, read everywhere, written rarely: tills, store
 * limits, rule sets, settings, the feed's heads in `meta`) — but the console's `admin_*` tables,
 * which stay local tables on the coordinator (their store sends its schema as one script, with
 * triggers: neither runs on distributed or reference tables, and nothing joins them to the
 * hub's tables).
 */

/** A table of the schema, as the catalog describes it. */
export interface TableShape {
  name: string;
  columns: readonly string[];
  /** The columns of each unique index (the primary key included). */
  uniqueKeys: readonly (readonly string[])[];
}

/** How a table is placed: Citus's `pg_dist_partition.partmethod` ('h' hash, 'n' reference). */
export type Placement =
  | { kind: 'card' }
  | { kind: 'till'; column: 'till_id' | 'writer' }
  | { kind: 'reference' }
  | { kind: 'local' };

export interface DistributionStep {
  table: string;
  placement: Exclude<Placement['kind'], 'local'>;
  sql: string;
}

export interface DistributionPlan {
  steps: DistributionStep[];
  /** Tables already placed otherwise than this rule says (left alone; the operator decides). */
  misplaced: { table: string; is: string; should: DistributionStep['placement'] }[];
}

const tablesByTill = new Set(['till_cursor', 'till_rules', 'report_till', 'report_till_agent']);

/** Where the rule puts a table. */
export function placementOf(table: TableShape): Placement {
  if (table.name.startsWith('admin_')) return { kind: 'local' };
  if (tablesByTill.has(table.name)) return { kind: 'till', column: 'till_id' };
  if (
    !table.columns.includes('card_id') &&
    table.columns.includes('writer') &&
    table.uniqueKeys.length > 0 &&
    table.uniqueKeys.every((key) => key.includes('writer'))
  )
    return { kind: 'till', column: 'writer' };
  if (table.columns.includes('card_id') && table.uniqueKeys.every((key) => key.includes('card_id')))
    return { kind: 'card' };
  return { kind: 'reference' };
}

const methodOf = { card: 'h', till: 'h', reference: 'n' } as const;

/**
 * The statements that place every table not yet placed, one a query: `card` first (it starts the
 * card tables' colocation group), then the other card tables colocated with it, then
 * `till_cursor`, then the reference tables. `placed` maps a table to its `partmethod`.
 */
export function distributionPlan(
  schema: string,
  tables: readonly TableShape[],
  placed: ReadonlyMap<string, string>,
): DistributionPlan {
  const order = { card: 1, till: 2, reference: 3 } as const;
  const named = (table: string) => `'${schema}.${table}'`;
  const sorted = tables
    .map((t) => {
      const p = placementOf(t);
      return { table: t.name, placement: p.kind, column: p.kind === 'till' ? p.column : 'till_id' };
    })
    .filter(
      (t): t is { table: string; placement: DistributionStep['placement']; column: 'till_id' | 'writer' } =>
        t.placement !== 'local',
    )
    .sort(
      (a, b) =>
        order[a.placement] - order[b.placement] ||
        Number(b.table === 'card') - Number(a.table === 'card') ||
        Number(b.table === 'till_cursor') - Number(a.table === 'till_cursor') ||
        (a.table < b.table ? -1 : a.table > b.table ? 1 : 0),
    );
  const steps: DistributionStep[] = [];
  const misplaced: DistributionPlan['misplaced'] = [];
  for (const { table, placement, column } of sorted) {
    const is = placed.get(table);
    if (is !== undefined) {
      if (is !== methodOf[placement]) misplaced.push({ table, is, should: placement });
      continue;
    }
    const sql =
      placement === 'reference'
        ? `SELECT create_reference_table(${named(table)})`
        : placement === 'till'
          ? table === 'till_cursor'
            ? `SELECT create_distributed_table(${named(table)}, 'till_id', colocate_with => 'none')`
            : `SELECT create_distributed_table(${named(table)}, '${column}', colocate_with => ${named('till_cursor')})`
          : table === 'card'
            ? `SELECT create_distributed_table(${named(table)}, 'card_id', colocate_with => 'none')`
            : `SELECT create_distributed_table(${named(table)}, 'card_id', colocate_with => ${named('card')})`;
    steps.push({ table, placement, sql });
  }
  return { steps, misplaced };
}

const catalogSql = {
  tables: `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY c.relname`,
  columns: `SELECT c.relname AS table, a.attname AS column FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = $1 AND a.attnum > 0 AND NOT a.attisdropped`,
  uniqueKeys: `SELECT c.relname AS table, i.indexrelid::bigint AS index, a.attname AS column FROM pg_index i
    JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
    WHERE n.nspname = $1 AND i.indisunique`,
  /** Citus's catalog (pg_catalog on a Citus node): both present only where the extension is. */
  citus: `SELECT to_regclass('pg_dist_partition') IS NOT NULL AND to_regproc('create_distributed_table') IS NOT NULL
    AS citus`,
  placed: `SELECT c.relname AS table, p.partmethod AS method FROM pg_dist_partition p
    JOIN pg_class c ON c.oid = p.logicalrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1`,
} as const;

/** The schema's tables (partitions left out: they follow their parent). */
async function tableShapes(client: pg.ClientBase, schema: string): Promise<TableShape[]> {
  const names = ((await client.query(catalogSql.tables, [schema])).rows as { name: string }[]).map(
    (r) => r.name,
  );
  const columns = (await client.query(catalogSql.columns, [schema])).rows as {
    table: string;
    column: string;
  }[];
  const keys = (await client.query(catalogSql.uniqueKeys, [schema])).rows as {
    table: string;
    index: number;
    column: string;
  }[];
  return names.map((name) => {
    const byIndex = new Map<number, string[]>();
    for (const k of keys)
      if (k.table === name) byIndex.set(Number(k.index), [...(byIndex.get(Number(k.index)) ?? []), k.column]);
    return {
      name,
      columns: columns.filter((c) => c.table === name).map((c) => c.column),
      uniqueKeys: [...byIndex.values()],
    };
  });
}

export async function citusInstalled(client: pg.ClientBase): Promise<boolean> {
  return (await client.query(catalogSql.citus)).rows[0]?.citus === true;
}

/** The plan for a schema as it stands (nothing placed yet where Citus is missing). */
export async function readDistributionPlan(client: pg.ClientBase, schema: string): Promise<DistributionPlan> {
  const placed = new Map<string, string>();
  if (await citusInstalled(client))
    for (const r of (await client.query(catalogSql.placed, [schema])).rows as {
      table: string;
      method: string;
    }[])
      placed.set(r.table, r.method);
  return distributionPlan(schema, await tableShapes(client, schema), placed);
}

/**
 * Places every table of the schema not yet placed, each statement on its own (outside any
 * transaction: Citus copies a table's rows into its shards as it distributes it). Answers the
 * steps run. Refused where the Citus extension is missing.
 */
export async function distributeSchema(
  client: pg.ClientBase,
  schema: string,
  where: string,
  onStep: (step: DistributionStep) => void = () => undefined,
): Promise<DistributionPlan> {
  if (!(await citusInstalled(client)))
    throw new TillpointError(
      'citus_missing',
      `${where} has no Citus extension: run CREATE EXTENSION citus on the coordinator (and add the workers) first; nothing was distributed`,
    );
  const plan = await readDistributionPlan(client, schema);
  for (const step of plan.steps) {
    onStep(step);
    await client.query(step.sql);
  }
  return plan;
}

/**
 * At open, after the schema's transaction: on a Citus schema already distributed (`card` is),
 * the tables an upgrade added are placed by the same rule. Elsewhere nothing happens.
 */
export async function distributeAddedTables(client: pg.ClientBase, schema: string): Promise<number> {
  if (!(await citusInstalled(client))) return 0;
  const plan = await readDistributionPlan(client, schema);
  if (plan.steps.some((s) => s.table === 'card')) return 0;
  for (const step of plan.steps) await client.query(step.sql);
  return plan.steps.length;
}
