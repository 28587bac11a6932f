import { assert } from '@tillpoint/core';
import { cardGroupSchema } from './card-profile-rules';

/**
 * A segment file for bulk assignment, read as a stream in bounded memory: one `card,segment`
 * pair a line (a header line `card,segment` is allowed; fields may be in double quotes without
 * quotes inside; blank lines are skipped; CR LF or LF). Rows come in batches; a line that cannot
 * be a pair is reported with its number (1-based) and a reason a person can act on. A line
 * longer than `lineBytesMax` is reported and skipped without being kept in memory.
 */
export interface SegmentRow {
  line: number;
  cardId: string;
  group: string;
}

export interface RejectedLine {
  line: number;
  reason: string;
}

export interface SegmentBatch {
  rows: SegmentRow[];
  rejected: RejectedLine[];
}

export const segmentLineBytesMax = 1_024;

const cardIdPattern = /^[^\s,;"]{1,128}$/;

function unquote(field: string): string {
  const trimmed = field.trim();
  return trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"')
    ? trimmed.slice(1, -1)
    : trimmed;
}

/** One line of the file: a row, a rejection, or nothing (blank or the header). */
export function parseSegmentLine(text: string, line: number): SegmentRow | RejectedLine | null {
  if (text.trim() === '') return null;
  const fields = text.split(',');
  if (fields.length !== 2)
    return { line, reason: `expected 2 fields "card,segment", found ${fields.length}` };
  const cardId = unquote(fields[0] as string);
  const group = unquote(fields[1] as string);
  if (line === 1 && cardId.toLowerCase() === 'card' && group.toLowerCase() === 'segment') return null;
  if (!cardIdPattern.test(cardId))
    return {
      line,
      reason: `card "${cardId.slice(0, 40)}" is not a card number (1-128 characters, no spaces, commas or quotes)`,
    };
  const parsed = cardGroupSchema.safeParse(group);
  if (!parsed.success)
    return {
      line,
      reason: `segment "${group.slice(0, 40)}": ${parsed.error.issues[0]?.message ?? 'not a segment'}`,
    };
  return { line, cardId, group };
}

/** Batches of at most `batchMax` rows (with the rejections met on the way), in file order. */
export async function* segmentCsvBatches(
  input: AsyncIterable<string | Buffer>,
  batchMax = 500,
): AsyncGenerator<SegmentBatch> {
  assert(Number.isSafeInteger(batchMax) && batchMax > 0, 'batchMax is a positive integer');
  let batch: SegmentBatch = { rows: [], rejected: [] };
  let line = 0;
  let pending = '';
  let tooLong = false;
  const take = (text: string) => {
    line += 1;
    if (tooLong) {
      batch.rejected.push({ line, reason: `longer than ${segmentLineBytesMax} characters` });
      tooLong = false;
      return;
    }
    const bare = text.endsWith('\r') ? text.slice(0, -1) : text;
    const parsed = parseSegmentLine(line === 1 ? bare.replace(/^\uFEFF/, '') : bare, line);
    if (parsed === null) return;
    if ('reason' in parsed) batch.rejected.push(parsed);
    else batch.rows.push(parsed);
  };
  const decoder = new TextDecoder('utf-8');
  for await (const chunk of input) {
    let text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n')) {
      take(pending + text.slice(0, nl));
      pending = '';
      text = text.slice(nl + 1);
      if (batch.rows.length + batch.rejected.length >= batchMax) {
        yield batch;
        batch = { rows: [], rejected: [] };
      }
    }
    pending += text;
    if (pending.length > segmentLineBytesMax) {
      tooLong = true;
      pending = '';
    }
  }
  pending += decoder.decode();
  if (pending !== '' || tooLong) take(pending);
  if (batch.rows.length > 0 || batch.rejected.length > 0) yield batch;
}
