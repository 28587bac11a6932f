import { assert } from '@tillpoint/core';
import type { OutboxEntry } from '@tillpoint/ledger';
import type pg from 'pg';
import { balanceRows, journalRows, lotUpserts } from './batch-plan';
import type { ChainFacts } from './chain/chain-facts';
import { overdraftEntry } from './hub-rules';
import { hubTillId } from './hub-store';
import { type HubLot, settleLots } from './lot-settlement';
import { oneAtATime } from './pg-one-at-a-time';
import { pgSql } from './postgres-sql';
import { cardOrder, valuesInsert } from './postgres-values';
import {
  type CardChange,
  cardWrite,
  type EntryWriteInput,
  entryUpserts,
  factInserts,
  journalInsert,
} from './postgres-write-sql';
import { writeRollupsPg } from './reports/postgres-rollups';

/**
 * A statement prepared once per connection (named by its text), so the hot statements of fixed
 * text are parsed and planned once, not on every call.
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

/**
 * Thrown (and the transaction rolled back) when an entry's postings, or its sale fact (a sale
 * without points has no postings), are already held: the push answers `epoch_conflict`.
 */
export class HeldTransaction extends Error {}

/**
 * A unique key of postings or sale facts already held. The constraint's name comes from the
 * error's field, or from its message: an error a Citus worker raised may arrive without the
 * field, shard names carry a suffix (`posting_p3_pkey_102040`), and a clash in the rows Citus
 * copies into the shards (`INSERT … SELECT`, run as a COPY) arrives as `XX000` from its COPY
 * (`multi_copy.c`), with the worker's message kept.
 */
export const isHeldKeyClash = (error: unknown): boolean => {
  if (typeof error !== 'object' || error === null || !('code' in error)) return false;
  const message = error instanceof Error ? error.message : '';
  const clash =
    error.code === '23505' ||
    (error.code === 'XX000' && /^duplicate key value violates unique constraint "/.test(message));
  if (!clash) return false;
  const field = 'constraint' in error && typeof error.constraint === 'string' ? error.constraint : undefined;
  const name = field ?? /unique constraint "([^"]+)"/.exec(message)?.[1] ?? '';
  return /^(posting|sale_fact|sale_line)/.test(name);
};

/** `count` numbers of head office's own entry stream (a sequence: no row shared by writers). */
export async function nextHubSeqs(client: pg.PoolClient, count: number): Promise<number[]> {
  assert(Number.isSafeInteger(count) && count > 0, 'a positive count of hub entry numbers', { count });
  const rows = (await prepared(client, pgSql.nextHubSeqs, [count])).rows as { n: number }[];
  return rows.map((r) => Number(r.n)).sort((a, b) => a - b);
}

/**
 * Locks cards head office holds, in card order, before a job writes their rows (a no-op upsert:
 * on Citus shard by shard, as every card write). Only for cards whose row exists.
 */
export async function lockCards(client: pg.PoolClient, cardIds: readonly string[]): Promise<void> {
  if (cardIds.length === 0) return;
  const lock = valuesInsert(
    'card',
    ['card_id'],
    [...new Set(cardIds)].sort(cardOrder).map((c) => [c]),
    'ON CONFLICT (card_id) DO UPDATE SET points = card.points',
  );
  await client.query(lock.text, lock.values);
}

/** Where written entries go: the store whose card list gains them; a push's cursor and chain facts. */
export interface WriteTarget {
  storeId: string;
  /** A push moves its till's cursor and writes its chain facts in the same statement. */
  push?: {
    cursor: { tillId: string; epoch: string; lastSeq: number; lastHash: string };
    facts: ChainFacts;
  };
  /** Cards whose pair with the store may be new (default: all of them). */
  pairs?: readonly string[];
}

/** What a write answers: cards left with a lot below zero; for a push, what its chain facts won. */
export interface Written {
  short: string[];
  /** `card\u001fkey` of the grant claims recorded (the others lost to an earlier sale). */
  grantsWon: Set<string>;
  /** Enrolment transactions recorded as their card's. */
  enrolmentsWon: Set<string>;
  /** The batch's cards that hold returns waiting for their sale. */
  pendingCards: string[];
}

/**
 * Writes accepted entries of one stream in four statements on one connection (node-postgres
 * sends each when the server finishes the one before), each built while the server runs the
 * one before it: the cards first (`cardWrite`, which locks them in card order), the rows new to
 * the database (`factInserts`, then `journalInsert`, both prepared once per connection), then
 * the upserts (`entryUpserts`); block changes and the report rollups queued behind them. A
 * posting or sale fact already held means its transaction is held: `HeldTransaction`.
 */
export async function writeEntries(
  connection: pg.PoolClient,
  entries: readonly OutboxEntry[],
  now: number,
  target: WriteTarget,
): Promise<Written> {
  // Statements are asked for without waiting; they go out one after another.
  const client = oneAtATime(connection);
  const rows = balanceRows(entries, now);
  const changes = cardChanges(rows.cardDeltas, target.push?.facts);
  const cardStatement = cardWrite(changes);
  const cardsWritten = client.query(cardStatement.text, cardStatement.values);
  cardsWritten.catch(() => undefined);
  const first = entries[0] as OutboxEntry;
  assert(
    entries.every((e) => e.tillId === first.tillId && e.epoch === first.epoch),
    'a write is one till stream',
  );
  const cards = changes.map((c) => c.cardId);
  const push = target.push;
  const input: EntryWriteInput = {
    tillId: first.tillId,
    epoch: first.epoch,
    postings: rows.postings,
    lots: [], // the upserts' part, built once the inserts are on their way
    storeId: target.storeId,
    pairs: target.pairs ?? cards,
    changed: cards,
    blocked: new Set(rows.blocks.keys()),
    ...(push ? { push: { facts: push.facts, cursor: push.cursor, now } } : {}),
  };
  const facts = factInserts(input);
  const factsWritten = facts === null ? null : prepared(client, facts.text, facts.values).catch(held);
  factsWritten?.catch(() => undefined);
  // The cards' answer arrives while the facts are built: the facts go out with it.
  const pending = ((await cardsWritten).rows as { card_id: string; pending_returns: number }[])
    .filter((r) => Number(r.pending_returns) > 0)
    .map((r) => r.card_id)
    .sort(cardOrder);
  const j = journalRows(entries);
  assert(!j.some((r) => r.body.includes('\n')), 'JSON text has no raw newline');
  const journal = journalInsert({ tillId: first.tillId, epoch: first.epoch, journal: j });
  const journaled = prepared(client, journal.text, journal.values).catch(held);
  journaled.catch(() => undefined);
  const upserts = entryUpserts({ ...input, lots: lotUpserts(rows) });
  const upserted = upserts === null ? null : client.query(upserts.text, upserts.values).catch(held);
  upserted?.catch(() => undefined);
  const blocked = blockWrite(rows.blocks, now);
  const blocksWritten = blocked === null ? null : client.query(blocked.text, blocked.values);
  blocksWritten?.catch(() => undefined);
  const rollups = writeRollupsPg(client, {
    ...rows,
    storeId: target.storeId,
    journal: j,
    facts: push?.facts,
  });
  rollups.catch(() => undefined);
  await factsWritten;
  await journaled;
  const row = (upserted === null ? undefined : (await upserted).rows[0]) as
    | { short_cards: string[]; grants_won: string[]; enrolments_won: string[] }
    | undefined;
  await blocksWritten;
  await rollups;
  return {
    short: row?.short_cards ?? [],
    grantsWon: new Set(row?.grants_won ?? []),
    enrolmentsWon: new Set(row?.enrolments_won ?? []),
    pendingCards: pending,
  };
}

/** Each card's change in a write: its points, and for a push its sale counters. */
function cardChanges(deltas: ReadonlyMap<string, number>, facts: ChainFacts | undefined): CardChange[] {
  const counters = new Map(facts?.counters.map((c) => [c.cardId, c]));
  return [...deltas].map(([cardId, delta]) => ({
    cardId,
    delta,
    spendMinor: counters.get(cardId)?.spendMinor ?? 0,
    purchases: counters.get(cardId)?.purchases ?? 0,
  }));
}

/** A write statement's error: a held posting or sale fact as `HeldTransaction`, anything else as it is. */
function held(error: unknown): never {
  throw isHeldKeyClash(error)
    ? new HeldTransaction('a transaction is already held', { cause: error })
    : error;
}

/** Block changes of a write (their cards are locked by its card statement), or null when none. */
function blockWrite(blocks: ReadonlyMap<string, boolean>, now: number) {
  if (blocks.size === 0) return null;
  return valuesInsert(
    'card',
    ['card_id', 'blocked', 'block_changed_at'],
    [...blocks].sort(([a], [b]) => cardOrder(a, b)).map(([c, blocked]) => [c, blocked, now]),
    'ON CONFLICT (card_id) DO UPDATE SET blocked = excluded.blocked, block_changed_at = excluded.block_changed_at',
  );
}

/** Card upserts of one column added to (`overdraft`, `lifetime_spend_minor`, `pending_returns`), in card order. */
export async function addToCards(
  client: pg.PoolClient,
  column: 'overdraft' | 'lifetime_spend_minor' | 'pending_returns',
  amounts: ReadonlyMap<string, number>,
  flag = false,
): Promise<void> {
  if (amounts.size === 0) return;
  const statement = valuesInsert(
    'card',
    ['card_id', column],
    [...amounts].sort(([a], [b]) => cardOrder(a, b)),
    `ON CONFLICT (card_id) DO UPDATE SET ${column} = card.${column} + excluded.${column}${flag ? ', flagged = true' : ''}`,
  );
  await client.query(statement.text, statement.values);
}

/** Sets review flags on cards (their rows exist and are locked by the write), in card order. */
export async function flagCards(client: pg.PoolClient, cardIds: readonly string[]): Promise<void> {
  if (cardIds.length === 0) return;
  const statement = valuesInsert(
    'card',
    ['card_id', 'flagged'],
    [...new Set(cardIds)].sort(cardOrder).map((c) => [c, true]),
    'ON CONFLICT (card_id) DO UPDATE SET flagged = true',
  );
  await client.query(statement.text, statement.values);
}

/**
 * Settles the cards a write left with a lot below zero (`settleLots`): what they owe is taken
 * from their real lots, a shortfall is booked to the offline overdraft (a hub entry whose lot
 * is consumed at once) and the card flagged. Answers the points booked. The cards are locked.
 */
export async function settleCards(
  connection: pg.PoolClient,
  cardIds: readonly string[],
  now: number,
): Promise<number> {
  // The flags, the lots and the cards are asked for together; they go out one after another.
  const client = oneAtATime(connection);
  const rows = (await prepared(client, pgSql.lotsOfCards, [cardIds])).rows as (HubLot & {
    card_id: string;
    initial: number;
  })[];
  const lotsOf = new Map<string, (HubLot & { initial: number })[]>(cardIds.map((c) => [c, []]));
  for (const row of rows) lotsOf.get(row.card_id)?.push(row);
  const updates: {
    cardId: string;
    lot: Omit<HubLot, 'remaining'> & { initial: number };
    remaining: number;
  }[] = [];
  const short: { cardId: string; shortfall: number }[] = [];
  for (const [cardId, lots] of lotsOf) {
    const settled = settleLots(lots, now);
    for (const [lotId, remaining] of settled.remaining) {
      const lot = lots.find((l) => l.lotId === lotId) as HubLot & { initial: number };
      updates.push({ cardId, lot, remaining });
    }
    if (settled.shortfall > 0) short.push({ cardId, shortfall: settled.shortfall });
  }
  let flagged: Promise<void> = Promise.resolve();
  if (short.length > 0) {
    const seqs = await nextHubSeqs(client, short.length);
    const entries = short.map((s, i) =>
      overdraftEntry({ cardId: s.cardId, shortfall: s.shortfall, hubSeq: seqs[i] as number, now }),
    );
    await writeEntries(client, entries, now, { storeId: hubTillId });
    // Queued now, answered with the lots' and cards' statements below (one wait for the three).
    flagged = addFlags(
      client,
      entries.map((entry) => ({
        cardId: entry.cardId,
        flagId: entry.txnId,
        reason: 'offline_overdraft',
        detail: JSON.stringify({ shortfall: entry.postings[0]?.amount }),
      })),
      now,
    );
    // The overdraft lot covers what was owed at once: the card is back at zero, not above it.
    for (const entry of entries) {
      const lot = entry.newLots[0] as OutboxEntry['newLots'][number];
      updates.push({
        cardId: entry.cardId,
        lot: { lotId: lot.lotId, initial: lot.initial, vestsAt: lot.vestsAt, expiresAt: lot.expiresAt },
        remaining: 0,
      });
    }
  }
  let lotsWritten: Promise<unknown> | undefined;
  if (updates.length > 0) {
    const statement = valuesInsert(
      'lot',
      ['card_id', 'lot_id', 'initial', 'remaining', 'vests_at', 'expires_at', 'expiring'],
      updates
        .sort((a, b) => cardOrder(a.cardId, b.cardId) || cardOrder(a.lot.lotId, b.lot.lotId))
        .map((u) => [
          u.cardId,
          u.lot.lotId,
          u.lot.initial,
          u.remaining,
          u.lot.vestsAt,
          u.lot.expiresAt,
          u.remaining > 0 ? u.lot.expiresAt : null,
        ]),
      'ON CONFLICT (card_id, lot_id) DO UPDATE SET remaining = excluded.remaining, expiring = excluded.expiring',
    );
    lotsWritten = client.query(statement.text, statement.values);
  }
  const cards =
    short.length === 0
      ? undefined
      : addToCards(client, 'overdraft', new Map(short.map((s) => [s.cardId, s.shortfall])), true);
  await Promise.all([flagged, lotsWritten, cards]);
  return short.reduce((sum, s) => sum + s.shortfall, 0);
}

/** Review flags with their reasons (insert-or-ignore, in card order). */
export async function addFlags(
  client: pg.PoolClient,
  flags: readonly { cardId: string; flagId: string; reason: string; detail: string }[],
  now: number,
): Promise<void> {
  if (flags.length === 0) return;
  const statement = valuesInsert(
    'card_flag',
    ['card_id', 'flag_id', 'reason', 'detail', 'at'],
    [...flags]
      .sort((a, b) => cardOrder(a.cardId, b.cardId) || cardOrder(a.flagId, b.flagId))
      .map((f) => [f.cardId, f.flagId, f.reason, f.detail, now]),
    'ON CONFLICT DO NOTHING',
  );
  await client.query(statement.text, statement.values);
}
