import { assert } from '@tillpoint/core';
import type { OutboxEntry } from '@tillpoint/ledger';
import type pg from 'pg';
import { type BatchRows, balanceRows, journalRows, lotUpserts } from './batch-plan';
import { overdraftEntry } from './hub-rules';
import { hubTillId } from './hub-store';
import { type HubLot, settleLots } from './lot-settlement';
import { integerArrayLiteral, textArrayLiteral } from './pg-array-literal';
import { pgSql } from './postgres-sql';

/**
 * A statement prepared once per connection (named by its text), so the hot ingest statements
 * are parsed and planned once, not on every batch.
 */
const statementNames = new Map<string, string>();
export function prepared(
  client: pg.PoolClient,
  text: string,
  values: unknown[] = [],
): Promise<pg.QueryResult> {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `tp_${statementNames.size}`;
    statementNames.set(text, name);
  }
  return client.query({ name, text, values });
}

/** Thrown (and the transaction rolled back) when an entry's postings are already held. */
export class HeldTransaction extends Error {}

/** Moves the change counter by `count` (the writer holds it from here to COMMIT); answers the last number. */
export async function takeNumbers(client: pg.PoolClient, count: number): Promise<number> {
  assert(Number.isSafeInteger(count) && count >= 0, 'a count of feed numbers', { count });
  return Number((await prepared(client, pgSql.takeNumbers, [count])).rows[0]?.value);
}

/** Takes `count` numbers of head office's own entry stream; answers the last one. */
export async function nextHubSeqs(client: pg.PoolClient, count: number): Promise<number> {
  assert(Number.isSafeInteger(count) && count > 0, 'a positive count of hub entry numbers', { count });
  return Number((await prepared(client, pgSql.nextHubSeqs, [count])).rows[0]?.value);
}

/** The balance rows of entries and the postings statement's parameters (array literals). */
export interface PostingsOf {
  rows: Omit<BatchRows, 'journal'>;
  values: string[];
}

/** `balanceRows` and the postings statement's parameters (throws on entries that do not balance). */
export function postingsOf(entries: readonly OutboxEntry[], appliedAt: number): PostingsOf {
  const rows = balanceRows(entries, appliedAt);
  const p = rows.postings;
  return {
    rows,
    values: [
      textArrayLiteral(p.map((r) => r.cardId)),
      textArrayLiteral(p.map((r) => r.txnId)),
      integerArrayLiteral(p.map((r) => r.leg)),
      textArrayLiteral(p.map((r) => r.account)),
      integerArrayLiteral(p.map((r) => r.amount)),
      textArrayLiteral(p.map((r) => r.lotId)),
    ],
  };
}

/** Where written entries go: the store whose card list gains them, their cards' feed numbers, a push's cursor. */
export interface WriteTarget {
  storeId: string;
  numbers: ReadonlyMap<string, number>;
  /** A push moves its till's cursor in the same statement. */
  cursor?: { tillId: string; epoch: string; lastSeq: number; lastHash: string };
  /** Cards whose pair with the store may be new (default: all of them). */
  pairs?: readonly string[];
}

/**
 * Writes accepted entries of one stream in two statements: the postings, sent at once, then
 * journal, lots, cards, the store's card list and the change set in one (built while the
 * postings go in). A posting already held means its transaction is held: `HeldTransaction`
 * before anything else is sent. Answers the cards left with a lot below zero.
 */
export async function writeEntries(
  client: pg.PoolClient,
  entries: readonly OutboxEntry[],
  now: number,
  target: WriteTarget,
  built?: PostingsOf,
): Promise<string[]> {
  const { rows, values: postingValues } = built ?? postingsOf(entries, now);
  const postings = prepared(client, pgSql.postings, postingValues);
  postings.catch(() => undefined);
  const j = journalRows(entries);
  const stream = j[0] as { tillId: string; epoch: string };
  assert(
    j.every((r) => r.tillId === stream.tillId && r.epoch === stream.epoch),
    'a write is one till stream',
  );
  assert(!j.some((r) => r.body.includes('\n')), 'JSON text has no raw newline');
  // New lots and changes to known ones as one upsert, sorted; cards sorted, with their numbers.
  const lots = lotUpserts(rows);
  const cards = [...rows.cardDeltas].sort(([a], [b]) => (a < b ? -1 : 1));
  const numberOf = (cardId: string) => target.numbers.get(cardId) as number;
  assert(
    cards.every(([c]) => Number.isSafeInteger(numberOf(c))),
    'every card written has a feed number',
  );
  const values: unknown[] = [
    textArrayLiteral(j.map((r) => r.cardId)),
    stream.tillId,
    stream.epoch,
    integerArrayLiteral(j.map((r) => r.seq)),
    textArrayLiteral(j.map((r) => r.txnId)),
    textArrayLiteral(j.map((r) => r.kind)),
    integerArrayLiteral(j.map((r) => r.occurredAt)),
    textArrayLiteral(j.map((r) => r.hash)),
    j.map((r) => r.body).join('\n'),
    textArrayLiteral(lots.map((l) => l.cardId)),
    textArrayLiteral(lots.map((l) => l.lotId)),
    integerArrayLiteral(lots.map((l) => l.initial)),
    integerArrayLiteral(lots.map((l) => l.remaining)),
    integerArrayLiteral(lots.map((l) => l.vestsAt)),
    integerArrayLiteral(lots.map((l) => l.expiresAt)),
    textArrayLiteral(cards.map(([c]) => c)),
    integerArrayLiteral(cards.map(([, d]) => d)),
    integerArrayLiteral(cards.map(([c]) => numberOf(c))),
    target.storeId,
    textArrayLiteral(target.pairs ?? cards.map(([c]) => c)),
  ];
  const cursor = target.cursor;
  if (cursor) values.push(cursor.tillId, cursor.epoch, cursor.lastSeq, cursor.lastHash, now);
  if ((await postings).rowCount !== rows.postings.length) throw new HeldTransaction();
  const result = await prepared(client, cursor ? pgSql.writePush : pgSql.writeHub, values);
  const row = result.rows[0] as { journal_rows: number; short_cards: string[] };
  assert(row.journal_rows === j.length, 'every entry written is new to the journal', {
    inserted: row.journal_rows,
    expected: j.length,
  });
  if (rows.blocks.size > 0) {
    const blocks = [...rows.blocks];
    await prepared(client, pgSql.blockCards, [blocks.map(([c]) => c), blocks.map(([, b]) => b), now]);
  }
  return row.short_cards;
}

/**
 * Settles the cards a write left with a lot below zero (`settleLots`): what they owe is taken
 * from their real lots, a shortfall is booked to the offline overdraft (a hub entry whose lot
 * is consumed at once) and the card flagged. Answers the points booked.
 */
export async function settleCards(
  client: pg.PoolClient,
  cardIds: readonly string[],
  numbers: ReadonlyMap<string, number>,
  now: number,
): Promise<number> {
  const rows = (await prepared(client, pgSql.lotsOfCards, [cardIds])).rows as (HubLot & {
    card_id: string;
  })[];
  const lotsOf = new Map<string, HubLot[]>(cardIds.map((c) => [c, []]));
  for (const row of rows) lotsOf.get(row.card_id)?.push(row);
  const updates: { cardId: string; lotId: string; remaining: number }[] = [];
  const short: { cardId: string; shortfall: number }[] = [];
  for (const [cardId, lots] of lotsOf) {
    const settled = settleLots(lots, now);
    for (const [lotId, remaining] of settled.remaining) updates.push({ cardId, lotId, remaining });
    if (settled.shortfall > 0) short.push({ cardId, shortfall: settled.shortfall });
  }
  if (short.length > 0) {
    const last = await nextHubSeqs(client, short.length);
    const entries = short.map((s, i) =>
      overdraftEntry({ cardId: s.cardId, shortfall: s.shortfall, hubSeq: last - short.length + 1 + i, now }),
    );
    await writeEntries(client, entries, now, { storeId: hubTillId, numbers });
    // The overdraft lot covers what was owed at once: the card is back at zero, not above it.
    for (const entry of entries)
      updates.push({ cardId: entry.cardId, lotId: entry.newLots[0]?.lotId as string, remaining: 0 });
  }
  if (updates.length > 0)
    await prepared(client, pgSql.setLots, [
      updates.map((u) => u.cardId),
      updates.map((u) => u.lotId),
      updates.map((u) => u.remaining),
    ]);
  if (short.length === 0) return 0;
  await prepared(client, pgSql.bookOverdrafts, [short.map((s) => s.cardId), short.map((s) => s.shortfall)]);
  return short.reduce((sum, s) => sum + s.shortfall, 0);
}
