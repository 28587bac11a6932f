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
import type { JsonRow, Raw } from './import-values';
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

/**
 * The records of a file's rows, a batch of rows at a time (a sale may run on to the next batch),
 * each batch's records made as they are taken: take every record of a batch before the next.
 */
export async function* importItems<K extends ImportKind>(
  kind: K,
  batches: AsyncIterable<Iterable<SourceRow>>,
  mapping: ImportMapping,
  format: 'csv' | 'jsonl',
): AsyncGenerator<Iterable<ImportItem<K>>> {
  const items = new ItemReader(kind, mapping, format);
  for await (const rows of batches) yield items.read(rows);
  yield items.end();
}

/** Rows into records, synchronously: holds the rows of a record not yet complete between batches. */
class ItemReader<K extends ImportKind> {
  #held: { key: string; at: Position; rows: Raw[]; count: number } | null = null;

  constructor(
    readonly kind: K,
    readonly mapping: ImportMapping,
    readonly format: 'csv' | 'jsonl',
  ) {}

  *read(rows: Iterable<SourceRow>): Generator<ImportItem<K>> {
    const group = grouped[this.kind];
    const mapping = this.mapping;
    if (group === null) {
      const read = (this.kind === 'cards' ? cardOf : lotOf) as unknown as (
        raw: Raw,
        m: ImportMapping,
      ) => RecordOf<K>;
      for (const row of rows)
        yield 'problem' in row
          ? { ...at(row), reason: row.problem }
          : item(at(row), () => read(row.raw, mapping));
      return;
    }
    const read = group.read as unknown as Reader<K>;
    if (this.format === 'jsonl') {
      for (const row of rows)
        yield 'problem' in row
          ? { ...at(row), reason: row.problem }
          : item(at(row), () => read(group.ofObject(row.raw as JsonRow), mapping));
      return;
    }
    for (const row of rows) {
      if ('problem' in row) {
        const done = this.#flush();
        if (done !== null) yield done;
        yield { ...at(row), reason: row.problem };
        continue;
      }
      const key = group.key(row.raw);
      const held = this.#held;
      if (held !== null && held.key === key) {
        held.count += 1;
        held.at.endLine = row.endLine;
        held.at.endOffset = row.endOffset;
        if (held.count <= groupRowsMax) held.rows.push(row.raw);
        continue;
      }
      const done = this.#flush();
      if (done !== null) yield done;
      this.#held = { key, at: at(row), rows: [row.raw], count: 1 };
    }
  }

  /** The record still held once the rows end. */
  *end(): Generator<ImportItem<K>> {
    const done = this.#flush();
    if (done !== null) yield done;
  }

  #flush(): ImportItem<K> | null {
    const h = this.#held;
    const group = grouped[this.kind];
    if (h === null || group === null) return null;
    this.#held = null;
    if (h.count > groupRowsMax) return { ...h.at, reason: `more than ${groupRowsMax} rows in one record` };
    const read = group.read as unknown as Reader<K>;
    return item(h.at, () => read(h.rows, this.mapping));
  }
}

type Position = { line: number; endLine: number; endOffset: number };
const at = (row: SourceRow): Position => ({ line: row.line, endLine: row.endLine, endOffset: row.endOffset });

function item<K extends ImportKind>(position: Position, read: () => RecordOf<K>): ImportItem<K> {
  const result = readRow(read);
  return result.ok ? { ...position, record: result.value } : { ...position, reason: result.reason };
}
