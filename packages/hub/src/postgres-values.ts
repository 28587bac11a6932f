import { assert } from '@tillpoint/core';

/**
 * Statements whose text depends on their rows: multi-row `INSERT … VALUES` with numbered
 * parameters, alone or as parts of a larger statement (`SqlBuilder`).
 *
 * Why VALUES and not `INSERT … SELECT FROM unnest(…)` for upserts and insert-or-ignore on
 * card-keyed tables: Citus routes a multi-row VALUES insert shard by shard (rows grouped by
 * shard, shards in ascending order, each group in list order, one after the other, with no
 * executor lock on the shards), whereas an `INSERT … SELECT` from a set-returning function with
 * `ON CONFLICT` or `RETURNING` is pulled through the coordinator and run on every shard in
 * parallel under a shard lock that serialises concurrent pushes. Rows are always given in the
 * one card order (`cardOrder`), so every statement locks the rows it touches in the same order
 * on one node and on a cluster alike.
 */

/** PostgreSQL's limit of parameters in one statement. */
export const statementParamsMax = 65_535;

/** The one order of cards (and of any key starting with a card id) every write lists its rows in. */
export function cardOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface BuiltStatement {
  text: string;
  values: unknown[];
}

/** Numbers parameters in the order they are added (`$1`, `$2`, …). */
export class SqlBuilder {
  readonly values: unknown[] = [];

  /** A parameter placeholder (with a cast when `type` is given). */
  param(value: unknown, type?: string): string {
    this.values.push(value);
    assert(this.values.length <= statementParamsMax, 'a statement stays within its parameters', {
      params: this.values.length,
    });
    return type === undefined ? `$${this.values.length}` : `$${this.values.length}::${type}`;
  }

  /** `($1, $2), ($3, $4), …` for rows given as arrays in column order. */
  rows(rows: readonly (readonly unknown[])[]): string {
    assert(rows.length > 0, 'a VALUES list has rows');
    return rows.map((row) => `(${row.map((v) => this.param(v)).join(', ')})`).join(', ');
  }

  /** `INSERT INTO table (columns) VALUES … tail`. */
  insert(
    table: string,
    columns: readonly string[],
    rows: readonly (readonly unknown[])[],
    tail = '',
  ): string {
    assert(
      rows.every((r) => r.length === columns.length),
      'every row has a value for each column',
      { table },
    );
    return `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${this.rows(rows)}${tail === '' ? '' : ` ${tail}`}`;
  }
}

/** One multi-row insert as a statement of its own. */
export function valuesInsert(
  table: string,
  columns: readonly string[],
  rows: readonly (readonly unknown[])[],
  tail = '',
): BuiltStatement {
  const b = new SqlBuilder();
  const text = b.insert(table, columns, rows, tail);
  return { text, values: b.values };
}

/** How many rows of `columns` values fit in one statement. */
export function rowsPerStatement(columns: number): number {
  return Math.floor(statementParamsMax / columns);
}
