import { isPostgresUrl } from '../cli/hub-database';
import type { HistoryReader, Period } from './history-rows';
import { PostgresHistoryReader } from './postgres-history-reader';
import type { CardHistory } from './replay-card';
import { SqliteHistoryReader } from './sqlite-history-reader';

/** A part of the cards: `(after, upTo]` by card id (`upTo` null: to the last). */
export interface CardRange {
  after: string;
  upTo: string | null;
}

export function openHistoryReader(
  db: string,
  schema = 'tillpoint_hub',
): Promise<HistoryReader> | HistoryReader {
  return isPostgresUrl(db) ? PostgresHistoryReader.open(db, schema) : new SqliteHistoryReader(db);
}

/** The card ranges of `parts` parallel parts (as even as the card table's order allows). */
export async function cardRanges(reader: HistoryReader, parts: number): Promise<CardRange[]> {
  const bounds = await reader.bounds(parts);
  const edges = ['', ...bounds];
  return edges.map((after, i) => ({ after, upTo: bounds[i] ?? null }));
}

/** Every card of the range with its history, batch by batch (memory: one batch of cards). */
export async function replayRange(
  reader: HistoryReader,
  range: CardRange,
  period: Period,
  batchCards: number,
  onCard: (history: CardHistory) => void | Promise<void>,
): Promise<void> {
  let after = range.after;
  for (;;) {
    const { histories, last } = await reader.batch(after, range.upTo, batchCards, period);
    for (const h of histories) await onCard(h);
    if (last === null) return;
    after = last;
  }
}
