import { assert } from '@tillpoint/core';
import type { OutboxEntry } from '@tillpoint/ledger';
import type pg from 'pg';
import { appliedOutcome, checkChain, emptyCursor, epochConflict, planBatch } from './batch-plan';
import { chainFacts } from './chain/chain-facts';
import type { ChainContext } from './chain/chain-plan';
import { hubTillId, type PushOutcome } from './hub-store';
import type { KnownPairs } from './known-pairs';
import { ingestChainFactsPg } from './postgres-chain-ingest';
import { pgSql } from './postgres-sql';
import {
  HeldTransaction,
  nextHubSeqs,
  type PostingsOf,
  postingsOf,
  prepared,
  settleCards,
  type Written,
  writeEntries,
} from './postgres-write';
import { feedNumbers } from './pull-plan';

/**
 * The chain of a batch's new entries, verified in slices with a turn of the event loop between
 * them, so the connection sends each queued statement as soon as the server finishes the last.
 */
async function verifyYielding(
  cursor: { lastSeq: number; lastHash: string },
  entries: readonly OutboxEntry[],
): Promise<ReturnType<typeof checkChain>> {
  const slice = 64;
  let lastHash = cursor.lastHash;
  for (let i = 0; i < entries.length; i += slice) {
    const part = entries.slice(i, i + slice);
    const broken = checkChain({ lastSeq: cursor.lastSeq, lastHash }, part);
    if (broken !== null) return broken;
    lastHash = (part[part.length - 1] as OutboxEntry).hash;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return null;
}

/**
 * The opening of a push, one round trip (a simple query of three statements, values as escaped
 * literals): BEGIN, the change counter moved by the batch's card count (the first lock every
 * writer takes), and the till's cursor row (created on its first push, locked by the no-op update).
 */
export function pushOpening(
  client: Pick<pg.PoolClient, 'escapeLiteral'>,
  input: { tillId: string; epoch: string; genesisHash: string; cards: number; now: number },
): string {
  assert(Number.isSafeInteger(input.now) && Number.isSafeInteger(input.cards), 'now and cards are integers');
  return `BEGIN; UPDATE meta SET value = value + ${input.cards} WHERE key = 'change_seq' RETURNING value;
    INSERT INTO till_cursor (till_id, epoch, last_seq, last_hash, updated_at)
    VALUES (${client.escapeLiteral(input.tillId)}, ${client.escapeLiteral(input.epoch)}, 0,
      ${client.escapeLiteral(input.genesisHash)}, ${input.now})
    ON CONFLICT (till_id, epoch) DO UPDATE SET last_seq = till_cursor.last_seq RETURNING last_seq, last_hash`;
}

/** What a push answers, and the feed numbers it used (published once it committed). */
export interface PushResult {
  outcome: PushOutcome;
  /** Set when the transaction is open and should commit; otherwise it was rolled back. */
  commit: { first: number; last: number } | null;
}

/**
 * One push on a connection of its own, up to (not including) COMMIT: the counter and the
 * cursor (`pushOpening`), the plan (`planBatch`), the rows (postings first, the rest while the
 * server inserts them), the chain verified while the server writes (nothing commits unless every
 * entry chains; a tampered batch answers chain_broken even when a write failed too), then the
 * cards left with a lot below zero settled. A batch repeating held transactions rolls back
 * and answers `epoch_conflict`.
 */
export async function applyPush(
  client: pg.PoolClient,
  input: { tillId: string; storeId: string; entries: OutboxEntry[]; now: number },
  knownPairs: KnownPairs,
  chain: Omit<ChainContext, 'now'>,
): Promise<PushResult> {
  const first = input.entries[0];
  assert(first !== undefined, 'a batch has entries');
  const cards = [...new Set(input.entries.map((e) => e.cardId))].sort();
  const opening = client.query(
    pushOpening(client, {
      tillId: input.tillId,
      epoch: first.epoch,
      genesisHash: emptyCursor(input.tillId, first.epoch).lastHash,
      cards: cards.length,
      now: input.now,
    }),
  ) as unknown as Promise<pg.QueryResult[]>;
  // While the server answers: the postings of the whole batch (a push is usually all new).
  // Entries that do not balance are left to writeEntries (the chain check answers first).
  let early: PostingsOf | undefined;
  try {
    early = postingsOf(input.entries, input.now);
  } catch {
    early = undefined;
  }
  // Cards whose pair with this store may be new (the rest this process saw committed).
  const pairs = knownPairs.unknown(input.storeId, cards);
  const opened = await opening;
  const lastNumber = Number(opened[1]?.rows[0]?.value);
  const cursorRow = opened[2]?.rows[0] as { last_seq: number; last_hash: string };
  const cursor = { lastSeq: Number(cursorRow.last_seq), lastHash: cursorRow.last_hash };
  const held = new Map<number, string>();
  if (first.seq < cursor.lastSeq) {
    // The card id is in the key: each held entry is one primary-key probe (no stream index).
    const overlap = input.entries.filter((e) => e.seq < cursor.lastSeq);
    const rows = await prepared(client, pgSql.heldHashes, [
      overlap.map((e) => e.cardId),
      overlap.map((e) => e.seq),
      input.tillId,
      first.epoch,
    ]);
    for (const r of rows.rows as { seq: number; hash: string }[]) held.set(Number(r.seq), r.hash);
  }
  const decision = planBatch(cursor, input.entries, (seq) => held.get(seq));
  if (decision.kind !== 'apply') return rollback(client, decision);
  const numbers = feedNumbers(cards, lastNumber);
  const facts = chainFacts(decision.entries);
  const writing = writeEntries(
    client,
    decision.entries,
    input.now,
    {
      storeId: input.storeId,
      numbers,
      push: {
        cursor: {
          tillId: input.tillId,
          epoch: first.epoch,
          lastSeq: decision.ackedThrough,
          lastHash: decision.lastHash,
        },
        facts,
      },
      pairs,
    },
    decision.duplicates === 0 ? early : undefined,
  );
  writing.catch(() => undefined);
  const broken = await verifyYielding(cursor, decision.entries);
  let written: Written;
  try {
    written = await writing;
  } catch (error) {
    if (broken !== null) return rollback(client, broken);
    if (!(error instanceof HeldTransaction)) throw error;
    await client.query('ROLLBACK');
    const held = await heldTransaction(client, decision.entries);
    if (held === null) throw error.cause ?? error;
    return { outcome: held, commit: null };
  }
  if (broken !== null) return rollback(client, broken);
  const short = new Set(written.short);
  const plan = await ingestChainFactsPg(client, facts, written, { ...chain, now: input.now });
  if (plan !== null && plan.hubEntries.length > 0) {
    const last = await nextHubSeqs(client, plan.hubEntries.length);
    const entries = plan.hubEntries.map((build, i) => build(last - plan.hubEntries.length + 1 + i));
    const hub = await writeEntries(client, entries, input.now, { storeId: hubTillId, numbers });
    for (const cardId of hub.short) short.add(cardId);
  }
  const overdraftBooked =
    short.size === 0 ? 0 : await settleCards(client, [...short].sort(), numbers, input.now);
  return {
    outcome: appliedOutcome(decision, overdraftBooked),
    commit: { first: lastNumber - cards.length + 1, last: lastNumber },
  };
}

async function rollback(client: pg.PoolClient, outcome: PushOutcome): Promise<PushResult> {
  await client.query('ROLLBACK');
  return { outcome, commit: null };
}

/** After the rollback: the first entry whose transaction head office holds, and where. */
async function heldTransaction(
  client: pg.PoolClient,
  entries: readonly OutboxEntry[],
): Promise<PushOutcome | null> {
  const rows = (
    await prepared(client, pgSql.heldTxns, [entries.map((e) => e.cardId), entries.map((e) => e.txnId)])
  ).rows as { card_id: string; txn_id: string; till_id: string; epoch: string; seq: number }[];
  for (const entry of entries) {
    const row = rows.find((r) => r.card_id === entry.cardId && r.txn_id === entry.txnId);
    if (row) return epochConflict(entry, { tillId: row.till_id, epoch: row.epoch, seq: Number(row.seq) });
  }
  return null;
}
