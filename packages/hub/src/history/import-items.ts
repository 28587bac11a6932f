import type { ImportKind, ImportMapping } from './import-mapping';
import {
  cardOf,
  lotOf,
  type RecordOf,
  readRow,
  returnKeyOf,
  returnOf,
  returnRowsOfObject,
  saleKeyOf,
  saleOf,
  saleRowsOfObject,
} from './import-records';
import type { Raw } from './import-values';
import type { SourceRow } from './row-source';

/**
 * Rows into records (a pure stage over the row stream): cards and lots are one row each; a CSV
 * sale is the consecutive rows of one receipt, a CSV return those of one `return_id`; a JSON
 * Lines sale or return is one object. Each item carries the line it starts on and the byte
 * offset past its last row (a resumed import starts there), and is a record or a rejection.
 */
export type ImportItem<K extends ImportKind> = { line: number; endLine: number; endOffset: number } & (
  | { record: RecordOf<K> }
  | { reason: string }
);

/** Rows of one record kept at most (a sale's lines and bonuses); past it the record is refused. */
export const groupRowsMax = 1_032;

type Reader<K extends ImportKind> = (rows: readonly Raw[], mapping: ImportMapping) => RecordOf<K>;

const grouped = {
  cards: null,
  balances: null,
  sales: { key: saleKeyOf, read: saleOf, ofObject: saleRowsOfObject },
  returns: { key: returnKeyOf, read: returnOf, ofObject: returnRowsOfObject },
} as const;

export async function* importItems<K extends ImportKind>(
  kind: K,
  rows: AsyncIterable<SourceRow>,
  mapping: ImportMapping,
  format: 'csv' | 'jsonl',
): AsyncGenerator<ImportItem<K>> {
  const group = grouped[kind];
  if (group === null) {
    const read = (kind === 'cards' ? cardOf : lotOf) as unknown as (
      raw: Raw,
      m: ImportMapping,
    ) => RecordOf<K>;
    for await (const row of rows) {
      if ('problem' in row) yield { ...at(row), reason: row.problem };
      else yield item(at(row), () => read(row.raw, mapping));
    }
    return;
  }
  const read = group.read as unknown as Reader<K>;
  if (format === 'jsonl') {
    for await (const row of rows) {
      if ('problem' in row) yield { ...at(row), reason: row.problem };
      else yield item(at(row), () => read(group.ofObject(row.raw), mapping));
    }
    return;
  }
  let held: { key: string; at: Position; rows: Raw[]; count: number } | null = null;
  const flush = (): ImportItem<K> | null => {
    if (held === null) return null;
    const h = held;
    held = null;
    if (h.count > groupRowsMax) return { ...h.at, reason: `more than ${groupRowsMax} rows in one record` };
    return item(h.at, () => read(h.rows, mapping));
  };
  for await (const row of rows) {
    if ('problem' in row) {
      const done = flush();
      if (done) yield done;
      yield { ...at(row), reason: row.problem };
      continue;
    }
    const key = group.key(row.raw);
    if (held !== null && held.key === key) {
      held.count += 1;
      held.at.endLine = row.endLine;
      held.at.endOffset = row.endOffset;
      if (held.count <= groupRowsMax) held.rows.push(row.raw);
      continue;
    }
    const done = flush();
    if (done) yield done;
    held = { key, at: at(row), rows: [row.raw], count: 1 };
  }
  const done = flush();
  if (done) yield done;
}

type Position = { line: number; endLine: number; endOffset: number };
const at = (row: SourceRow): Position => ({ line: row.line, endLine: row.endLine, endOffset: row.endOffset });

function item<K extends ImportKind>(position: Position, read: () => RecordOf<K>): ImportItem<K> {
  const result = readRow(read);
  return result.ok ? { ...position, record: result.value } : { ...position, reason: result.reason };
}
