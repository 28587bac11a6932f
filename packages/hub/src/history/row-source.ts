import { createReadStream } from 'node:fs';
import { TillpointError } from '@tillpoint/core';
import { parse } from 'csv-parse';
import { headerFields, type ImportKind, type ImportMapping } from './import-mapping';
import type { Raw } from './import-values';

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

export async function* csvRows(
  kind: ImportKind,
  path: string,
  mapping: ImportMapping,
  start: SourceStart,
  onHeader: (header: string[]) => void,
): AsyncGenerator<SourceRow> {
  const skipped: { line: number; problem: string }[] = [];
  const parser = createReadStream(path, { start: start.offset, highWaterMark: 1 << 20 }).pipe(
    parse({
      delimiter: mapping.delimiter,
      bom: start.offset === 0,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      max_record_size: lineBytesMax,
      on_skip: (error) => {
        skipped.push({
          line: start.line + Number(error?.lines ?? 0),
          problem: `not CSV: ${error?.message ?? ''}`,
        });
      },
    }),
  );
  let fields: (string | null)[] | null = start.header && headerFields(kind, start.header, mapping);
  let lastLine = start.line;
  let lastEnd = start.offset;
  let crlfInside = 0;
  for await (const { record, info } of parser as AsyncIterable<{
    record: string[];
    info: { bytes: number; lines: number };
  }>) {
    for (const s of skipped.splice(0))
      yield { line: s.line, endLine: lastLine, endOffset: lastEnd, problem: s.problem };
    // csv-parse counts a CR LF inside a quoted field as two lines: count it once. A record starts
    // as many lines before its last as it holds line breaks (empty lines before it are skipped).
    let breaks = 0;
    for (const field of record)
      if (/[\r\n]/.test(field)) {
        const crlf = field.split('\r\n').length - 1;
        crlfInside += crlf;
        breaks += (field.match(/\r\n|\r|\n/g) ?? []).length;
      }
    lastLine = start.line + info.lines - crlfInside;
    const line = lastLine - breaks;
    const endOffset = start.offset + info.bytes;
    lastEnd = endOffset;
    if (fields === null) {
      fields = headerFields(kind, record, mapping);
      onHeader(record);
      continue;
    }
    const raw: Raw = {};
    fields.forEach((field, i) => {
      if (field !== null) raw[field] = record[i];
    });
    yield { line, endLine: lastLine, endOffset, raw };
  }
  if (fields === null)
    throw new TillpointError('invalid_import_file', `${path} is empty: it has no header line`);
  for (const s of skipped) yield { line: s.line, endLine: lastLine, endOffset: lastEnd, problem: s.problem };
}

export async function* jsonLines(
  kind: ImportKind,
  path: string,
  mapping: ImportMapping,
  start: SourceStart,
): AsyncGenerator<SourceRow> {
  const keys = new Map<string, string>();
  for (const [field, column] of Object.entries(mapping.columns[kind] ?? {})) keys.set(column, field);
  let line = start.line;
  let offset = start.offset;
  for await (const text of lines(path, start.offset)) {
    line += 1;
    offset += text.bytes;
    if (text.tooLong) {
      yield { line, endLine: line, endOffset: offset, problem: `a line longer than ${lineBytesMax} bytes` };
      continue;
    }
    const body = text.value.trim();
    if (body === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch (error) {
      yield { line, endLine: line, endOffset: offset, problem: `not JSON: ${(error as Error).message}` };
      continue;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      yield { line, endLine: line, endOffset: offset, problem: 'a line must be one JSON object' };
      continue;
    }
    const raw: Raw = {};
    for (const [key, value] of Object.entries(parsed)) raw[keys.get(key) ?? key] = value;
    yield { line, endLine: line, endOffset: offset, raw };
  }
}

/** The file's lines from `offset` (without their LF), each with its length in bytes (LF included). */
export async function* lines(
  path: string,
  offset: number,
): AsyncGenerator<{ value: string; bytes: number; tooLong: boolean }> {
  let parts: Buffer[] = [];
  let held = 0;
  let tooLong = false;
  for await (const chunk of createReadStream(path, {
    start: offset,
    highWaterMark: 1 << 20,
  }) as AsyncIterable<Buffer>) {
    let from = 0;
    for (let at = chunk.indexOf(10, from); at !== -1; at = chunk.indexOf(10, from)) {
      const piece = chunk.subarray(from, at);
      const bytes = held + piece.length + 1;
      const value = tooLong || bytes > lineBytesMax ? '' : Buffer.concat([...parts, piece]).toString('utf8');
      yield {
        value: value.endsWith('\r') ? value.slice(0, -1) : value,
        bytes,
        tooLong: tooLong || bytes > lineBytesMax,
      };
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
  }
  if (held > 0) yield { value: tooLong ? '' : Buffer.concat(parts).toString('utf8'), bytes: held, tooLong };
}
