import { createReadStream } from 'node:fs';
import { TillpointError } from '@tillpoint/core';
import { parse as parseSync } from 'csv-parse/sync';
import { headerFields, type ImportKind, type ImportMapping } from './import-mapping';
import { CsvRow, type JsonRow, type Raw } from './import-values';

/**
 * The rows of an import file as a stream, each with its line number and the byte offset just
 * past it (where a resumed import starts reading again). CSV through csv-parse (quotes, CR LF, a
 * BOM); JSON Lines split here. A line that cannot be read at all (a broken quote, bad JSON) comes
 * as a problem with its line, and reading goes on.
 */
export type SourceRow = { line: number; endLine: number; endOffset: number } & (
  | { raw: Raw }
  | { problem: string }
);

export interface SourceStart {
  /** Byte offset to start at (0: the beginning, where the CSV header is). */
  offset: number;
  /** Lines before `offset`. */
  line: number;
  /** The CSV header (its column names) when starting past it. */
  header: string[] | null;
}

/** Longest line read (JSON Lines) before it is refused without being kept. */
export const lineBytesMax = 1 << 20;

/**
 * The rows of a CSV file, a batch a read (1 MiB): one await a batch, not a row. Each batch is read
 * lazily (a batch's rows made all at once lived long enough to be copied by the young-generation
 * collections); take every row of a batch before the next.
 */
export async function* csvRows(
  kind: ImportKind,
  path: string,
  mapping: ImportMapping,
  start: SourceStart,
  onHeader: (header: string[]) => void,
): AsyncGenerator<Iterable<SourceRow>> {
  const reader = new CsvReader(kind, path, mapping, start, onHeader);
  for await (const batch of lineBatches(path, start.offset)) yield reader.rows(batch);
  yield reader.end();
}

/** CSV lines into rows (the state between batches: position, header, a record open across lines). */
class CsvReader {
  readonly delimiter: string;
  #columns: Map<string, number> | null;
  #line: number;
  #offset: number;
  /** A record whose quoted field goes on past its line: its text so far and its first line. */
  #open: { text: string; line: number } | null = null;

  constructor(
    readonly kind: ImportKind,
    readonly path: string,
    readonly mapping: ImportMapping,
    start: SourceStart,
    readonly onHeader: (header: string[]) => void,
  ) {
    this.delimiter = mapping.delimiter;
    this.#columns = start.header && columnsOf(headerFields(kind, start.header, mapping));
    this.#line = start.line;
    this.#offset = start.offset;
  }

  #problem(first: number, text: string): SourceRow {
    return { line: first, endLine: this.#line, endOffset: this.#offset, problem: `not CSV: ${text}` };
  }

  *rows(batch: readonly FileLine[]): Generator<SourceRow> {
    const delimiter = this.delimiter;
    for (const text of batch) {
      this.#line += 1;
      this.#offset += text.bytes;
      if (text.tooLong) {
        yield this.#problem(this.#open?.line ?? this.#line, `a line longer than ${lineBytesMax} bytes`);
        this.#open = null;
        continue;
      }
      let value = this.#offset === text.bytes ? withoutBom(text.value) : text.value;
      let first = this.#line;
      if (this.#open !== null) {
        value = `${this.#open.text}\n${value}`;
        first = this.#open.line;
        this.#open = null;
      } else if (value === '' || value === '\r') continue;
      let record: string[];
      if (!value.includes('"')) record = withoutCr(value).split(delimiter);
      else if (quoteOpenAtEnd(value, delimiter)) {
        if (value.length > lineBytesMax)
          yield this.#problem(first, `a record longer than ${lineBytesMax} bytes`);
        else this.#open = { text: value, line: first };
        continue;
      } else {
        const parsed = quotedRecord(value, delimiter);
        if (typeof parsed === 'string') {
          yield this.#problem(first, parsed);
          continue;
        }
        record = parsed;
      }
      if (this.#columns === null) {
        this.#columns = columnsOf(headerFields(this.kind, record, this.mapping));
        this.onHeader(record);
        continue;
      }
      yield {
        line: first,
        endLine: this.#line,
        endOffset: this.#offset,
        raw: new CsvRow(record, this.#columns),
      };
    }
  }

  /** A quoted field never closed at the end of the file; a file without a header refused. */
  *end(): Generator<SourceRow> {
    if (this.#open !== null) yield this.#problem(this.#open.line, 'a quoted field is never closed');
    if (this.#columns === null)
      throw new TillpointError('invalid_import_file', `${this.path} is empty: it has no header line`);
  }
}

/** Each field's column (a field named by two columns: the later one, as a row object would keep). */
function columnsOf(fields: readonly (string | null)[]): Map<string, number> {
  const columns = new Map<string, number>();
  fields.forEach((field, i) => {
    if (field !== null) columns.set(field, i);
  });
  return columns;
}

const withoutBom = (text: string) => (text.startsWith('\uFEFF') ? text.slice(1) : text);
const withoutCr = (text: string) => (text.endsWith('\r') ? text.slice(0, -1) : text);

/**
 * Whether a record's text ends inside a quoted field (pure): a quote opens a field only at the
 * field's start, and `""` inside it is a quote; a quote elsewhere is left to csv-parse to refuse.
 */
export function quoteOpenAtEnd(text: string, delimiter: string): boolean {
  let inside = false;
  let fieldStart = true;
  for (let i = 0; i < text.length; i++) {
    if (inside) {
      if (text[i] !== '"') continue;
      if (text[i + 1] === '"') i += 1;
      else inside = false;
      fieldStart = false;
    } else if (text.startsWith(delimiter, i)) {
      fieldStart = true;
      i += delimiter.length - 1;
    } else {
      inside = fieldStart && text[i] === '"';
      fieldStart = false;
    }
  }
  return inside;
}

/** A record with quotes, read by csv-parse (quotes, doubled quotes, line breaks inside), or its problem. */
function quotedRecord(text: string, delimiter: string): string[] | string {
  try {
    const rows = parseSync(withoutCr(text), {
      delimiter,
      relax_column_count: true,
      max_record_size: lineBytesMax,
    }) as string[][];
    return rows[0] ?? [];
  } catch (error) {
    return (error as Error).message;
  }
}

/** The rows of a JSON Lines file, a batch a read (1 MiB). */
export async function* jsonLines(
  kind: ImportKind,
  path: string,
  mapping: ImportMapping,
  start: SourceStart,
): AsyncGenerator<Iterable<SourceRow>> {
  const keys = new Map<string, string>();
  for (const [field, column] of Object.entries(mapping.columns[kind] ?? {})) keys.set(column, field);
  let line = start.line;
  let offset = start.offset;
  for await (const batch of lineBatches(path, start.offset)) {
    const rows: SourceRow[] = [];
    for (const text of batch) {
      line += 1;
      offset += text.bytes;
      const at = { line, endLine: line, endOffset: offset };
      if (text.tooLong) {
        rows.push({ ...at, problem: `a line longer than ${lineBytesMax} bytes` });
        continue;
      }
      const body = text.value.trim();
      if (body === '') continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch (error) {
        rows.push({ ...at, problem: `not JSON: ${(error as Error).message}` });
        continue;
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        rows.push({ ...at, problem: 'a line must be one JSON object' });
        continue;
      }
      const raw: JsonRow = {};
      for (const [key, value] of Object.entries(parsed)) raw[keys.get(key) ?? key] = value;
      rows.push({ ...at, raw });
    }
    if (rows.length > 0) yield rows;
  }
}

/** A line of the file (without its LF, with a CR before it) and its length in bytes (LF included). */
export interface FileLine {
  value: string;
  bytes: number;
  tooLong: boolean;
}

/** The file's lines from `offset`, a read (1 MiB) at a time: one await a batch, not a line. */
export async function* lineBatches(path: string, offset: number): AsyncGenerator<FileLine[]> {
  let parts: Buffer[] = [];
  let held = 0;
  let tooLong = false;
  for await (const chunk of createReadStream(path, {
    start: offset,
    highWaterMark: 1 << 20,
  }) as AsyncIterable<Buffer>) {
    const batch: FileLine[] = [];
    let from = 0;
    for (let at = chunk.indexOf(10, from); at !== -1; at = chunk.indexOf(10, from)) {
      const bytes = held + at - from + 1;
      const long = tooLong || bytes > lineBytesMax;
      let value = '';
      if (!long && held === 0) value = chunk.toString('utf8', from, at);
      else if (!long) value = Buffer.concat([...parts, chunk.subarray(from, at)]).toString('utf8');
      batch.push({ value, bytes, tooLong: long });
      parts = [];
      held = 0;
      tooLong = false;
      from = at + 1;
    }
    const rest = chunk.subarray(from);
    held += rest.length;
    if (held > lineBytesMax) {
      tooLong = true;
      parts = [];
    } else if (rest.length > 0) parts.push(Buffer.from(rest));
    if (batch.length > 0) yield batch;
  }
  if (held > 0) yield [{ value: tooLong ? '' : Buffer.concat(parts).toString('utf8'), bytes: held, tooLong }];
}
